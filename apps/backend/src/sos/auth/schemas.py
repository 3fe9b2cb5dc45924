from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from sos.core.schemas import StrictInput
from sos.users.domain import Role


class TokenRequest(StrictInput):
    """OAuth 2.0 token request (RFC 6749 §4.3 and §6), sent as a form."""

    grant_type: Literal["password", "refresh_token"]
    username: str | None = Field(default=None, max_length=320, description="The email address")
    password: str | None = Field(default=None, max_length=1024)
    refresh_token: str | None = Field(default=None, max_length=256)
    organization: str | None = Field(
        default=None, max_length=64, description="Organization slug; needed when the user belongs to several"
    )
    scope: str | None = Field(default=None, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    user_id: UUID
    organization_id: UUID
    role: Role


class LogoutRequest(StrictInput):
    refresh_token: str = Field(max_length=256)
