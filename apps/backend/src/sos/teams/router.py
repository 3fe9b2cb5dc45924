from fastapi import APIRouter

router = APIRouter(prefix="/teams", tags=["teams"])
