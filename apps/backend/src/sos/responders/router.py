from fastapi import APIRouter

router = APIRouter(prefix="/responders", tags=["responders"])
