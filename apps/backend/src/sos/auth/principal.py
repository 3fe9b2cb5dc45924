from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sos.users.domain import STAFF_ROLES, Role


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller, acting inside one organization with one role."""

    user_id: UUID
    organization_id: UUID
    role: Role

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES
