"""Every event type is either streamed, with topics the console knows, or left out on purpose."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

from sos.core.event_contracts import known_contracts
from sos.core.events import DomainEvent
from sos.stream.catalog import NOT_STREAMED, RULES, rule_for
from sos.stream.domain import LiveTopic

REALTIME_DOC = Path(__file__).resolve().parents[4] / "docs" / "realtime.md"
DYNAMIC = {"message.posted"}
"""Types whose rule depends on the payload (``rule_for``): messages on an alert or an incident, notifications."""


def contract_types() -> set[str]:
    return {event_type for event_type, _version in known_contracts()}


def test_every_event_type_is_streamed_or_deliberately_left_out() -> None:
    decided = set(RULES) | set(NOT_STREAMED) | DYNAMIC
    undecided = {kind for kind in contract_types() if kind not in decided and not kind.startswith("notification.")}
    assert undecided == set()


def test_every_rule_names_an_event_type_that_exists() -> None:
    assert set(RULES) - contract_types() == set()


def test_every_streamed_type_has_topics_and_someone_to_receive_it() -> None:
    for kind, rule in RULES.items():
        assert rule.topics, kind
        assert set(rule.topics) <= set(LiveTopic), kind
        assert rule.roles or rule.users or rule.teams or rule.follows_alert, kind


def test_the_realtime_doc_names_every_streamed_and_every_left_out_type() -> None:
    document = REALTIME_DOC.read_text()
    named = {kind for kind in [*RULES, *NOT_STREAMED] if f"`{kind}`" in document}
    wildcards = (
        {kind for kind in RULES if kind.startswith("contact_method.")} if "`contact_method.*`" in document else set()
    )
    assert set(RULES) | set(NOT_STREAMED) == named | wildcards


def event(kind: str, **payload: object) -> DomainEvent:
    return DomainEvent(
        type=kind, aggregate_type=kind.split(".")[0], aggregate_id=uuid4(), organization_id=uuid4(), payload=payload
    )


def test_an_unknown_event_type_is_not_streamed() -> None:
    assert rule_for(event("test.unheard_of")) is None


def test_an_in_app_notification_about_an_alert_reaches_the_inbox_and_the_alerts_timeline() -> None:
    rule = rule_for(event("notification.delivered", channel="in_app", alert_id=str(uuid4()), user_id=str(uuid4())))
    assert rule is not None
    assert rule.topics == (LiveTopic.NOTIFICATIONS, LiveTopic.TIMELINE)
    assert (rule.follows_alert, rule.users) == (True, ("user_id",))


def test_a_notification_without_an_alert_reaches_its_recipient_alone() -> None:
    rule = rule_for(event("notification.delivered", channel="in_app", alert_id=None, user_id=str(uuid4())))
    assert rule is not None
    assert (rule.topics, rule.roles, rule.follows_alert) == ((LiveTopic.NOTIFICATIONS,), frozenset(), False)


def test_an_external_notification_without_an_alert_is_not_streamed() -> None:
    assert rule_for(event("notification.sent", channel="sms", alert_id=None, user_id=str(uuid4()))) is None
