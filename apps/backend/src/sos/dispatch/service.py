"""Dispatch use cases: team dispatch settings, ranked candidates, offers to chosen responders, auto-dispatch, and
accepting or declining an offer. Each runs in one unit of work; the state changes live in ``offers``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sos.alerts.models import Alert
from sos.alerts.visibility import visible_alerts
from sos.auth.principal import Principal
from sos.core.db import utcnow
from sos.core.errors import Conflict, ErrorCode, NotFound, PreconditionFailed, Unprocessable
from sos.core.schemas import LocationRead
from sos.core.uow import UnitOfWork
from sos.dispatch import offers, search
from sos.dispatch.domain import (
    DEFAULT_MAX_OFFERS,
    DEFAULT_OFFER_TIMEOUT_SECONDS,
    DEFAULT_RADIUS_KM,
    DispatchMode,
    OfferMode,
    OfferStatus,
    Point,
    WithdrawalReason,
    haversine_m,
    offer_reason,
)
from sos.dispatch.events import settings_event
from sos.dispatch.models import DispatchOffer, ResponderEngagement, TeamDispatchSettings
from sos.dispatch.ranker import Ranker
from sos.dispatch.schemas import (
    AlertSummary,
    AutoDispatchIn,
    CandidateRead,
    CandidatesRead,
    ChainRead,
    DeclineIn,
    DispatchSettingsIn,
    DispatchSettingsRead,
    MyOfferRead,
    OfferCreate,
    OfferRead,
    Origin,
    ResponderSummary,
)
from sos.responders.domain import Availability
from sos.responders.models import ResponderProfile
from sos.teams.models import Team, TeamMember
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership, User

# --- team dispatch settings ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamSettings:
    team_id: UUID
    mode: DispatchMode
    offer_timeout_seconds: int
    required_skills: list[str]
    max_offers: int
    radius_km: float
    updated_at: datetime | None
    version: int

    @classmethod
    def defaults(cls, team_id: UUID) -> TeamSettings:
        return cls(
            team_id=team_id,
            mode=DispatchMode.SUGGEST,
            offer_timeout_seconds=DEFAULT_OFFER_TIMEOUT_SECONDS,
            required_skills=[],
            max_offers=DEFAULT_MAX_OFFERS,
            radius_km=DEFAULT_RADIUS_KM,
            updated_at=None,
            version=0,
        )


def _team_not_found(team_id: UUID) -> NotFound:
    return NotFound(f"No team {team_id} in your organization.", resource="team", id=str(team_id))


async def load_team_settings(
    connection: AsyncConnection, organization_id: UUID, team_id: UUID, *, lock: bool = False
) -> TeamSettings | None:
    """The team's dispatch settings (the defaults while it has none); ``None`` when no such team is in the
    organization. ``lock`` holds the team's row, serialising writers of its settings."""
    team = select(Team.id).where(Team.organization_id == organization_id, Team.id == team_id)
    if (await connection.execute(team.with_for_update() if lock else team)).first() is None:
        return None
    row = (
        await connection.execute(select(TeamDispatchSettings).where(TeamDispatchSettings.team_id == team_id))
    ).first()
    if row is None:
        return TeamSettings.defaults(team_id)
    return TeamSettings(
        team_id=team_id,
        mode=DispatchMode(row.mode),
        offer_timeout_seconds=row.offer_timeout_seconds,
        required_skills=list(row.required_skills),
        max_offers=row.max_offers,
        radius_km=row.radius_km,
        updated_at=row.updated_at,
        version=row.version,
    )


async def _require_team_settings(connection: AsyncConnection, organization_id: UUID, team_id: UUID) -> TeamSettings:
    found = await load_team_settings(connection, organization_id, team_id)
    if found is None:
        raise _team_not_found(team_id)
    return found


def _settings_read(settings: TeamSettings) -> DispatchSettingsRead:
    return DispatchSettingsRead.model_validate(settings, from_attributes=True)


async def get_settings(uow: UnitOfWork, principal: Principal, team_id: UUID) -> DispatchSettingsRead:
    async with uow.read():
        return _settings_read(await _require_team_settings(uow.connection, principal.organization_id, team_id))


async def put_settings(
    uow: UnitOfWork, principal: Principal, team_id: UUID, data: DispatchSettingsIn, *, expected_version: int | None
) -> DispatchSettingsRead:
    """Replaces the team's dispatch settings; ``If-Match: "0"`` matches a team still on the defaults."""
    async with uow:
        current = await load_team_settings(uow.connection, principal.organization_id, team_id, lock=True)
        if current is None:
            raise _team_not_found(team_id)
        if expected_version is not None and current.version != expected_version:
            raise PreconditionFailed(
                f"The dispatch settings are at version {current.version}, not {expected_version}; reload and retry.",
                current_version=current.version,
            )
        wanted = data.model_dump()
        if current.version and all(getattr(current, name) == value for name, value in wanted.items()):
            return _settings_read(current)
        now = utcnow()
        values = wanted | {"updated_at": now, "version": current.version + 1}
        if current.version == 0:
            await uow.connection.execute(
                insert(TeamDispatchSettings).values(
                    team_id=team_id, organization_id=principal.organization_id, created_at=now, **values
                )
            )
        else:
            await uow.connection.execute(
                update(TeamDispatchSettings).where(TeamDispatchSettings.team_id == team_id).values(values)
            )
        uow.record(
            settings_event(
                values | {"team_id": team_id, "organization_id": principal.organization_id},
                actor_id=principal.user_id,
            )
        )
        await uow.commit()
    return DispatchSettingsRead.model_validate(values | {"team_id": team_id})


# --- candidates ----------------------------------------------------------------------------------------------------


async def _alert(connection: AsyncConnection, principal: Principal, alert_id: UUID) -> Any:
    row = (
        await connection.execute(
            select(Alert).where(Alert.id == alert_id, Alert.organization_id == principal.organization_id)
        )
    ).first()
    if row is None:
        raise offers.alert_not_found(alert_id)
    return row


async def _names(connection: AsyncConnection, user_ids: Sequence[UUID]) -> dict[UUID, str]:
    """Full names of the ranked responders, read once the ranking is known (the search itself skips the users
    table, so a dense city costs fewer joins)."""
    if not user_ids:
        return {}
    rows = await connection.execute(select(User.id, User.full_name).where(User.id.in_(user_ids)))
    return {row.id: row.full_name for row in rows}


async def _team_ids(
    connection: AsyncConnection, organization_id: UUID, user_ids: Sequence[UUID]
) -> dict[UUID, list[UUID]]:
    teams: dict[UUID, list[UUID]] = defaultdict(list)
    if not user_ids:
        return teams
    rows = await connection.execute(
        select(TeamMember.user_id, TeamMember.team_id)
        .where(TeamMember.organization_id == organization_id, TeamMember.user_id.in_(user_ids))
        .order_by(TeamMember.team_id)
    )
    for row in rows:
        teams[row.user_id].append(row.team_id)
    return teams


def _candidate_read(
    position: int,
    candidate: search.Candidate,
    skills: Sequence[str],
    *,
    full_name: str,
    team_ids: list[UUID],
    note: str | None,
) -> CandidateRead:
    return CandidateRead(
        responder=ResponderSummary(
            user_id=candidate.user_id,
            full_name=full_name,
            skills=candidate.skills,
            availability=candidate.availability,
            team_ids=team_ids,
            last_location=LocationRead(
                lat=candidate.location.lat,
                lon=candidate.location.lon,
                accuracy_m=candidate.accuracy_m,
                recorded_at=candidate.located_at,
            ),
        ),
        rank=position,
        distance_m=candidate.distance_m,
        eta_seconds=candidate.eta_seconds,
        matched_skills=search.matched_skills(candidate, skills),
        reason=offer_reason(
            rank=position,
            distance_m=candidate.distance_m,
            eta_seconds=candidate.eta_seconds,
            skills=skills,
            routing_note=note,
        ),
        engaged_alert_id=candidate.engaged_alert_id,
    )


async def candidates(
    uow: UnitOfWork,
    principal: Principal,
    alert_id: UUID,
    *,
    skills: Sequence[str],
    team_id: UUID | None,
    limit: int,
    radius_km: float | None,
    ranker: Ranker,
) -> CandidatesRead:
    """Available responders ranked for the alert: by distance, or by road ETA with a routing service. Without
    ``skills`` a team's required skills apply; without ``radius_km``, the team's radius or 50 km."""
    async with uow.read():
        alert = await _alert(uow.connection, principal, alert_id)
        settings = await _require_team_settings(uow.connection, principal.organization_id, team_id) if team_id else None
        wanted_skills = list(skills) if skills else (settings.required_skills if settings else [])
        radius = radius_km or (settings.radius_km if settings else DEFAULT_RADIUS_KM)
        wanted = search.Search(
            organization_id=principal.organization_id,
            origin=Point(alert.lat, alert.lon),
            radius_m=radius * 1_000,
            limit=limit,
            skills=tuple(wanted_skills),
            team_id=team_id,
            alert_id=alert.id,
            exclude=frozenset({alert.reporter_id}),
        )
        wanted = ranker.fresh(wanted, utcnow())
        pool = await search.nearest(uow.connection, uow.kind, search.pool_search(wanted, ranker.routing))
        teams = await _team_ids(uow.connection, principal.organization_id, [c.user_id for c in pool])
        names = await _names(uow.connection, [c.user_id for c in pool])
    # The routing service is asked after the connection went back to the pool.
    ranking = await search.by_eta(wanted, pool, ranker.routing)
    return CandidatesRead(
        items=[
            _candidate_read(
                position,
                candidate,
                wanted_skills,
                full_name=names[candidate.user_id],
                team_ids=teams[candidate.user_id],
                note=ranking.routing_note,
            )
            for position, candidate in enumerate(ranking.candidates, start=1)
        ],
        ranked_by=ranking.ranked_by,
        origin=Origin(lat=alert.lat, lon=alert.lon),
        radius_km=radius,
        location_max_age_minutes=round(ranker.location_max_age.total_seconds() / 60),
        routing_note=ranking.routing_note,
    )


# --- offers --------------------------------------------------------------------------------------------------------


def _offer_read(values: Any) -> OfferRead:
    return OfferRead.model_validate(values)


async def _responder(uow: UnitOfWork, organization_id: UUID, user_id: UUID) -> Any:
    row = (
        await uow.connection.execute(
            select(
                ResponderProfile.user_id,
                ResponderProfile.availability,
                ResponderProfile.last_lat,
                ResponderProfile.last_lon,
                ResponderProfile.skills,
            )
            .join(
                Membership,
                (Membership.organization_id == ResponderProfile.organization_id)
                & (Membership.user_id == ResponderProfile.user_id),
            )
            .where(
                ResponderProfile.organization_id == organization_id,
                ResponderProfile.user_id == user_id,
                Membership.role == Role.RESPONDER,
                Membership.status == MembershipStatus.ACTIVE,
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"No active responder {user_id} in your organization.", resource="responder", id=str(user_id))
    return row


async def _refuse_engaged(uow: UnitOfWork, alert: Any, responder_id: UUID) -> None:
    held = (
        await uow.connection.execute(
            select(ResponderEngagement.alert_id, ResponderEngagement.organization_id).where(
                ResponderEngagement.responder_id == responder_id
            )
        )
    ).first()
    if held is None:
        return
    if held.alert_id == alert.id:
        raise Conflict(
            "The responder already holds an offer for this alert or is working on it.",
            code=ErrorCode.ALREADY_EXISTS,
            responder_id=str(responder_id),
        )
    # Another organization's alert is never named.
    engaged_alert_id = str(held.alert_id) if held.organization_id == alert.organization_id else None
    raise Conflict(
        "The responder is engaged on another open alert.",
        code=ErrorCode.IN_USE,
        responder_id=str(responder_id),
        responder_state="engaged",
        engaged_alert_id=engaged_alert_id,
    )


async def offer(uow: UnitOfWork, principal: Principal, alert_id: UUID, data: OfferCreate) -> OfferRead:
    """Offers the alert to the responder a coordinator chose (suggest mode)."""
    async with uow:
        alert = await offers.lock_alert(uow, principal.organization_id, alert_id)
        offers.refuse_closed(alert)
        responder = await _responder(uow, principal.organization_id, data.responder_id)
        if responder.user_id == alert.reporter_id:
            raise Unprocessable(
                "The alert cannot be offered to the person who raised it.",
                errors=[{"in": "body", "pointer": "#/responder_id", "type": "value_error", "message": "the reporter"}],
            )
        if Availability(responder.availability) is not Availability.AVAILABLE:
            raise Conflict(
                f"The responder is {Availability(responder.availability).value.replace('_', ' ')}.",
                code=ErrorCode.IN_USE,
                responder_id=str(responder.user_id),
                responder_state=Availability(responder.availability).value,
            )
        await _refuse_engaged(uow, alert, responder.user_id)
        distance = (
            haversine_m(Point(alert.lat, alert.lon), Point(responder.last_lat, responder.last_lon))
            if responder.last_lat is not None and responder.last_lon is not None
            else None
        )
        made = await offers.make_offer(
            uow,
            alert=alert,
            responder_id=responder.user_id,
            mode=OfferMode.MANUAL,
            rank=None,
            distance_m=distance,
            eta_seconds=None,
            skills=[],
            reason=offer_reason(rank=None, distance_m=distance, eta_seconds=None, skills=[]),
            timeout_seconds=data.timeout_seconds or DEFAULT_OFFER_TIMEOUT_SECONDS,
            now=utcnow(),
            offered_by_id=principal.user_id,
        )
        if made is None:
            # Engaged by a concurrent dispatch between the check and the insert.
            await _refuse_engaged(uow, alert, responder.user_id)
            raise Conflict("The responder was engaged by another dispatch.", code=ErrorCode.IN_USE)
        await uow.commit()
    return _offer_read(made)


def _chain_read(chain: dict[str, Any]) -> ChainRead:
    current = chain.get("current_offer")
    return ChainRead.model_validate(chain | {"current_offer": _offer_read(current) if current else None})


async def start_auto(
    uow: UnitOfWork, principal: Principal, alert_id: UUID, data: AutoDispatchIn, ranker: Ranker
) -> ChainRead:
    """Starts an auto-dispatch: the nearest available responder gets the offer, then the next-nearest, and so on."""
    async with uow:
        alert = await offers.lock_alert(uow, principal.organization_id, alert_id)
        settings = (
            await _require_team_settings(uow.connection, principal.organization_id, data.team_id)
            if data.team_id is not None
            else None
        )
        offers.refuse_closed(alert)
        if await offers.active_chain(uow, alert.id) is not None:
            raise Conflict(
                "An auto-dispatch is already running for this alert; stop it first.", code=ErrorCode.ALREADY_EXISTS
            )
        chain = await offers.start_chain(
            uow,
            alert,
            team_id=data.team_id,
            skills=data.skills if data.skills is not None else (settings.required_skills if settings else []),
            timeout_seconds=data.timeout_seconds
            or (settings.offer_timeout_seconds if settings else DEFAULT_OFFER_TIMEOUT_SECONDS),
            max_offers=settings.max_offers if settings else DEFAULT_MAX_OFFERS,
            radius_km=settings.radius_km if settings else DEFAULT_RADIUS_KM,
            started_by_id=principal.user_id,
            now=utcnow(),
            ranker=ranker,
        )
        await uow.commit()
    return _chain_read(chain)


async def stop_auto(uow: UnitOfWork, principal: Principal, alert_id: UUID) -> None:
    """Stops the alert's auto-dispatch, withdrawing its pending offer; nothing happens when none is running."""
    async with uow:
        await offers.lock_alert(uow, principal.organization_id, alert_id)
        await offers.stop_chains(uow, alert_id, WithdrawalReason.STOPPED, utcnow(), actor_id=principal.user_id)
        await uow.commit()


async def list_offers(uow: UnitOfWork, principal: Principal, alert_id: UUID) -> list[OfferRead]:
    """Staff see every offer of the alert; a responder only the offers made to them."""
    query = select(DispatchOffer).where(
        DispatchOffer.alert_id == alert_id, DispatchOffer.organization_id == principal.organization_id
    )
    async with uow.read():
        if principal.is_staff:
            await _alert(uow.connection, principal, alert_id)
        else:
            query = query.where(DispatchOffer.responder_id == principal.user_id)
        rows = (await uow.connection.execute(query.order_by(DispatchOffer.offered_at, DispatchOffer.id))).all()
        if not rows and not principal.is_staff:
            visible = await uow.connection.scalar(
                select(Alert.id).where(Alert.id == alert_id, visible_alerts(principal))
            )
            if visible is None:
                raise offers.alert_not_found(alert_id)
    return [_offer_read(row._mapping) for row in rows]


async def my_offers(uow: UnitOfWork, principal: Principal) -> list[MyOfferRead]:
    """The caller's pending offers, oldest first, each with what they need to know about the alert."""
    now = utcnow()
    async with uow.read():
        rows = (
            await uow.connection.execute(
                select(
                    DispatchOffer,
                    Alert.status.label("alert_status"),
                    Alert.severity,
                    Alert.category,
                    Alert.lat,
                    Alert.lon,
                    Alert.created_at.label("alert_created_at"),
                )
                .join(Alert, Alert.id == DispatchOffer.alert_id)
                .where(
                    DispatchOffer.organization_id == principal.organization_id,
                    DispatchOffer.responder_id == principal.user_id,
                    DispatchOffer.status == OfferStatus.OFFERED,
                    DispatchOffer.expires_at > now,
                )
                .order_by(DispatchOffer.offered_at, DispatchOffer.id)
            )
        ).all()
    return [
        MyOfferRead.model_validate(
            dict(row._mapping)
            | {
                "alert": AlertSummary(
                    id=row.alert_id,
                    status=row.alert_status,
                    severity=row.severity,
                    category=row.category,
                    lat=row.lat,
                    lon=row.lon,
                    created_at=row.alert_created_at,
                )
            }
        )
        for row in rows
    ]


async def _own_offer(uow: UnitOfWork, principal: Principal, alert_id: UUID, offer_id: UUID) -> Any:
    """The caller's offer, locked; another responder's offer looks exactly like a missing one."""
    row = (
        await uow.connection.execute(
            select(DispatchOffer)
            .where(
                DispatchOffer.id == offer_id,
                DispatchOffer.alert_id == alert_id,
                DispatchOffer.organization_id == principal.organization_id,
                DispatchOffer.responder_id == principal.user_id,
            )
            .with_for_update()
        )
    ).first()
    if row is None:
        raise NotFound(f"No offer {offer_id} for you on this alert.", resource="dispatch_offer", id=str(offer_id))
    return row


async def _locked_alert_of_offer(uow: UnitOfWork, principal: Principal, alert_id: UUID, offer_id: UUID) -> Any:
    """The alert, locked, once the offer is known to be the caller's (so the alert's existence is not revealed)."""
    row = (
        await uow.connection.execute(
            select(DispatchOffer.id).where(
                DispatchOffer.id == offer_id,
                DispatchOffer.alert_id == alert_id,
                DispatchOffer.organization_id == principal.organization_id,
                DispatchOffer.responder_id == principal.user_id,
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"No offer {offer_id} for you on this alert.", resource="dispatch_offer", id=str(offer_id))
    return await offers.lock_alert(uow, principal.organization_id, alert_id)


async def accept(uow: UnitOfWork, principal: Principal, alert_id: UUID, offer_id: UUID) -> OfferRead:
    """The offered responder takes the alert on: assigned, and the alert acknowledged (if still triggered) and
    dispatched, in the same transaction as the offer is accepted."""
    async with uow:
        alert = await _locked_alert_of_offer(uow, principal, alert_id, offer_id)
        offer_row = await _own_offer(uow, principal, alert_id, offer_id)
        now = utcnow()
        if not offers.is_pending(offer_row, now):
            raise offers.offer_not_open(offer_row, "accept", now)
        offers.refuse_closed(alert)
        await offers.close_offer(uow, offer_row, OfferStatus.ACCEPTED, now, actor_id=principal.user_id)
        await offers.accept_chain_offer(uow, offer_row, now)
        await offers.take_on(uow, alert, principal.user_id, now)
        await uow.commit()
    return _offer_read(dict(offer_row._mapping) | {"status": OfferStatus.ACCEPTED, "decided_at": now})


async def decline(
    uow: UnitOfWork, principal: Principal, alert_id: UUID, offer_id: UUID, data: DeclineIn, ranker: Ranker
) -> OfferRead:
    """The offered responder says no; an auto-dispatch offers the next-nearest at once."""
    async with uow:
        alert = await _locked_alert_of_offer(uow, principal, alert_id, offer_id)
        offer_row = await _own_offer(uow, principal, alert_id, offer_id)
        now = utcnow()
        if not offers.is_pending(offer_row, now):
            raise offers.offer_not_open(offer_row, "decline", now)
        chain = await offers.chain_waiting_on(uow, offer_row)
        await offers.close_offer(
            uow, offer_row, OfferStatus.DECLINED, now, actor_id=principal.user_id, decline_reason=data.reason
        )
        if chain is not None:
            await offers.advance_chain(uow, chain._mapping, alert, now, ranker)
        await uow.commit()
    return _offer_read(
        dict(offer_row._mapping) | {"status": OfferStatus.DECLINED, "decided_at": now, "decline_reason": data.reason}
    )
