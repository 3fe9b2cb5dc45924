"""Turns alert events into notifications (in-app, and each step of the user's rule) and enqueues their delivery
jobs after the commit; an acknowledged or closed alert cancels the pages still waiting.

``alert.escalated`` notifies every user of the escalation step; ``alert.assigned`` by a person (not by an escalation,
whose own ``alert.escalated`` already notifies) notifies each assigned responder and the current members of each
assigned team. ``alert.offer_made`` pages the responder a dispatch offer goes to; the offer being accepted,
declined, withdrawn or expiring cancels what is still waiting for them. A team in auto-dispatch mode is not paged as a
whole when it is assigned: its members hear of the alert one offer at a time. ``alert.dispatch_exhausted`` tells whoever
started the auto-dispatch that nobody took the alert and, for a team's auto-dispatch, pages the members it never
offered the alert to (those without a recent location, or not available), as assigning the team would have.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import select

from sos.alerts.domain import Severity
from sos.alerts.models import Alert
from sos.core.bus import Consumer
from sos.core.events import DomainEvent
from sos.core.jobs import JobQueue
from sos.core.uow import UnitOfWork
from sos.dispatch.domain import DispatchMode
from sos.dispatch.models import DispatchOffer, TeamDispatchSettings
from sos.notifications import service
from sos.notifications.domain import Urgency
from sos.notifications.service import Content
from sos.teams.models import TeamMember

DIRECT_SENDS = frozenset({"contact_method.verification_sent", "contact_method.test_requested"})
"""Events whose ``notification_id`` names a notification created with them, to be sent now."""
ENDS_PAGING = frozenset({"alert.acknowledged", "alert.resolved", "alert.cancelled"})
ENDS_OFFER = frozenset({"alert.offer_accepted", "alert.offer_expired", "alert.offer_declined", "alert.offer_withdrawn"})
PAGING = frozenset({"alert.escalated", "alert.assigned", "alert.offer_made", "alert.dispatch_exhausted"})
JOB_SIZE = 10
"""Notifications per delivery job: one SOS's worth for five responders (in-app and a first rule step each)."""


def _uuids(values: Any) -> list[UUID]:
    return [UUID(str(value)) for value in values or []]


class NotificationConsumer(Consumer):
    name = "notifications"
    event_types = DIRECT_SENDS | ENDS_PAGING | ENDS_OFFER | PAGING

    def __init__(self, jobs: JobQueue) -> None:
        self._jobs = jobs

    async def handle(self, uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
        due: list[UUID] = []
        for event in events:
            if event.type in DIRECT_SENDS and event.payload.get("notification_id"):
                due.append(UUID(str(event.payload["notification_id"])))
            elif event.type in ENDS_PAGING:
                await service.cancel_pages(uow, event)
            elif event.type in ENDS_OFFER:
                await _cancel_offer_pages(uow, event)
            else:
                due += await self._notify(uow, event)
        if due:
            uow.after_commit(lambda: self._enqueue(due))

    async def _notify(self, uow: UnitOfWork, event: DomainEvent) -> list[UUID]:
        if event.type == "alert.escalated":
            recipients = _uuids(event.payload.get("user_ids"))
        elif event.type == "alert.assigned" and not event.payload.get("escalation_id"):
            recipients = await self._assignees(uow, event)
        elif event.type == "alert.offer_made":
            recipients = _uuids([event.payload["responder_id"]])
        elif event.type == "alert.dispatch_exhausted":
            recipients = await self._left_out(uow, event)
        else:
            return []
        alert = await self._alert(uow, event)
        if alert is None or not recipients:
            return []
        urgency = Urgency.CRITICAL if alert.severity == Severity.CRITICAL else Urgency.DEFAULT
        return await service.create_pages(
            uow, event, recipients, _content(event, alert), alert_id=alert.id, urgency=urgency
        )

    async def _assignees(self, uow: UnitOfWork, event: DomainEvent) -> list[UUID]:
        responders = _uuids(event.payload.get("responder_ids"))
        team_ids = await _paged_teams(uow, _uuids(event.payload.get("team_ids")))
        members: list[UUID] = []
        if team_ids:
            rows = await uow.connection.execute(
                select(TeamMember.user_id)
                .where(TeamMember.organization_id == event.organization_id, TeamMember.team_id.in_(team_ids))
                .order_by(TeamMember.team_id, TeamMember.user_id)
            )
            members = list(rows.scalars())
        return [user_id for user_id in dict.fromkeys(responders + members) if user_id != event.actor_id]

    async def _left_out(self, uow: UnitOfWork, event: DomainEvent) -> list[UUID]:
        """Whoever started an auto-dispatch that ran out, and the members of its team it never reached."""
        starter = _uuids([event.payload["started_by_id"]] if event.payload.get("started_by_id") else [])
        team_id = event.payload.get("team_id")
        if not team_id:
            return starter
        offered = select(DispatchOffer.responder_id).where(
            DispatchOffer.chain_id == UUID(str(event.payload["chain_id"]))
        )
        members = await uow.connection.execute(
            select(TeamMember.user_id)
            .where(
                TeamMember.organization_id == event.organization_id,
                TeamMember.team_id == UUID(str(team_id)),
                TeamMember.user_id.not_in(offered),
            )
            .order_by(TeamMember.user_id)
        )
        return list(dict.fromkeys([*starter, *members.scalars()]))

    async def _alert(self, uow: UnitOfWork, event: DomainEvent) -> Any:
        alert_id = event.payload.get("alert_id")
        if not alert_id:
            return None
        return (
            await uow.connection.execute(
                select(Alert.id, Alert.severity, Alert.category).where(
                    Alert.id == UUID(str(alert_id)), Alert.organization_id == event.organization_id
                )
            )
        ).first()

    async def _enqueue(self, notification_ids: list[UUID]) -> None:
        """Jobs of up to :data:`JOB_SIZE` notifications, so that a batch's pages spread over every worker instead of
        queueing in one; if enqueueing fails (the broker is down), the sweeper enqueues them later."""
        chunks = [notification_ids[start : start + JOB_SIZE] for start in range(0, len(notification_ids), JOB_SIZE)]
        await asyncio.gather(*map(self._enqueue_chunk, chunks))

    async def _enqueue_chunk(self, notification_ids: list[UUID]) -> None:
        if len(notification_ids) == 1:
            await self._jobs.enqueue(
                service.DELIVER_TASK,
                {"notification_id": str(notification_ids[0])},
                key=service.delivery_key(notification_ids[0]),
            )
            return
        await self._jobs.enqueue(
            service.DELIVER_MANY_TASK,
            {"notification_ids": [str(notification_id) for notification_id in notification_ids]},
            key=f"{service.DELIVER_MANY_TASK}:{notification_ids[0]}:{len(notification_ids)}",
        )


def _content(event: DomainEvent, alert: Any) -> Content:
    what = f"{alert.severity} {str(alert.category).replace('_', ' ')} SOS"
    if event.type == "alert.escalated":
        tier = int(event.payload.get("tier", 0)) + 1
        return Content(
            title=f"Escalated to you: {what}",
            body=f"Nobody has acknowledged this alert yet; you are notified in tier {tier} of its escalation.",
        )
    if event.type == "alert.dispatch_exhausted":
        return Content(
            title=f"Nobody took the {what}",
            body=f"Auto-dispatch ran out of responders ({event.payload.get('reason', 'no one accepted')}). "
            "Open the alert to dispatch it by hand.",
        )
    if event.type == "alert.offer_made":
        return Content(
            title=f"Dispatch offer: {what}",
            body=f"You are offered this alert ({event.payload.get('reason', 'nearest available')}). "
            "Accept it quickly, or it goes to the next responder.",
        )
    return Content(title=f"Assigned to you: {what}", body="You have been assigned to this alert; open it to respond.")


async def _paged_teams(uow: UnitOfWork, team_ids: list[UUID]) -> list[UUID]:
    """The teams whose members are paged together: not those in auto-dispatch mode, which page one member at a time."""
    if not team_ids:
        return []
    auto = set(
        (
            await uow.connection.execute(
                select(TeamDispatchSettings.team_id).where(
                    TeamDispatchSettings.team_id.in_(team_ids), TeamDispatchSettings.mode == DispatchMode.AUTO
                )
            )
        ).scalars()
    )
    return [team_id for team_id in team_ids if team_id not in auto]


async def _cancel_offer_pages(uow: UnitOfWork, event: DomainEvent) -> None:
    responder_id, alert_id = event.payload.get("responder_id"), event.payload.get("alert_id")
    if responder_id and alert_id:
        await service.cancel_user_pages(
            uow, event.organization_id, UUID(str(responder_id)), UUID(str(alert_id)), event.type
        )
