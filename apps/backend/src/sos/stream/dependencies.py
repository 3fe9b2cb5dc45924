from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sos.core.dependencies import ContainerDep
from sos.core.errors import Unauthenticated
from sos.core.security import AccessClaims
from sos.stream.service import authenticate

_bearer = HTTPBearer(auto_error=False, description="An access token from POST /api/v1/auth/token")


async def stream_claims(
    container: ContainerDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> AccessClaims:
    """The caller's token claims: a stream needs the token's expiry, to end when it does."""
    if credentials is None:
        raise Unauthenticated("Send an access token as 'Authorization: Bearer <token>'.")
    return authenticate(container.signer, container.memberships, credentials.credentials)


StreamClaims = Annotated[AccessClaims, Depends(stream_claims)]
