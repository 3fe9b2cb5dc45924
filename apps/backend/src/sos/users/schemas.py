from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, EmailStr, Field, StringConstraints, field_validator, model_validator

from sos.core.schemas import ReadModel, StrictInput
from sos.users.domain import MembershipStatus, Role

FullName = Annotated[str, Field(min_length=1, max_length=200)]
Phone = Annotated[
    str,
    Field(
        min_length=3,
        max_length=32,
        pattern=r"^\+?[0-9][0-9 ().-]*$",
        description="Digits with optional leading +, spaces, dots, dashes and parentheses",
    ),
]
Password = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=12, max_length=1024),
    Field(description="At least 12 characters, kept exactly as typed"),
]
Email = Annotated[EmailStr, Field(max_length=320), AfterValidator(str.lower)]


class MemberRead(ReadModel):
    """A person as a member of the caller's organization. ``version`` is the membership's, and its ETag."""

    id: UUID = Field(description="The user id")
    organization_id: UUID
    email: str
    full_name: str
    phone: str | None
    role: Role
    status: MembershipStatus
    invitation_expires_at: datetime | None
    deactivated_at: datetime | None
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class MemberCreated(MemberRead):
    invitation_token: str | None = Field(
        default=None,
        description="Only for an invited member, and shown only once: hand it to the person to accept the invitation.",
    )


class MemberCreate(StrictInput):
    email: Email
    full_name: FullName
    phone: Phone | None = None
    role: Role
    password: Password | None = Field(
        default=None, description="Makes the member active at once; without it the member is invited."
    )


class MemberUpdate(StrictInput):
    full_name: FullName | None = None
    phone: Phone | None = Field(default=None, description="null clears it")
    role: Role | None = None

    @field_validator("full_name", "role")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null")
        return value

    @model_validator(mode="after")
    def _meaningful(self) -> MemberUpdate:
        if not self.model_fields_set:
            raise ValueError("name at least one of full_name, phone, role")
        return self


class MemberFilters(BaseModel):
    role: list[Role] = Field(default_factory=list)
    status: list[MembershipStatus] = Field(default_factory=list)


class InvitationAccept(StrictInput):
    token: str = Field(min_length=1, max_length=256)
    password: Password = Field(description="Becomes the password of a new account; an existing one keeps its own.")
    full_name: FullName | None = None


class InvitationAccepted(BaseModel):
    user_id: UUID
    email: str
    organization_id: UUID
    organization_slug: str = Field(description="Pass as 'organization' when logging in")
    role: Role
