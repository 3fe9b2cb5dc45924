"""Each JSON Schema has a protobuf message with the same fields, mapped by the rules in the contracts README."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sos.core.event_compat import proto_message_name
from sos.core.event_contracts import load_schema, schema_files, schemas_dir
from tests.contracts.proto_mapping import mismatches

SCHEMAS = schema_files(schemas_dir())


def test_message_names_follow_the_event_type() -> None:
    assert proto_message_name("alert.escalated", 1) == "AlertEscalatedV1"
    assert proto_message_name("team.member_role_changed", 2) == "TeamMemberRoleChangedV2"


@pytest.mark.parametrize(("event_type", "version"), sorted(SCHEMAS), ids=lambda key: str(key))
def test_each_schema_has_a_proto_message_with_matching_fields(
    compiled_messages: dict[str, dict[str, Any]], event_type: str, version: int
) -> None:
    name = proto_message_name(event_type, version)
    assert name in compiled_messages, f"no message {name} in package sos.events.v1"
    schema = load_schema(SCHEMAS[(event_type, version)])
    assert mismatches(schema, compiled_messages[name], name) == []


def test_the_envelope_message_matches_the_envelope_schema(
    compiled_messages: dict[str, dict[str, Any]], contracts_root: Path
) -> None:
    schema = load_schema(contracts_root / "envelope.v1.schema.json")
    assert mismatches(schema, compiled_messages["EventEnvelopeV1"], "EventEnvelopeV1") == []


def test_every_payload_message_belongs_to_a_schema(compiled_messages: dict[str, dict[str, Any]]) -> None:
    described = {proto_message_name(*key) for key in SCHEMAS} | {"EventEnvelopeV1"}
    assert sorted(set(compiled_messages) - described) == []


def test_a_proto_field_of_the_wrong_type_or_presence_is_reported() -> None:
    schema = {
        "type": "object",
        "required": ["count", "note"],
        "properties": {"count": {"type": "integer"}, "note": {"type": ["string", "null"]}},
    }
    snapshot = {
        "fields": {
            "count": {"number": 1, "type": "double", "label": "singular"},
            "note": {"number": 2, "type": "string", "label": "singular"},
        },
        "nested": {},
    }
    assert mismatches(schema, snapshot, "DemoV1") == [
        "DemoV1.count: proto is singular double, the schema maps to singular int64",
        "DemoV1.note: proto is singular string, the schema maps to optional string",
    ]
