from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response, status

from sos.auth.dependencies import AdminPrincipal
from sos.core.dependencies import UnitOfWorkDep
from sos.providers import service
from sos.providers.dependencies import DeliveryRuntimeDep
from sos.providers.schemas import HealthCheckRead, ProviderCreate, ProviderKindRead, ProviderRead, ProviderUpdate

router = APIRouter(prefix="/notification-providers", tags=["notification providers"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such provider in your organization"}}


@router.get("/kinds", operation_id="list_provider_kinds", summary="The provider kinds and their settings")
async def list_provider_kinds(_: AdminPrincipal) -> list[ProviderKindRead]:
    return service.list_kinds()


@router.get(
    "",
    operation_id="list_notification_providers",
    summary="Your organization's provider accounts and the built-in providers, with their health",
)
async def list_notification_providers(
    principal: AdminPrincipal, uow: UnitOfWorkDep, runtime: DeliveryRuntimeDep
) -> list[ProviderRead]:
    return await service.list_providers(uow, principal, runtime)


@router.post(
    "",
    operation_id="create_notification_provider",
    summary="Add a provider account; its credentials are stored encrypted and never returned",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "A provider with that name exists"}, 422: {"description": "Invalid settings"}},
)
async def create_notification_provider(
    data: ProviderCreate, principal: AdminPrincipal, uow: UnitOfWorkDep, runtime: DeliveryRuntimeDep
) -> ProviderRead:
    provider_id = await service.create_provider(uow, principal, data)
    runtime.forget_configuration(principal.organization_id)
    return await service.get_provider(uow, principal, provider_id, runtime)


@router.get("/{provider_id}", operation_id="get_notification_provider", summary="One provider", responses=_NOT_FOUND)
async def get_notification_provider(
    provider_id: UUID, principal: AdminPrincipal, uow: UnitOfWorkDep, runtime: DeliveryRuntimeDep
) -> ProviderRead:
    return await service.get_provider(uow, principal, provider_id, runtime)


@router.patch(
    "/{provider_id}",
    operation_id="update_notification_provider",
    summary="Change a provider; credentials are replaced only when given",
    responses={**_NOT_FOUND, 409: {"description": "Name taken"}, 422: {"description": "Invalid settings"}},
)
async def update_notification_provider(
    provider_id: UUID,
    data: ProviderUpdate,
    principal: AdminPrincipal,
    uow: UnitOfWorkDep,
    runtime: DeliveryRuntimeDep,
) -> ProviderRead:
    await service.update_provider(uow, principal, provider_id, data)
    runtime.forget_configuration(principal.organization_id)
    return await service.get_provider(uow, principal, provider_id, runtime)


@router.delete(
    "/{provider_id}",
    operation_id="delete_notification_provider",
    summary="Remove a provider account",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_NOT_FOUND,
)
async def delete_notification_provider(
    provider_id: UUID, principal: AdminPrincipal, uow: UnitOfWorkDep, runtime: DeliveryRuntimeDep
) -> Response:
    await service.delete_provider(uow, principal, provider_id)
    runtime.forget_configuration(principal.organization_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{provider_id}/check",
    operation_id="check_notification_provider",
    summary="Ask the provider now whether it is reachable and the credentials work; nothing is sent",
    responses=_NOT_FOUND,
)
async def check_notification_provider(
    provider_id: UUID, principal: AdminPrincipal, uow: UnitOfWorkDep, runtime: DeliveryRuntimeDep
) -> HealthCheckRead:
    return await service.check_provider(uow, principal, provider_id, runtime)
