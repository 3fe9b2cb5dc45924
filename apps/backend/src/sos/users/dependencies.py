from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from sos.users.domain import MembershipStatus, Role
from sos.users.schemas import MemberFilters


async def member_filters(
    role: Annotated[list[Role] | None, Query(description="Any of these roles")] = None,
    status: Annotated[list[MembershipStatus] | None, Query(description="Any of these statuses")] = None,
) -> MemberFilters:
    return MemberFilters(role=role or [], status=status or [])


Filters = Annotated[MemberFilters, Depends(member_filters)]
