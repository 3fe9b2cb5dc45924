from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sos.core.schemas import StrictInput, refuse_nul
from sos.users.domain import Role

GRANT_TYPES = ("password", "refresh_token")


class TokenRequest(BaseModel):
    """OAuth 2.0 token request (RFC 6749 §4.3 and §6), sent as a form.

    Unlike other inputs it ignores unknown parameters, as RFC 6749 §3.2 requires (clients send client_id and the
    like), and it keeps the password exactly as typed.
    """

    model_config = ConfigDict(extra="ignore")

    grant_type: str = Field(max_length=64, json_schema_extra={"enum": list(GRANT_TYPES)})
    username: str | None = Field(default=None, max_length=320, description="The email address")
    password: str | None = Field(default=None, max_length=1024)
    refresh_token: str | None = Field(default=None, max_length=256)
    organization: str | None = Field(
        default=None, max_length=64, description="Organization slug; needed when the user belongs to several"
    )
    scope: str | None = Field(default=None, max_length=256)

    @field_validator("username", "refresh_token", "organization")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() if value is not None else None

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)


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
