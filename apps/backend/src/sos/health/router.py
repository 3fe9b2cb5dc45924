from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from sos.core.dependencies import ContainerDep
from sos.core.errors import ErrorCode, problem_response

router = APIRouter(tags=["health"])
logger = logging.getLogger("sos.health")


@router.get("/livez", operation_id="livez", summary="The process is up")
async def livez() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="The process can serve: the database answers",
    responses={503: {"description": "A dependency is down"}},
)
async def readyz(container: ContainerDep) -> JSONResponse:
    try:
        async with container.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        logger.warning("readiness check: database unreachable", exc_info=True)
        return problem_response(
            503,
            ErrorCode.SERVICE_UNAVAILABLE,
            "Service unavailable",
            "The database is not reachable.",
            checks={"database": "down"},
        )
    return JSONResponse({"status": "ok", "checks": {"database": "ok"}})
