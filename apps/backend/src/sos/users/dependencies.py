from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query

from sos.auth.dependencies import require_roles
from sos.auth.principal import Principal
from sos.core.http import expected_version
from sos.users.domain import MembershipStatus, Role
from sos.users.schemas import MemberFilters


def if_match_version(
    if_match: Annotated[
        str | None, Header(alias="If-Match", description="The resource's ETag, to refuse stale writes")
    ] = None,
) -> int | None:
    return expected_version(if_match)


ExpectedVersion = Annotated[int | None, Depends(if_match_version)]
"""The version an ``If-Match`` header demands; shared by the people domains."""


def member_filters(
    role: Annotated[list[Role] | None, Query(description="Any of these roles")] = None,
    status: Annotated[list[MembershipStatus] | None, Query(description="Any of these statuses")] = None,
) -> MemberFilters:
    return MemberFilters(role=role or [], status=status or [])


Filters = Annotated[MemberFilters, Depends(member_filters)]

FieldPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.COORDINATOR, Role.RESPONDER))]
ResponderPrincipal = Annotated[Principal, Depends(require_roles(Role.RESPONDER))]
