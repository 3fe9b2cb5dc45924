"""Every event schema is a valid, self-describing JSON Schema draft 2020-12 of an object payload."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from sos.core.event_contracts import load_schema, schema_files, schemas_dir

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
SCHEMAS = schema_files(schemas_dir())


def test_there_is_a_schema_per_event_type_directory() -> None:
    directories = {path.name for path in schemas_dir().iterdir() if path.is_dir()}
    assert directories == {event_type for event_type, _ in SCHEMAS}


@pytest.mark.parametrize(("event_type", "version"), sorted(SCHEMAS), ids=lambda key: str(key))
def test_each_schema_is_valid_draft_2020_12(event_type: str, version: int) -> None:
    schema = load_schema(SCHEMAS[(event_type, version)])
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT_2020_12
    assert schema["$id"] == f"https://sos-platform.dev/events/{event_type}/v{version}"
    assert schema["title"] == f"{event_type} v{version}"
    assert schema["description"]
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) <= set(schema["properties"])


def test_the_envelope_schema_is_valid_draft_2020_12(contracts_root: Path) -> None:
    schema = load_schema(contracts_root / "envelope.v1.schema.json")
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT_2020_12
    assert schema["additionalProperties"] is False


def test_an_event_type_names_its_aggregate_and_what_happened() -> None:
    malformed = [event_type for event_type, _ in SCHEMAS if len(event_type.split(".")) != 2]
    assert malformed == []
