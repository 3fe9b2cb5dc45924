"""The state changes of dispatch, each inside the caller's open unit of work: engaging a responder, making and
closing offers, moving an auto-dispatch chain on, and taking an alert on when an offer is accepted.

Lock order: whoever changes offers or chains of an alert holds the alert's row lock first (``lock_alert``); the
scheduler, which claims a due offer first, only tries the alert's lock without waiting (``SKIP LOCKED``), so the two
orders never wait on each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, delete, insert, select, update

from sos.alerts.domain import OPEN_STATUSES, TRANSITIONS, AlertAction, AlertStatus, next_status
from sos.alerts.events import alert_event
from sos.alerts.models import Alert, AlertAssignment
from sos.alerts.service import record_transition
from sos.analytics.upsert import insert_ignoring_duplicates
from sos.core.errors import Conflict, ErrorCode, InvalidTransition, NotFound
from sos.core.ids import new_id
from sos.core.uow import UnitOfWork
from sos.dispatch import search
from sos.dispatch.domain import (
    ChainStatus,
    EngagementSource,
    OfferMode,
    OfferStatus,
    Point,
    WithdrawalReason,
    eta_order,
    exhausted_reason,
    offer_reason,
)
from sos.dispatch.events import exhausted_event, offer_event
from sos.dispatch.models import DispatchChain, DispatchOffer, ResponderEngagement
from sos.dispatch.ranker import Ranker

_ENGAGEMENTS = cast(Table, ResponderEngagement.__table__)
CHAIN_BATCH = 5
"""Candidates fetched per try of a chain step; those lost to a concurrent dispatch are skipped."""


def alert_not_found(alert_id: UUID) -> NotFound:
    return NotFound(f"No alert {alert_id} is visible to you.", resource="alert", id=str(alert_id))


async def lock_alert(uow: UnitOfWork, organization_id: UUID, alert_id: UUID) -> Any:
    """The alert's row, locked until commit. On PostgreSQL it is FOR NO KEY UPDATE, so rows that merely reference the
    alert (timeline entries, notifications) can still be inserted meanwhile."""
    row = (
        await uow.connection.execute(
            select(Alert)
            .where(Alert.id == alert_id, Alert.organization_id == organization_id)
            .with_for_update(key_share=True)
        )
    ).first()
    if row is None:
        raise alert_not_found(alert_id)
    return row


def is_open(alert: Any) -> bool:
    return AlertStatus(alert.status) in OPEN_STATUSES


def refuse_closed(alert: Any) -> None:
    if not is_open(alert):
        raise Conflict("The alert is closed; reopen it before dispatching.", code=ErrorCode.ALERT_CLOSED)


def offer_not_open(offer: Any, action: str, now: datetime) -> InvalidTransition:
    status = OfferStatus.EXPIRED.value if _overdue(offer, now) else OfferStatus(offer.status).value
    return InvalidTransition(
        f"The offer is {status}; only a pending offer can be {action}ed.",
        current_status=status,
        action=action,
        allowed_actions=[],
    )


def _overdue(offer: Any, now: datetime) -> bool:
    return OfferStatus(offer.status) is OfferStatus.OFFERED and offer.expires_at <= now


def is_pending(offer: Any, now: datetime) -> bool:
    return OfferStatus(offer.status) is OfferStatus.OFFERED and offer.expires_at > now


# --- engagements ---------------------------------------------------------------------------------------------------


async def engage(
    uow: UnitOfWork,
    *,
    responder_id: UUID,
    organization_id: UUID,
    alert_id: UUID,
    offer_id: UUID | None,
    source: EngagementSource,
    now: datetime,
) -> bool:
    """Holds the responder for the alert; ``False`` when they are held elsewhere (or by another offer).

    A responder is held once, by primary key: of two concurrent inserts, one waits for the other and then finds its
    row. An escalation engagement also succeeds when the responder is already held for the same alert.
    """
    values = {
        "responder_id": responder_id,
        "organization_id": organization_id,
        "alert_id": alert_id,
        "offer_id": offer_id,
        "source": source,
        "engaged_at": now,
    }
    await uow.connection.execute(insert_ignoring_duplicates(uow.kind, _ENGAGEMENTS, values))
    held = (
        await uow.connection.execute(
            select(ResponderEngagement.alert_id, ResponderEngagement.offer_id).where(
                ResponderEngagement.responder_id == responder_id
            )
        )
    ).first()
    if held is None or held.alert_id != alert_id:
        return False
    return offer_id is None or held.offer_id == offer_id


async def release_offer(uow: UnitOfWork, offer_id: UUID) -> None:
    await uow.connection.execute(delete(ResponderEngagement).where(ResponderEngagement.offer_id == offer_id))


async def release_alert(
    uow: UnitOfWork,
    alert_id: UUID,
    *,
    engaged_by: datetime,
    source: EngagementSource | None = None,
    keep: UUID | None = None,
) -> None:
    """Releases the responders held for the alert since ``engaged_by`` or earlier: all of them, or those held by
    ``source``, except ``keep``."""
    statement = delete(ResponderEngagement).where(
        ResponderEngagement.alert_id == alert_id, ResponderEngagement.engaged_at <= engaged_by
    )
    if source is not None:
        statement = statement.where(ResponderEngagement.source == source)
    if keep is not None:
        statement = statement.where(ResponderEngagement.responder_id != keep)
    await uow.connection.execute(statement)


async def release_responder(uow: UnitOfWork, alert_id: UUID, responder_id: UUID, *, engaged_by: datetime) -> None:
    await uow.connection.execute(
        delete(ResponderEngagement).where(
            ResponderEngagement.alert_id == alert_id,
            ResponderEngagement.responder_id == responder_id,
            ResponderEngagement.engaged_at <= engaged_by,
        )
    )


# --- offers --------------------------------------------------------------------------------------------------------


async def make_offer(
    uow: UnitOfWork,
    *,
    alert: Any,
    responder_id: UUID,
    mode: OfferMode,
    rank: int | None,
    distance_m: float | None,
    eta_seconds: float | None,
    skills: Sequence[str],
    reason: str,
    timeout_seconds: int,
    now: datetime,
    chain_id: UUID | None = None,
    team_id: UUID | None = None,
    offered_by_id: UUID | None = None,
) -> dict[str, Any] | None:
    """Engages the responder and offers them the alert; ``None`` when a concurrent dispatch engaged them first."""
    offer_id = new_id()
    engaged = await engage(
        uow,
        responder_id=responder_id,
        organization_id=alert.organization_id,
        alert_id=alert.id,
        offer_id=offer_id,
        source=EngagementSource.OFFER,
        now=now,
    )
    if not engaged:
        return None
    expires_at = now + timedelta(seconds=timeout_seconds)
    values: dict[str, Any] = {
        "id": offer_id,
        "organization_id": alert.organization_id,
        "alert_id": alert.id,
        "responder_id": responder_id,
        "team_id": team_id,
        "chain_id": chain_id,
        "mode": mode,
        "rank": rank,
        "distance_m": distance_m,
        "eta_seconds": eta_seconds,
        "skills": list(skills),
        "reason": reason,
        "status": OfferStatus.OFFERED,
        "offered_by_id": offered_by_id,
        "offered_at": now,
        "expires_at": expires_at,
        "decided_at": None,
        "decline_reason": None,
        "version": 1,
    }
    await uow.connection.execute(insert(DispatchOffer).values(values))
    uow.record(
        offer_event("made", values, actor_id=offered_by_id, expires_at=expires_at, timeout_seconds=timeout_seconds)
    )
    return values


async def close_offer(
    uow: UnitOfWork,
    offer: Any,
    status: OfferStatus,
    now: datetime,
    *,
    actor_id: UUID | None,
    decline_reason: str | None = None,
    withdrawal: WithdrawalReason | None = None,
) -> bool:
    """Moves a pending offer to ``status`` and records it; ``False`` if it was no longer pending."""
    changed = await uow.connection.execute(
        update(DispatchOffer)
        .where(DispatchOffer.id == offer.id, DispatchOffer.status == OfferStatus.OFFERED)
        .values(status=status, decided_at=now, decline_reason=decline_reason, version=DispatchOffer.version + 1)
    )
    if changed.rowcount != 1:
        return False
    if status is not OfferStatus.ACCEPTED:
        await release_offer(uow, offer.id)
    extra: dict[str, Any] = {}
    if status is OfferStatus.DECLINED:
        extra["decline_reason"] = decline_reason
    elif status is OfferStatus.WITHDRAWN and withdrawal is not None:
        extra["withdrawal_reason"] = withdrawal.value
    elif status is OfferStatus.EXPIRED:
        extra["expired_at"] = offer.expires_at
    uow.record(offer_event(status.value, offer._mapping, actor_id=actor_id, **extra))
    return True


async def pending_offers(uow: UnitOfWork, alert_id: UUID, *, offered_before: datetime | None = None) -> list[Any]:
    query = select(DispatchOffer).where(DispatchOffer.alert_id == alert_id, DispatchOffer.status == OfferStatus.OFFERED)
    if offered_before is not None:
        query = query.where(DispatchOffer.offered_at <= offered_before)
    rows = await uow.connection.execute(query.order_by(DispatchOffer.offered_at, DispatchOffer.id).with_for_update())
    return list(rows.all())


# --- chains --------------------------------------------------------------------------------------------------------


async def active_chain(uow: UnitOfWork, alert_id: UUID) -> Any:
    return (
        await uow.connection.execute(
            select(DispatchChain)
            .where(DispatchChain.alert_id == alert_id, DispatchChain.status == ChainStatus.ACTIVE)
            .order_by(DispatchChain.started_at.desc())
            .limit(1)
            .with_for_update()
        )
    ).first()


async def _end_chain(uow: UnitOfWork, chain_id: UUID, status: ChainStatus, reason: str, now: datetime) -> None:
    await uow.connection.execute(
        update(DispatchChain)
        .where(DispatchChain.id == chain_id, DispatchChain.status == ChainStatus.ACTIVE)
        .values(
            status=status,
            current_offer_id=None,
            ended_at=now,
            end_reason=reason,
            version=DispatchChain.version + 1,
        )
    )


async def start_chain(
    uow: UnitOfWork,
    alert: Any,
    *,
    team_id: UUID | None,
    skills: Sequence[str],
    timeout_seconds: int,
    max_offers: int,
    radius_km: float,
    started_by_id: UUID | None,
    now: datetime,
    ranker: Ranker,
) -> dict[str, Any]:
    """Starts an auto-dispatch of the (locked, open) alert and makes its first offer, or ends it exhausted."""
    chain: dict[str, Any] = {
        "id": new_id(),
        "organization_id": alert.organization_id,
        "alert_id": alert.id,
        "team_id": team_id,
        "skills": list(skills),
        "timeout_seconds": timeout_seconds,
        "max_offers": max_offers,
        "radius_km": radius_km,
        "status": ChainStatus.ACTIVE,
        "offers_made": 0,
        "current_offer_id": None,
        "started_by_id": started_by_id,
        "started_at": now,
        "ended_at": None,
        "end_reason": None,
        "version": 1,
    }
    await uow.connection.execute(insert(DispatchChain).values(chain))
    return chain | await advance_chain(uow, chain, alert, now, ranker)


async def _tried(uow: UnitOfWork, alert_id: UUID) -> set[UUID]:
    rows = await uow.connection.execute(select(DispatchOffer.responder_id).where(DispatchOffer.alert_id == alert_id))
    return set(rows.scalars())


async def advance_chain(
    uow: UnitOfWork, chain: Mapping[str, Any], alert: Any, now: datetime, ranker: Ranker
) -> dict[str, Any]:
    """Offers the alert to the nearest responder not yet tried for it, or ends the chain; returns the chain's changes.

    ``chain`` is the active chain's values and ``alert`` its locked alert row.
    """
    if not is_open(alert):
        status = AlertStatus(alert.status)
        reason = status.value if status in {AlertStatus.RESOLVED, AlertStatus.CANCELLED} else "alert_closed"
        await _end_chain(uow, chain["id"], ChainStatus.STOPPED, reason, now)
        return {"status": ChainStatus.STOPPED, "current_offer_id": None, "ended_at": now, "end_reason": reason}
    offers_made = chain["offers_made"]
    if offers_made < chain["max_offers"]:
        offer = await _offer_next(uow, chain, alert, now, ranker)
        if offer is not None:
            changes = {"offers_made": offers_made + 1, "current_offer_id": offer["id"], "current_offer": offer}
            await uow.connection.execute(
                update(DispatchChain)
                .where(DispatchChain.id == chain["id"])
                .values(offers_made=offers_made + 1, current_offer_id=offer["id"], version=DispatchChain.version + 1)
            )
            return changes
    reason = exhausted_reason(
        offers_made=offers_made, max_offers=chain["max_offers"], radius_km=chain["radius_km"], skills=chain["skills"]
    )
    await _end_chain(uow, chain["id"], ChainStatus.EXHAUSTED, "exhausted", now)
    uow.record(exhausted_event(chain, offers_made=offers_made, reason=reason))
    return {"status": ChainStatus.EXHAUSTED, "current_offer_id": None, "ended_at": now, "end_reason": "exhausted"}


async def _offer_next(
    uow: UnitOfWork, chain: Mapping[str, Any], alert: Any, now: datetime, ranker: Ranker
) -> dict[str, Any] | None:
    exclude = await _tried(uow, alert.id) | {alert.reporter_id}
    rank = chain["offers_made"] + 1
    while True:
        wanted = search.Search(
            organization_id=alert.organization_id,
            origin=Point(alert.lat, alert.lon),
            radius_m=chain["radius_km"] * 1_000,
            limit=CHAIN_BATCH,
            skills=tuple(chain["skills"]),
            team_id=chain["team_id"],
            alert_id=alert.id,
            include_engaged_here=False,
            exclude=frozenset(exclude),
        )
        ranking = await ranker.rank(uow.connection, uow.kind, ranker.fresh(wanted, now))
        if not ranking.candidates:
            return None
        for candidate in ranking.candidates:
            offer = await make_offer(
                uow,
                alert=alert,
                responder_id=candidate.user_id,
                mode=OfferMode.AUTO,
                rank=rank,
                distance_m=candidate.distance_m,
                eta_seconds=candidate.eta_seconds,
                skills=chain["skills"],
                reason=offer_reason(
                    rank=rank,
                    distance_m=candidate.distance_m,
                    eta_seconds=candidate.eta_seconds,
                    skills=chain["skills"],
                    routing_note=ranking.routing_note,
                ),
                timeout_seconds=chain["timeout_seconds"],
                now=now,
                chain_id=chain["id"],
                team_id=chain["team_id"],
            )
            if offer is not None:
                return offer
            exclude.add(candidate.user_id)


async def stop_chains(
    uow: UnitOfWork,
    alert_id: UUID,
    reason: WithdrawalReason,
    now: datetime,
    *,
    actor_id: UUID | None,
    started_before: datetime | None = None,
) -> None:
    """Ends the alert's running auto-dispatch (if it started by ``started_before``), withdrawing its pending offer."""
    chain = await active_chain(uow, alert_id)
    if chain is None or (started_before is not None and chain.started_at > started_before):
        return
    if chain.current_offer_id is not None:
        offer = (
            await uow.connection.execute(
                select(DispatchOffer).where(DispatchOffer.id == chain.current_offer_id).with_for_update()
            )
        ).first()
        if offer is not None:
            await close_offer(uow, offer, OfferStatus.WITHDRAWN, now, actor_id=actor_id, withdrawal=reason)
    await _end_chain(uow, chain.id, ChainStatus.STOPPED, reason.value, now)


async def accept_chain_offer(uow: UnitOfWork, offer: Any, now: datetime) -> None:
    if offer.chain_id is None:
        return
    await uow.connection.execute(
        update(DispatchChain)
        .where(
            DispatchChain.id == offer.chain_id,
            DispatchChain.status == ChainStatus.ACTIVE,
            DispatchChain.current_offer_id == offer.id,
        )
        .values(
            status=ChainStatus.ACCEPTED,
            current_offer_id=None,
            ended_at=now,
            end_reason="accepted",
            version=DispatchChain.version + 1,
        )
    )


async def chain_waiting_on(uow: UnitOfWork, offer: Any) -> Any:
    """The active chain whose pending offer is ``offer``, locked; ``None`` for a manual offer or a chain gone on."""
    if offer.chain_id is None:
        return None
    return (
        await uow.connection.execute(
            select(DispatchChain)
            .where(
                DispatchChain.id == offer.chain_id,
                DispatchChain.status == ChainStatus.ACTIVE,
                DispatchChain.current_offer_id == offer.id,
            )
            .with_for_update()
        )
    ).first()


# --- taking the alert on -------------------------------------------------------------------------------------------

_ALERTS = cast(Table, Alert.__table__)


async def assign_responder(uow: UnitOfWork, alert: Any, responder_id: UUID, now: datetime, **origin: Any) -> bool:
    """Assigns the responder to the alert unless they already are; records ``alert.assigned``."""
    present = await uow.connection.scalar(
        select(AlertAssignment.id).where(
            AlertAssignment.alert_id == alert.id, AlertAssignment.responder_id == responder_id
        )
    )
    if present is not None:
        return False
    await uow.connection.execute(
        insert(AlertAssignment).values(
            id=new_id(),
            organization_id=alert.organization_id,
            alert_id=alert.id,
            responder_id=responder_id,
            team_id=None,
            assigned_by_id=origin.get("assigned_by_id"),
            assigned_at=now,
        )
    )
    uow.record(
        alert_event(
            "assigned",
            alert_id=alert.id,
            organization_id=alert.organization_id,
            actor_id=origin.get("assigned_by_id"),
            responder_ids=[responder_id],
            team_ids=[],
        )
    )
    return True


async def take_on(uow: UnitOfWork, alert: Any, responder_id: UUID, now: datetime) -> None:
    """The responder who accepted an offer: assigned to the (locked) alert, which they acknowledge if it is still
    triggered and dispatch if it is acknowledged, as ``POST /alerts/{id}/acknowledge`` and ``/dispatch`` would."""
    await assign_responder(uow, alert, responder_id, now, assigned_by_id=responder_id)
    status, version = AlertStatus(alert.status), alert.version
    for action in (AlertAction.ACKNOWLEDGE, AlertAction.DISPATCH):
        if status not in TRANSITIONS[action].sources:
            continue
        target = next_status(status, action)
        moved = await record_transition(
            uow,
            alert.id,
            alert.organization_id,
            action,
            version=version,
            current=status,
            target=target,
            actor_id=responder_id,
            now=now,
            note=None,
        )
        if moved is None:
            raise Conflict(
                "The alert changed while the offer was accepted; retry.", code=ErrorCode.CONCURRENT_MODIFICATION
            )
        status, version = target, version + 1


# --- escalation: the nearest responders --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pick:
    """A responder a ``nearest_responders`` escalation tier reached, and why."""

    responder_id: UUID
    rank: int
    distance_m: float
    eta_seconds: float | None
    reason: str


async def hold_nearest(
    uow: UnitOfWork,
    alert: Any,
    *,
    count: int,
    team_id: UUID | None,
    skills: Sequence[str],
    radius_km: float,
    now: datetime,
    ranker: Ranker,
) -> list[Pick]:
    """The ``count`` nearest available responders to the (locked) alert, held for it, nearest first.

    Responders held for another alert are passed over, and so are those a concurrent dispatch takes while this one
    runs: each is engaged in user-id order (so two steps engaging several people never wait on each other in a
    circle) and one lost to the other dispatch is replaced by the next-nearest.
    """
    held: list[search.Candidate] = []
    passed: set[UUID] = {alert.reporter_id}
    note: str | None = None
    while len(held) < count:
        wanted = search.Search(
            organization_id=alert.organization_id,
            origin=Point(alert.lat, alert.lon),
            radius_m=radius_km * 1_000,
            limit=count - len(held),
            skills=tuple(skills),
            team_id=team_id,
            alert_id=alert.id,
            exclude=frozenset(passed | {c.user_id for c in held}),
        )
        ranking = await ranker.rank(uow.connection, uow.kind, ranker.fresh(wanted, now))
        note = note or ranking.routing_note
        if not ranking.candidates:
            break
        for candidate in sorted(ranking.candidates, key=lambda c: c.user_id):
            engaged = await engage(
                uow,
                responder_id=candidate.user_id,
                organization_id=alert.organization_id,
                alert_id=alert.id,
                offer_id=None,
                source=EngagementSource.ESCALATION,
                now=now,
            )
            if engaged:
                held.append(candidate)
            else:
                passed.add(candidate.user_id)
    held.sort(key=lambda c: eta_order(c.eta_seconds, c.distance_m, c.user_id))
    return [
        Pick(
            responder_id=candidate.user_id,
            rank=rank,
            distance_m=candidate.distance_m,
            eta_seconds=candidate.eta_seconds,
            reason=offer_reason(
                rank=rank,
                distance_m=candidate.distance_m,
                eta_seconds=candidate.eta_seconds,
                skills=skills,
                routing_note=note,
            ),
        )
        for rank, candidate in enumerate(held, start=1)
    ]
