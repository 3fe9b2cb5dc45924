"""Starting and stopping an alert's escalation: the durable row and the events that put it on the timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update

from sos.core.events import DomainEvent
from sos.core.ids import new_id
from sos.core.uow import UnitOfWork
from sos.escalation.domain import EscalationStatus, StartReason, StopReason, stopped_status
from sos.escalation.events import escalation_event
from sos.escalation.models import AlertEscalation, EscalationPolicy


async def escalation_of(uow: UnitOfWork, alert_id: UUID, *, lock: bool = False) -> Any:
    query = select(AlertEscalation).where(AlertEscalation.alert_id == alert_id)
    return (await uow.connection.execute(query.with_for_update() if lock else query)).first()


async def default_policy_id(uow: UnitOfWork, organization_id: UUID) -> UUID | None:
    found: UUID | None = await uow.connection.scalar(
        select(EscalationPolicy.id).where(
            EscalationPolicy.organization_id == organization_id, EscalationPolicy.is_default.is_(True)
        )
    )
    return found


async def first_team_policy_id(uow: UnitOfWork, organization_id: UUID, team_ids: list[UUID]) -> UUID | None:
    """The policy of the first team, in the given order, that has one."""
    if not team_ids:
        return None
    rows = await uow.connection.execute(
        select(EscalationPolicy.team_id, EscalationPolicy.id).where(
            EscalationPolicy.organization_id == organization_id, EscalationPolicy.team_id.in_(team_ids)
        )
    )
    by_team = {row.team_id: row.id for row in rows}
    return next((by_team[team_id] for team_id in team_ids if team_id in by_team), None)


async def start(
    uow: UnitOfWork,
    *,
    current: Any,
    alert_id: UUID,
    organization_id: UUID,
    policy_id: UUID,
    reason: StartReason,
    started_at: datetime,
    now: datetime,
) -> DomainEvent:
    """(Re)starts the alert's escalation at the first tier of the first cycle, due now."""
    values: dict[str, Any] = {
        "policy_id": policy_id,
        "status": EscalationStatus.ACTIVE,
        "tier_index": 0,
        "cycle": 0,
        "next_due_at": now,
        "started_at": started_at,
        "stopped_at": None,
        "stop_reason": None,
        "updated_at": now,
    }
    if current is None:
        escalation_id = new_id()
        await uow.connection.execute(
            insert(AlertEscalation).values(
                id=escalation_id, organization_id=organization_id, alert_id=alert_id, version=1, **values
            )
        )
    else:
        escalation_id = current.id
        await uow.connection.execute(
            update(AlertEscalation)
            .where(AlertEscalation.id == escalation_id)
            .values(version=AlertEscalation.version + 1, **values)
        )
    return escalation_event(
        "escalation_started",
        alert_id=alert_id,
        organization_id=organization_id,
        escalation_id=escalation_id,
        policy_id=policy_id,
        reason=reason.value,
    )


async def stop(uow: UnitOfWork, row: Any, reason: StopReason, now: datetime) -> DomainEvent:
    """Ends an active escalation; the caller has made sure ``row`` is active."""
    await uow.connection.execute(
        update(AlertEscalation)
        .where(AlertEscalation.id == row.id)
        .values(
            status=stopped_status(reason),
            next_due_at=None,
            stopped_at=now,
            stop_reason=reason.value,
            updated_at=now,
            version=AlertEscalation.version + 1,
        )
    )
    return escalation_event(
        "escalation_stopped",
        alert_id=row.alert_id,
        organization_id=row.organization_id,
        escalation_id=row.id,
        policy_id=row.policy_id,
        reason=reason.value,
    )


async def stop_policy_escalations(
    uow: UnitOfWork, policy_id: UUID, reason: StopReason, now: datetime
) -> list[DomainEvent]:
    rows = (
        await uow.connection.execute(
            select(AlertEscalation)
            .where(AlertEscalation.policy_id == policy_id, AlertEscalation.status == EscalationStatus.ACTIVE)
            .with_for_update()
        )
    ).all()
    return [await stop(uow, row, reason, now) for row in rows]
