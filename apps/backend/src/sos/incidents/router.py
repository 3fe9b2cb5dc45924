from fastapi import APIRouter

router = APIRouter(prefix="/incidents", tags=["incidents"])
