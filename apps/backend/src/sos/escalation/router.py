"""Escalation policies. Staff read them; only admins change them, because a policy (above all the organization's
default) decides who is woken for every SOS: it is configuration, like users and roles, not day-to-day dispatch."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from sos.auth.dependencies import AdminPrincipal, StaffPrincipal
from sos.core.dependencies import UnitOfWorkDep
from sos.core.http import ExpectedVersion, set_etag
from sos.core.pagination import Page, Paging
from sos.escalation import service
from sos.escalation.schemas import PolicyIn, PolicyRead

router = APIRouter(prefix="/escalation-policies", tags=["escalation"])

_STALE: dict[int | str, dict[str, Any]] = {412: {"description": "Stale ETag"}}
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid policy: no tiers, a delay out of range, or a target that is not usable"},
    409: {"description": "The team already has an escalation policy"},
}


@router.get("", operation_id="list_escalation_policies", summary="List escalation policies")
async def list_policies(principal: StaffPrincipal, uow: UnitOfWorkDep, paging: Paging) -> Page[PolicyRead]:
    return await service.list_policies(uow, principal, cursor=paging.cursor, limit=paging.limit)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_escalation_policy",
    summary="Create an escalation policy",
    responses=_INVALID,
)
async def create_policy(
    body: PolicyIn, principal: AdminPrincipal, uow: UnitOfWorkDep, response: Response
) -> PolicyRead:
    policy = await service.create_policy(uow, principal, body)
    response.headers["Location"] = f"/api/v1/escalation-policies/{policy.id}"
    set_etag(response, policy.version)
    return policy


@router.get("/{policy_id}", operation_id="get_escalation_policy", summary="One escalation policy with its tiers")
async def get_policy(policy_id: UUID, principal: StaffPrincipal, uow: UnitOfWorkDep, response: Response) -> PolicyRead:
    policy = await service.get_policy(uow, principal, policy_id)
    set_etag(response, policy.version)
    return policy


@router.put(
    "/{policy_id}",
    operation_id="replace_escalation_policy",
    summary="Replace an escalation policy, tiers and all",
    responses={**_STALE, **_INVALID},
)
async def replace_policy(
    policy_id: UUID,
    body: PolicyIn,
    principal: AdminPrincipal,
    uow: UnitOfWorkDep,
    version: ExpectedVersion,
    response: Response,
) -> PolicyRead:
    policy = await service.replace_policy(uow, principal, policy_id, body, expected_version=version)
    set_etag(response, policy.version)
    return policy


@router.delete(
    "/{policy_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="delete_escalation_policy",
    summary="Delete an escalation policy and stop the escalations running it",
    responses=_STALE,
)
async def delete_policy(
    policy_id: UUID, principal: AdminPrincipal, uow: UnitOfWorkDep, version: ExpectedVersion
) -> None:
    await service.delete_policy(uow, principal, policy_id, expected_version=version)


@router.put(
    "/{policy_id}/default",
    operation_id="set_default_escalation_policy",
    summary="Make this the policy that starts for every new SOS",
    responses=_STALE,
)
async def set_default(
    policy_id: UUID, principal: AdminPrincipal, uow: UnitOfWorkDep, version: ExpectedVersion, response: Response
) -> PolicyRead:
    policy = await service.set_default(uow, principal, policy_id, default=True, expected_version=version)
    set_etag(response, policy.version)
    return policy


@router.delete(
    "/{policy_id}/default",
    operation_id="unset_default_escalation_policy",
    summary="Stop this policy starting for every new SOS",
    responses=_STALE,
)
async def unset_default(
    policy_id: UUID, principal: AdminPrincipal, uow: UnitOfWorkDep, version: ExpectedVersion, response: Response
) -> PolicyRead:
    policy = await service.set_default(uow, principal, policy_id, default=False, expected_version=version)
    set_etag(response, policy.version)
    return policy
