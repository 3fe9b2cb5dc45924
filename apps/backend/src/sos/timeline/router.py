from fastapi import APIRouter

router = APIRouter(prefix="/timeline", tags=["timeline"])
