"""The envelope the relay puts on Kafka matches the published envelope contract."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

from jsonschema import Draft202012Validator

from sos.core.event_contracts import load_schema
from sos.core.events import aggregate_event
from sos.core.kafka import encode_event


def _validator(contracts_root: Path) -> Draft202012Validator:
    return Draft202012Validator(load_schema(contracts_root / "envelope.v1.schema.json"))


def test_an_encoded_event_is_a_valid_envelope(contracts_root: Path) -> None:
    event = aggregate_event(
        "team",
        "member_removed",
        aggregate_id=UUID("01900000-0000-7000-8000-000000000003"),
        organization_id=UUID("01900000-0000-7000-8000-000000000004"),
        actor_id=None,
        user_id=UUID("01900000-0000-7000-8000-000000000005"),
    )
    envelope = json.loads(encode_event(event))
    assert list(_validator(contracts_root).iter_errors(envelope)) == []
    assert envelope["payload"] == event.payload


def test_an_envelope_without_its_payload_is_invalid(contracts_root: Path) -> None:
    errors = list(_validator(contracts_root).iter_errors({"id": "x"}))
    assert any("'payload' is a required property" in error.message for error in errors)
