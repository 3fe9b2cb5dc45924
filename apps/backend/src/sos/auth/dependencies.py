"""Authentication and role checks as ``Annotated`` dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sos.auth.principal import Principal
from sos.core.dependencies import ContainerDep
from sos.core.errors import ErrorCode, Forbidden, Unauthenticated
from sos.core.security import InvalidAccessToken
from sos.users.domain import Role

_bearer = HTTPBearer(auto_error=False, description="An access token from POST /api/v1/auth/token")


async def current_principal(
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthenticated("Send an access token as 'Authorization: Bearer <token>'.")
    try:
        claims = container.signer.verify(credentials.credentials)
        role = Role(claims.role)
    except (InvalidAccessToken, ValueError) as exc:
        raise Unauthenticated(
            "The access token is invalid or expired; refresh it or log in again.",
            code=ErrorCode.INVALID_TOKEN,
        ) from exc
    if not container.memberships.is_current(
        user_id=claims.user_id, organization_id=claims.organization_id, version=claims.membership_version
    ):
        raise Unauthenticated(
            "Your membership changed after this token was issued; refresh it or log in again.",
            code=ErrorCode.INVALID_TOKEN,
        )
    return Principal(user_id=claims.user_id, organization_id=claims.organization_id, role=role)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    allowed = frozenset(roles)

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(
                f"This action needs one of the roles: {', '.join(sorted(allowed))}.",
                required_roles=sorted(allowed),
            )
        return principal

    return check


StaffPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.COORDINATOR))]
AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
FieldPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.COORDINATOR, Role.RESPONDER))]
"""Staff and responders: everyone who works alerts, but not the people who raise them."""
ResponderPrincipal = Annotated[Principal, Depends(require_roles(Role.RESPONDER))]
