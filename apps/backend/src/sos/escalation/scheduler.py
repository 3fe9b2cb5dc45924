"""Runs escalation steps when they fall due.

Each step claims one due escalation with ``FOR UPDATE SKIP LOCKED`` and, in the same transaction, notifies the
tier's targets, assigns the responders among them and moves the due time on. Two schedulers therefore never run
the same step twice, and a crash before the commit leaves the step due for the next tick.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update

from sos.alerts.domain import AlertStatus
from sos.alerts.events import alert_event
from sos.alerts.models import Alert, AlertAssignment
from sos.core.ids import new_id
from sos.core.uow import UnitOfWork, UnitOfWorkFactory
from sos.dispatch.domain import DEFAULT_RADIUS_KM
from sos.dispatch.offers import Pick, hold_nearest
from sos.dispatch.ranker import Ranker
from sos.escalation import state
from sos.escalation.domain import EscalationStatus, Position, StopReason, TargetKind, next_position
from sos.escalation.events import escalation_event
from sos.escalation.models import AlertEscalation, EscalationPolicy, EscalationTarget, EscalationTier
from sos.schedules.service import on_call_user_ids
from sos.teams.models import TeamMember
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership

logger = logging.getLogger("sos.escalation")

RETRY_AFTER_FAILURE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class TierTarget:
    id: UUID
    kind: TargetKind
    reference: UUID | None
    """The user, team or schedule; for ``nearest_responders``, the team its responders must belong to, if any."""
    count: int = 0
    skills: tuple[str, ...] = ()
    radius_km: float | None = None

    def described(self) -> dict[str, Any]:
        """The target as ``alert.escalated`` names it."""
        if self.kind is not TargetKind.NEAREST_RESPONDERS:
            return {"kind": self.kind.value, "id": self.reference}
        return {
            "kind": self.kind.value,
            "id": self.id,
            "count": self.count,
            "team_id": self.reference,
            "skills": list(self.skills),
        }


@dataclass(frozen=True, slots=True)
class Tier:
    position: int
    delay_minutes: int
    targets: list[TierTarget]


@dataclass(frozen=True, slots=True)
class Reached:
    user_ids: list[UUID]
    responder_ids: list[UUID]
    nearest: list[Pick] = field(default_factory=list)


_STOPPED_BY_STATUS = {
    AlertStatus.ACKNOWLEDGED: StopReason.ACKNOWLEDGED,
    AlertStatus.DISPATCHED: StopReason.DISPATCHED,
    AlertStatus.ON_SCENE: StopReason.ON_SCENE,
    AlertStatus.RESOLVED: StopReason.RESOLVED,
    AlertStatus.CANCELLED: StopReason.CANCELLED,
}


async def _tiers(uow: UnitOfWork, policy_id: UUID) -> list[Tier]:
    """The policy's tiers in order; a tier whose targets are all gone stays, with no targets, so it still pages
    nobody visibly instead of vanishing and shifting the tiers after it."""
    rows = await uow.connection.execute(
        select(
            EscalationTier.position,
            EscalationTier.delay_minutes,
            EscalationTarget.id.label("target_id"),
            EscalationTarget.kind,
            EscalationTarget.user_id,
            EscalationTarget.team_id,
            EscalationTarget.schedule_id,
            EscalationTarget.nearest_count,
            EscalationTarget.skills,
            EscalationTarget.radius_km,
        )
        .outerjoin(EscalationTarget, EscalationTarget.tier_id == EscalationTier.id)
        .where(EscalationTier.policy_id == policy_id)
        .order_by(EscalationTier.position, EscalationTarget.position)
    )
    tiers: dict[int, Tier] = {}
    for row in rows:
        tier = tiers.setdefault(row.position, Tier(row.position, row.delay_minutes, []))
        if row.kind is not None:
            tier.targets.append(
                TierTarget(
                    id=row.target_id,
                    kind=TargetKind(row.kind),
                    reference=row.user_id or row.team_id or row.schedule_id,
                    count=row.nearest_count or 0,
                    skills=tuple(row.skills or ()),
                    radius_km=row.radius_km,
                )
            )
    return list(tiers.values())


async def _reach(uow: UnitOfWork, alert: Any, tier: Tier, now: datetime, ranker: Ranker) -> Reached:
    """The tier's targets as people: teams by their current members, schedules by whoever is on call now, and
    ``nearest_responders`` by the nearest available responders, held for the alert (see ``sos.dispatch``).

    Only active staff count (reporters may sit in teams or on schedules but are not paged), and never the person
    in danger themselves.
    """
    organization_id, reporter_id = alert.organization_id, alert.reporter_id
    candidates: list[UUID] = []
    nearest: list[Pick] = []
    team_ids = [target.reference for target in tier.targets if target.kind is TargetKind.TEAM]
    members: dict[UUID, list[UUID]] = {}
    if team_ids:
        rows = await uow.connection.execute(
            select(TeamMember.team_id, TeamMember.user_id)
            .where(TeamMember.team_id.in_(team_ids))
            .order_by(TeamMember.added_at, TeamMember.user_id)
        )
        for row in rows:
            members.setdefault(row.team_id, []).append(row.user_id)
    for target in tier.targets:
        ref = target.reference
        if target.kind is TargetKind.NEAREST_RESPONDERS:
            picks = await hold_nearest(
                uow,
                alert,
                count=target.count,
                team_id=ref,
                skills=target.skills,
                radius_km=target.radius_km or DEFAULT_RADIUS_KM,
                now=now,
                ranker=ranker,
            )
            nearest += picks
            candidates += [pick.responder_id for pick in picks]
        elif ref is None:
            continue
        elif target.kind is TargetKind.USER:
            candidates.append(ref)
        elif target.kind is TargetKind.TEAM:
            candidates += members.get(ref, [])
        else:
            candidates += await on_call_user_ids(uow.connection, organization_id, ref, now)
    wanted = [user_id for user_id in dict.fromkeys(candidates) if user_id != reporter_id]
    if not wanted:
        return Reached([], [])
    roles = {
        row.user_id: Role(row.role)
        for row in await uow.connection.execute(
            select(Membership.user_id, Membership.role).where(
                Membership.organization_id == organization_id,
                Membership.user_id.in_(wanted),
                Membership.status == MembershipStatus.ACTIVE,
                Membership.role != Role.REPORTER,
            )
        )
    }
    user_ids = [user_id for user_id in wanted if user_id in roles]
    return Reached(user_ids, [user_id for user_id in user_ids if roles[user_id] is Role.RESPONDER], nearest)


async def _assign(uow: UnitOfWork, escalation: Any, responder_ids: list[UUID], now: datetime) -> list[UUID]:
    """Adds the responders not yet on the alert; returns those it added."""
    if not responder_ids:
        return []
    have = set(
        (
            await uow.connection.execute(
                select(AlertAssignment.responder_id).where(
                    AlertAssignment.alert_id == escalation.alert_id, AlertAssignment.responder_id.in_(responder_ids)
                )
            )
        ).scalars()
    )
    added = [responder_id for responder_id in responder_ids if responder_id not in have]
    if added:
        await uow.connection.execute(
            insert(AlertAssignment),
            [
                {
                    "id": new_id(),
                    "organization_id": escalation.organization_id,
                    "alert_id": escalation.alert_id,
                    "responder_id": responder_id,
                    "team_id": None,
                    "assigned_by_id": None,
                    "assigned_at": now,
                }
                for responder_id in added
            ],
        )
        uow.record(
            alert_event(
                "assigned",
                alert_id=escalation.alert_id,
                organization_id=escalation.organization_id,
                actor_id=None,
                responder_ids=added,
                team_ids=[],
                escalation_id=escalation.id,
            )
        )
    return added


class _ClaimLost(Exception):
    """Another scheduler moved the escalation on first: where row locks don't exist (SQLite), the version decides."""


class EscalationDueWork:
    name = "escalation"

    def __init__(self, uow_factory: UnitOfWorkFactory, ranker: Ranker | None = None, *, parallel: int = 1) -> None:
        self._uow_factory = uow_factory
        self._ranker = ranker or Ranker()
        self._parallel = parallel

    async def run_due(self, now: datetime, limit: int) -> int:
        """Performs up to ``limit`` due steps, each in its own transaction and up to ``parallel`` at once (each
        claims a different escalation, as two schedulers do); returns how many it performed."""
        performed = 0
        while performed < limit:
            width = min(self._parallel, limit - performed)
            outcomes = await asyncio.gather(*(self._step_one(now) for _ in range(width)), return_exceptions=True)
            # Every step of the round has finished before a failure is raised, so none outlives this tick.
            failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
            if failures:
                raise failures[0]
            stepped = [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
            performed += sum(stepped)
            if not all(stepped):
                break
        return performed

    async def _step_one(self, now: datetime) -> bool:
        claimed: UUID | None = None
        claimed_version = 0
        try:
            async with self._uow_factory() as uow:
                escalation = (
                    await uow.connection.execute(
                        select(AlertEscalation)
                        .where(AlertEscalation.status == EscalationStatus.ACTIVE, AlertEscalation.next_due_at <= now)
                        .order_by(AlertEscalation.next_due_at, AlertEscalation.id)
                        .limit(1)
                        .with_for_update(skip_locked=True)
                    )
                ).first()
                if escalation is None:
                    return False
                claimed, claimed_version = escalation.id, escalation.version
                await self._step(uow, escalation, now)
                await uow.commit()
        except _ClaimLost:
            logger.info("escalation %s was stepped by another scheduler; this step is rolled back", claimed)
        except Exception:
            if claimed is None:
                raise
            logger.exception("escalation %s failed its step; it is retried in %s", claimed, RETRY_AFTER_FAILURE)
            await self._postpone(claimed, claimed_version, now)
        return True

    async def _postpone(self, escalation_id: UUID, version: int, now: datetime) -> None:
        """Moves a failing step out of the way, so one broken escalation does not hold up the others; only if no
        other scheduler has moved it on since this one claimed it."""
        async with self._uow_factory() as uow:
            await uow.connection.execute(
                update(AlertEscalation)
                .where(
                    AlertEscalation.id == escalation_id,
                    AlertEscalation.status == EscalationStatus.ACTIVE,
                    AlertEscalation.version == version,
                )
                .values(next_due_at=now + RETRY_AFTER_FAILURE, updated_at=now)
            )
            await uow.commit()

    async def _step(self, uow: UnitOfWork, escalation: Any, now: datetime) -> None:
        alert = (
            await uow.connection.execute(select(Alert).where(Alert.id == escalation.alert_id).with_for_update())
        ).one()
        status = AlertStatus(alert.status)
        if status is not AlertStatus.TRIGGERED:
            uow.record(await state.stop(uow, escalation, _STOPPED_BY_STATUS[status], now))
            return
        policy = await self._policy(uow, escalation.policy_id)
        tiers = await _tiers(uow, escalation.policy_id) if policy is not None else []
        if policy is None or not tiers:
            uow.record(await state.stop(uow, escalation, StopReason.POLICY_DELETED, now))
            return
        # A policy replaced mid-escalation may have fewer tiers now; carry on from its last one.
        index = min(escalation.tier_index, len(tiers) - 1)
        tier = tiers[index]
        reached = await _reach(uow, alert, tier, now, self._ranker)
        await _assign(uow, escalation, reached.responder_ids, now)
        nearest = [
            {
                "responder_id": pick.responder_id,
                "rank": pick.rank,
                "distance_m": pick.distance_m,
                "eta_seconds": pick.eta_seconds,
                "reason": pick.reason,
            }
            for pick in reached.nearest
        ]
        uow.record(
            escalation_event(
                "escalated",
                alert_id=escalation.alert_id,
                organization_id=escalation.organization_id,
                escalation_id=escalation.id,
                policy_id=escalation.policy_id,
                tier=index,
                cycle=escalation.cycle,
                user_ids=reached.user_ids,
                responder_ids=reached.responder_ids,
                targets=[target.described() for target in tier.targets],
                **({"nearest": nearest} if any(t.kind is TargetKind.NEAREST_RESPONDERS for t in tier.targets) else {}),
            )
        )
        following = next_position(
            Position(index, escalation.cycle), tier_count=len(tiers), repeat_count=policy.repeat_count
        )
        await self._advance(uow, escalation, following, now + timedelta(minutes=tier.delay_minutes), now)

    async def _policy(self, uow: UnitOfWork, policy_id: UUID | None) -> Any:
        if policy_id is None:
            return None
        return (
            await uow.connection.execute(select(EscalationPolicy.repeat_count).where(EscalationPolicy.id == policy_id))
        ).first()

    async def _advance(
        self, uow: UnitOfWork, escalation: Any, following: Position | None, due_at: datetime, now: datetime
    ) -> None:
        values: dict[str, Any] = {"updated_at": now, "version": escalation.version + 1}
        if following is None:
            values |= {
                "status": EscalationStatus.EXHAUSTED,
                "next_due_at": None,
                "stopped_at": now,
                "stop_reason": StopReason.EXHAUSTED.value,
            }
            uow.record(
                escalation_event(
                    "escalation_exhausted",
                    alert_id=escalation.alert_id,
                    organization_id=escalation.organization_id,
                    escalation_id=escalation.id,
                    policy_id=escalation.policy_id,
                    cycles=escalation.cycle + 1,
                )
            )
        else:
            values |= {"tier_index": following.tier, "cycle": following.cycle, "next_due_at": due_at}
        moved = await uow.connection.execute(
            update(AlertEscalation)
            .where(AlertEscalation.id == escalation.id, AlertEscalation.version == escalation.version)
            .values(values)
        )
        if moved.rowcount != 1:
            raise _ClaimLost(escalation.id)
