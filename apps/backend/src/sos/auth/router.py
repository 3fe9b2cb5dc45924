from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Response, status

from sos.auth import service
from sos.auth.schemas import GRANT_TYPES, LogoutRequest, TokenRequest, TokenResponse
from sos.core.dependencies import ContainerDep, UnitOfWorkDep
from sos.core.errors import BadRequest, ErrorCode

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    operation_id="issue_token",
    summary="OAuth 2.0 token endpoint: password and refresh_token grants",
    responses={400: {"description": "invalid_grant, invalid_request, unsupported_grant_type or organization_required"}},
)
async def issue_token(
    form: Annotated[TokenRequest, Form()], container: ContainerDep, uow: UnitOfWorkDep, response: Response
) -> TokenResponse:
    response.headers["Cache-Control"] = "no-store"
    if form.grant_type == "password":
        return await service.password_grant(uow, container.signer, container.settings, form)
    if form.grant_type == "refresh_token":
        return await service.refresh_grant(uow, container.signer, container.settings, form)
    raise BadRequest(
        f"The grant type must be one of: {', '.join(GRANT_TYPES)}.",
        code=ErrorCode.UNSUPPORTED_GRANT_TYPE,
        error="unsupported_grant_type",
    )


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="logout",
    summary="End a session: revokes its refresh token and every token rotated from it",
)
async def logout(body: LogoutRequest, uow: UnitOfWorkDep) -> None:
    await service.logout(uow, body.refresh_token)
