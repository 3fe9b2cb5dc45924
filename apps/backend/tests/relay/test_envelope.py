"""The Kafka envelope: what the relay encodes, consumers decode; anything else is a typed error."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sos.core.events import DomainEvent
from sos.core.ids import new_id
from sos.core.kafka import MalformedEvent, decode_event, encode_event, event_headers, topic_for

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _event(**overrides: object) -> DomainEvent:
    fields: dict[str, object] = {
        "type": "alert.triggered",
        "aggregate_type": "alert",
        "aggregate_id": new_id(),
        "organization_id": new_id(),
        "actor_id": new_id(),
        "payload": {"alert_id": "x", "severity": "high", "note": "Straße"},
        "occurred_at": datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        "trace_context": TRACEPARENT,
    }
    fields.update(overrides)
    return DomainEvent(**fields)  # type: ignore[arg-type]


def test_an_encoded_event_decodes_to_the_same_event() -> None:
    event = _event()
    assert decode_event(encode_event(event), event_headers(event)) == event


def test_an_event_without_actor_or_trace_round_trips() -> None:
    event = _event(actor_id=None, trace_context=None)
    assert decode_event(encode_event(event), event_headers(event)) == event


def test_the_envelope_holds_exactly_the_documented_fields() -> None:
    envelope = json.loads(encode_event(_event()))
    assert set(envelope) == {
        "id",
        "type",
        "schema_version",
        "aggregate_type",
        "aggregate_id",
        "organization_id",
        "actor_id",
        "occurred_at",
        "payload",
    }


def test_topics_are_named_by_prefix_and_aggregate_type() -> None:
    assert topic_for("sos", "alert") == "sos.alert"


def test_an_invalid_traceparent_header_is_dropped() -> None:
    event = _event()
    assert decode_event(encode_event(event), [("traceparent", b"not-a-trace")]).trace_context is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"{}", "lacks id"),
        (None, "not JSON"),
    ],
)
def test_a_message_that_is_no_envelope_raises_malformed_event(value: bytes | None, problem: str) -> None:
    with pytest.raises(MalformedEvent, match=problem):
        decode_event(value)


@pytest.mark.parametrize(
    ("field", "bad", "problem"),
    [
        ("id", "not-a-uuid", "badly formed"),
        ("schema_version", "1", "positive integer"),
        ("occurred_at", "2026-03-29T01:30:00", "UTC offset"),
        ("payload", [], "payload is not a JSON object"),
        ("type", "", "type is not a non-empty string"),
    ],
)
def test_an_envelope_with_a_bad_field_raises_malformed_event(field: str, bad: object, problem: str) -> None:
    envelope = json.loads(encode_event(_event()))
    envelope[field] = bad
    with pytest.raises(MalformedEvent, match=problem):
        decode_event(json.dumps(envelope).encode())
