"""Who may receive a change: decided when it is appended, from the rule of its event type and the alert it names."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from sos.alerts.models import Alert, AlertAssignment
from sos.core.events import DomainEvent
from sos.stream.catalog import Rule, named_ids
from sos.stream.domain import Audience


@dataclass(slots=True)
class AlertFollowers:
    """Who may see an alert besides staff (``sos.alerts.visibility``): its reporter, the responders assigned to it,
    and the teams assigned to it (whose members see it)."""

    organization_id: UUID
    users: set[str] = field(default_factory=set)
    """The reporter, who sees their own alert whatever their role."""
    responders: set[str] = field(default_factory=set)
    """Assigned responders, who see it while they hold the responder role."""
    teams: set[str] = field(default_factory=set)


async def alert_followers(connection: AsyncConnection, alert_ids: Collection[UUID]) -> dict[UUID, AlertFollowers]:
    """The followers of each alert, as the alert and its assignments are now: two queries for a whole batch."""
    if not alert_ids:
        return {}
    wanted = list(alert_ids)
    alerts = await connection.execute(
        select(Alert.id, Alert.organization_id, Alert.reporter_id).where(Alert.id.in_(wanted))
    )
    followers = {
        row.id: AlertFollowers(row.organization_id, users={str(row.reporter_id)} if row.reporter_id else set())
        for row in alerts
    }
    assignments = await connection.execute(
        select(AlertAssignment.alert_id, AlertAssignment.responder_id, AlertAssignment.team_id).where(
            AlertAssignment.alert_id.in_(wanted)
        )
    )
    for row in assignments:
        entry = followers.get(row.alert_id)
        if entry is None:
            continue
        if row.responder_id is not None:
            entry.responders.add(str(row.responder_id))
        if row.team_id is not None:
            entry.teams.add(str(row.team_id))
    return followers


def followed_alert(event: DomainEvent, rule: Rule) -> UUID | None:
    """The alert whose followers also receive ``event``, if its rule follows one."""
    alert_id = event.payload.get("alert_id")
    return UUID(str(alert_id)) if rule.follows_alert and alert_id else None


def audience_of(event: DomainEvent, rule: Rule, followers: dict[UUID, AlertFollowers]) -> Audience:
    users = named_ids(event.payload, rule.users)
    teams = named_ids(event.payload, rule.teams)
    responders: set[str] = set()
    alert_id = followed_alert(event, rule)
    alert = followers.get(alert_id) if alert_id is not None else None
    # An alert of another organization never lends its followers, whatever a payload names.
    if alert is not None and alert.organization_id == event.organization_id:
        users |= alert.users
        responders |= alert.responders
        teams |= alert.teams
    return Audience(
        frozenset(role.value for role in rule.roles), frozenset(users), frozenset(teams), frozenset(responders)
    )
