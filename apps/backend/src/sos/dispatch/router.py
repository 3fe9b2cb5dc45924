"""Dispatch: ranked candidates and offers (suggest mode), auto-dispatch chains, the responder's side of an offer,
and each team's dispatch settings."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from sos.auth.dependencies import FieldPrincipal, ResponderPrincipal, StaffPrincipal
from sos.core.dependencies import UnitOfWorkDep
from sos.core.http import ExpectedVersion, set_etag
from sos.dispatch import service
from sos.dispatch.dependencies import RankerDep
from sos.dispatch.domain import DEFAULT_OFFER_TIMEOUT_SECONDS, MAX_CANDIDATES, MAX_RADIUS_KM
from sos.dispatch.schemas import (
    AutoDispatchIn,
    CandidatesRead,
    ChainRead,
    DeclineIn,
    DispatchSettingsIn,
    DispatchSettingsRead,
    MyOfferRead,
    OfferCreate,
    OfferRead,
)
from sos.responders.schemas import Skill

router = APIRouter(tags=["dispatch"])

_ALERT = "/alerts/{alert_id}/dispatch"
_CLOSED_OFFER: dict[int | str, dict[str, Any]] = {
    409: {"description": "The offer is no longer pending (accepted, declined, expired or withdrawn)"}
}


@router.get(
    "/teams/{team_id}/dispatch-settings",
    operation_id="get_team_dispatch_settings",
    summary="A team's dispatch mode, offer timeout, required skills, offer limit and radius",
)
async def get_settings(
    team_id: UUID, principal: StaffPrincipal, uow: UnitOfWorkDep, response: Response
) -> DispatchSettingsRead:
    settings = await service.get_settings(uow, principal, team_id)
    set_etag(response, settings.version)
    return settings


@router.put(
    "/teams/{team_id}/dispatch-settings",
    operation_id="put_team_dispatch_settings",
    summary="Replace a team's dispatch settings",
    responses={412: {"description": "Stale ETag"}},
)
async def put_settings(
    team_id: UUID,
    body: DispatchSettingsIn,
    principal: StaffPrincipal,
    uow: UnitOfWorkDep,
    version: ExpectedVersion,
    response: Response,
) -> DispatchSettingsRead:
    settings = await service.put_settings(uow, principal, team_id, body, expected_version=version)
    set_etag(response, settings.version)
    return settings


@router.get(
    f"{_ALERT}/candidates",
    operation_id="list_dispatch_candidates",
    summary="Available responders ranked for the alert, nearest (or fastest by road) first",
)
async def list_candidates(
    alert_id: UUID,
    principal: StaffPrincipal,
    uow: UnitOfWorkDep,
    ranker: RankerDep,
    skill: Annotated[list[Skill] | None, Query(description="Required skills (all of them)")] = None,
    team_id: Annotated[UUID | None, Query(description="Only this team's members, with its skills and radius")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_CANDIDATES)] = 10,
    radius_km: Annotated[
        float | None, Query(gt=0, le=MAX_RADIUS_KM, description="Defaults to the team's, else 50")
    ] = None,
) -> CandidatesRead:
    return await service.candidates(
        uow,
        principal,
        alert_id,
        skills=list(dict.fromkeys(skill or [])),
        team_id=team_id,
        limit=limit,
        radius_km=radius_km,
        ranker=ranker,
    )


@router.post(
    f"{_ALERT}/offers",
    status_code=status.HTTP_201_CREATED,
    operation_id="offer_alert",
    summary=f"Offer the alert to a chosen responder (it expires after {DEFAULT_OFFER_TIMEOUT_SECONDS} s by default)",
    responses={409: {"description": "The alert is closed, or the responder is unavailable or engaged"}},
)
async def offer_alert(alert_id: UUID, body: OfferCreate, principal: StaffPrincipal, uow: UnitOfWorkDep) -> OfferRead:
    return await service.offer(uow, principal, alert_id, body)


@router.get(
    f"{_ALERT}/offers",
    operation_id="list_dispatch_offers",
    summary="The alert's offers, oldest first (a responder sees only those made to them)",
)
async def list_offers(alert_id: UUID, principal: FieldPrincipal, uow: UnitOfWorkDep) -> list[OfferRead]:
    return await service.list_offers(uow, principal, alert_id)


@router.post(
    f"{_ALERT}/auto",
    status_code=status.HTTP_201_CREATED,
    operation_id="start_auto_dispatch",
    summary="Offer the alert to the nearest available responder, then the next-nearest, until one accepts",
    responses={409: {"description": "The alert is closed, or an auto-dispatch is already running"}},
)
async def start_auto(
    alert_id: UUID,
    principal: StaffPrincipal,
    uow: UnitOfWorkDep,
    ranker: RankerDep,
    body: AutoDispatchIn | None = None,
) -> ChainRead:
    return await service.start_auto(uow, principal, alert_id, body or AutoDispatchIn(), ranker)


@router.delete(
    f"{_ALERT}/auto",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="stop_auto_dispatch",
    summary="Stop the auto-dispatch and withdraw its pending offer",
)
async def stop_auto(alert_id: UUID, principal: StaffPrincipal, uow: UnitOfWorkDep) -> None:
    await service.stop_auto(uow, principal, alert_id)


@router.post(
    f"{_ALERT}/offers/{{offer_id}}/accept",
    operation_id="accept_dispatch_offer",
    summary="Accept an offer: be assigned, and the alert is acknowledged and dispatched",
    responses=_CLOSED_OFFER,
)
async def accept(alert_id: UUID, offer_id: UUID, principal: ResponderPrincipal, uow: UnitOfWorkDep) -> OfferRead:
    return await service.accept(uow, principal, alert_id, offer_id)


@router.post(
    f"{_ALERT}/offers/{{offer_id}}/decline",
    operation_id="decline_dispatch_offer",
    summary="Decline an offer; an auto-dispatch moves on to the next-nearest responder",
    responses=_CLOSED_OFFER,
)
async def decline(
    alert_id: UUID,
    offer_id: UUID,
    principal: ResponderPrincipal,
    uow: UnitOfWorkDep,
    ranker: RankerDep,
    body: DeclineIn | None = None,
) -> OfferRead:
    return await service.decline(uow, principal, alert_id, offer_id, body or DeclineIn(), ranker)


@router.get(
    "/me/dispatch-offers",
    operation_id="list_my_dispatch_offers",
    summary="The caller's pending offers, with a summary of each alert",
)
async def my_offers(principal: ResponderPrincipal, uow: UnitOfWorkDep) -> list[MyOfferRead]:
    return await service.my_offers(uow, principal)
