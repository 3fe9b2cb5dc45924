"""Which events reach the live stream, under which topics, with which data, and who may receive them.

Every rule mirrors what the REST API shows (docs/realtime.md has the table):

- alert events (and anything naming an alert: messages, notifications, check-in expiry) follow the alert: staff, its
  reporter, the responders assigned to it and the members of the teams assigned to it (``sos.alerts.visibility``),
  plus people the event itself names (an unassigned responder, the responder an offer is made to);
- incidents, their messages and the team directory: staff and responders (``FieldPrincipal`` routes);
- members and memberships: staff, and the member concerned (``GET /users`` is staff, ``GET /users/me`` anyone);
- responder profiles and positions: staff, and the responder concerned;
- contact methods and notification settings (``/me`` only): the member concerned and nobody else;
- notification providers: admins; escalation policies: staff; the organization and on-call schedules: everyone.

``data`` is a small allowlist per type, never a whole payload: no free text (notes, message bodies), no addresses.
An event type with no rule, or whose rule yields no topic, is not streamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sos.core.events import DomainEvent
from sos.stream.domain import LiveTopic
from sos.users.domain import Role

STAFF = frozenset({Role.ADMIN, Role.COORDINATOR})
FIELD = STAFF | {Role.RESPONDER}
EVERYONE = frozenset(Role)
ADMINS = frozenset({Role.ADMIN})
NOBODY: frozenset[Role] = frozenset()

ALERTS, ALERT, INCIDENTS, INCIDENT = LiveTopic.ALERTS, LiveTopic.ALERT, LiveTopic.INCIDENTS, LiveTopic.INCIDENT
MESSAGES, TIMELINE, LOCATIONS = LiveTopic.MESSAGES, LiveTopic.TIMELINE, LiveTopic.LOCATIONS
ASSIGNMENTS, RESPONDERS = LiveTopic.ASSIGNMENTS, LiveTopic.RESPONDERS
NOTIFICATIONS, DIRECTORY = LiveTopic.NOTIFICATIONS, LiveTopic.DIRECTORY

TEAM_MEMBERSHIP_TYPES = frozenset({"team.member_added", "team.member_removed"})
"""Events that change which alerts a connected responder may see (through the teams assigned to alerts)."""


@dataclass(frozen=True, slots=True)
class Rule:
    topics: tuple[LiveTopic, ...]
    fields: tuple[str, ...]
    """Payload fields copied into the change's ``data``."""
    roles: frozenset[Role]
    """Roles whose members all receive it (within the event's organization only)."""
    users: tuple[str, ...] = ()
    """Payload fields naming users (one id or a list) who receive it."""
    teams: tuple[str, ...] = ()
    """Payload fields naming teams whose members receive it."""
    follows_alert: bool = False
    """Also everyone who may see the alert the payload names (reporter, assigned responders and teams)."""


_TRANSITION = ("action", "from_status", "to_status", "version")
_OFFER = (
    "offer_id",
    "responder_id",
    "mode",
    "chain_id",
    "team_id",
    "rank",
    "distance_m",
    "eta_seconds",
    "skills",
    "reason",
    "expires_at",
    "timeout_seconds",
)
_ESCALATION = ("escalation_id", "policy_id", "tier", "cycle", "cycles", "reason")
_FIX = ("lat", "lon", "accuracy_m", "recorded_at")


def _alert_rule(topics: tuple[LiveTopic, ...], fields: tuple[str, ...], *, users: tuple[str, ...] = ()) -> Rule:
    return Rule(topics, fields, STAFF, users=users, follows_alert=True)


_LIFECYCLE = _alert_rule((ALERTS, ALERT, TIMELINE), _TRANSITION)
_ESCALATION_STEP = _alert_rule((ALERT, TIMELINE), _ESCALATION)
_OFFER_RULE = _alert_rule((ALERT, ASSIGNMENTS, TIMELINE), _OFFER, users=("responder_id",))
_INCIDENT = Rule((INCIDENTS, INCIDENT, TIMELINE), ("from_status", "to_status", "version"), FIELD)
_TEAM = Rule((DIRECTORY,), ("team_id", "parent_id", "version"), FIELD)
_TEAM_MEMBER = Rule((DIRECTORY, ALERTS, ASSIGNMENTS), ("team_id", "user_id", "role"), FIELD)
_MEMBER = Rule((DIRECTORY,), ("user_id", "role", "from_role", "to_role", "status"), STAFF, users=("user_id",))
_RESPONDER = Rule((RESPONDERS,), ("user_id", "availability", "skills"), STAFF, users=("user_id",))
_OWN_SETTING = Rule((DIRECTORY,), ("contact_method_id", "channel", "user_id"), NOBODY, users=("user_id",))
_PROVIDER = Rule((DIRECTORY,), ("notification_provider_id", "kind"), ADMINS)
_POLICY = Rule((DIRECTORY,), ("escalation_policy_id", "team_id"), STAFF)
_SCHEDULE = Rule((DIRECTORY,), ("schedule_id", "team_id"), EVERYONE)

RULES: dict[str, Rule] = {
    "alert.triggered": _alert_rule(
        (ALERTS, ALERT, TIMELINE), ("severity", "category", "source", "lat", "lon", "accuracy_m")
    ),
    **{
        f"alert.{action}": _LIFECYCLE
        for action in ("acknowledged", "dispatched", "on_scene", "resolved", "cancelled", "reopened")
    },
    "alert.assigned": _alert_rule(
        (ALERTS, ALERT, ASSIGNMENTS, TIMELINE), ("responder_ids", "team_ids"), users=("responder_ids",)
    ),
    # The responder or team taken off hears of it, so their screens drop the alert they can no longer open.
    "alert.unassigned": Rule(
        (ALERTS, ALERT, ASSIGNMENTS, TIMELINE),
        ("responder_id", "team_id"),
        STAFF,
        users=("responder_id",),
        teams=("team_id",),
        follows_alert=True,
    ),
    "alert.merged": _alert_rule((ALERTS, ALERT, INCIDENTS, INCIDENT, TIMELINE), ("incident_id", "from_incident_id")),
    "alert.location_recorded": _alert_rule((ALERT, LOCATIONS), _FIX),
    "alert.escalation_started": _ESCALATION_STEP,
    "alert.escalation_stopped": _ESCALATION_STEP,
    "alert.escalated": _ESCALATION_STEP,
    "alert.escalation_exhausted": _ESCALATION_STEP,
    **{f"alert.offer_{what}": _OFFER_RULE for what in ("made", "accepted", "declined", "expired", "withdrawn")},
    "alert.dispatch_exhausted": _alert_rule(
        (ALERT, ASSIGNMENTS, TIMELINE), ("chain_id", "team_id", "skills", "offers_made", "max_offers", "reason")
    ),
    "checkin.expired": _alert_rule((TIMELINE,), ("checkin_id",), users=("user_id",)),
    "incident.opened": Rule((INCIDENTS, INCIDENT, TIMELINE), ("severity", "commander_id"), FIELD),
    "incident.updated": Rule((INCIDENTS, INCIDENT, TIMELINE), ("version",), FIELD),
    "incident.resolved": _INCIDENT,
    "incident.reopened": _INCIDENT,
    "incident.alerts_moved_out": Rule((ALERTS, INCIDENTS, INCIDENT, TIMELINE), ("to_incident_id",), FIELD),
    "responder.availability_changed": _RESPONDER,
    "responder.skills_changed": _RESPONDER,
    "responder.location_recorded": Rule((RESPONDERS, LOCATIONS), ("user_id", *_FIX), STAFF, users=("user_id",)),
    "team.created": _TEAM,
    "team.updated": _TEAM,
    "team.deleted": _TEAM,
    "team.member_added": _TEAM_MEMBER,
    "team.member_removed": _TEAM_MEMBER,
    "team.member_role_changed": Rule((DIRECTORY,), ("team_id", "user_id", "role"), FIELD),
    **{
        f"user.{what}": _MEMBER for what in ("added", "invited", "invitation_accepted", "invitation_renewed", "updated")
    },
    **{f"membership.{what}": _MEMBER for what in ("deactivated", "reactivated", "role_changed")},
    "organization.updated": Rule((DIRECTORY,), ("version",), EVERYONE),
    **{
        f"contact_method.{what}": _OWN_SETTING
        for what in (
            "added",
            "disabled",
            "opted_in",
            "opted_out",
            "relabeled",
            "removed",
            "test_requested",
            "verification_sent",
            "verified",
        )
    },
    "notification_settings.quiet_hours_changed": _OWN_SETTING,
    "notification_settings.rules_replaced": _OWN_SETTING,
    "notification_provider.created": _PROVIDER,
    "notification_provider.updated": _PROVIDER,
    "notification_provider.deleted": _PROVIDER,
    "team_dispatch_settings.updated": Rule((DIRECTORY,), ("team_id", "mode", "version"), STAFF),
    "escalation_policy.created": _POLICY,
    "escalation_policy.updated": _POLICY,
    "escalation_policy.deleted": _POLICY,
    **{
        f"schedule.{what}": _SCHEDULE
        for what in ("created", "updated", "deleted", "override_created", "override_deleted")
    },
}

NOT_STREAMED: dict[str, str] = {
    "checkin.started": "no screen lists check-in timers; their owner's app polls its own",
    "checkin.extended": "no screen lists check-in timers; their owner's app polls its own",
    "checkin.cancelled": "no screen lists check-in timers; their owner's app polls its own",
}
"""Event types left out on purpose, with why (tests/stream checks every contract is streamed or listed here)."""

_MESSAGE_ON_ALERT = _alert_rule((MESSAGES, TIMELINE), ("message_id", "author_id"))
_MESSAGE_ON_INCIDENT = Rule((MESSAGES, TIMELINE), ("message_id", "author_id"), FIELD)
_NOTIFICATION_FIELDS = ("notification_id", "user_id", "channel", "kind", "purpose")


def rule_for(event: DomainEvent) -> Rule | None:
    """The rule of ``event``, or None when it is not streamed."""
    if event.type == "message.posted":
        return _MESSAGE_ON_ALERT if event.payload.get("alert_id") else _MESSAGE_ON_INCIDENT
    if event.type.startswith("notification."):
        return _notification_rule(event.payload)
    return RULES.get(event.type)


def _notification_rule(payload: dict[str, Any]) -> Rule | None:
    """The recipient's inbox changes with in-app notifications; a notification about an alert is on its timeline,
    which everyone who may see the alert reads."""
    topics: list[LiveTopic] = []
    if payload.get("channel") == "in_app":
        topics.append(NOTIFICATIONS)
    if payload.get("alert_id"):
        topics.append(TIMELINE)
    if not topics:
        return None
    follows_alert = bool(payload.get("alert_id"))
    return Rule(
        tuple(topics),
        _NOTIFICATION_FIELDS,
        STAFF if follows_alert else NOBODY,
        users=("user_id",),
        follows_alert=follows_alert,
    )


def data_of(rule: Rule, payload: dict[str, Any]) -> dict[str, Any]:
    return {name: payload[name] for name in rule.fields if name in payload}


def named_ids(payload: dict[str, Any], fields: tuple[str, ...]) -> set[str]:
    """The ids that ``fields`` of ``payload`` hold, each field one id, a list of ids, or null."""
    ids: set[str] = set()
    for name in fields:
        value = payload.get(name)
        if isinstance(value, list):
            ids.update(str(item) for item in value if item)
        elif value:
            ids.add(str(value))
    return ids
