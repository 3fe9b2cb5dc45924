"""The compatibility check: a published event version may only grow optional properties."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sos.core.event_compat import check, cli, publish, schema_breaks

BASE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://sos-platform.dev/events/demo.happened/v1",
    "title": "demo.happened v1",
    "description": "A test contract.",
    "type": "object",
    "additionalProperties": False,
    "required": ["demo_id", "level"],
    "properties": {
        "demo_id": {"type": "string", "format": "uuid"},
        "level": {"type": "string", "enum": ["low", "high"]},
        "count": {"type": "integer", "minimum": 0},
    },
}
BASE_PROTO = """syntax = "proto3";
package sos.events.v1;
message DemoHappenedV1 {
  string demo_id = 1;
  string level = 2;
  optional int64 count = 3;
}
"""

Mutation = Callable[[dict[str, Any]], object]


def _write(root: Path, schema: dict[str, Any], proto: str) -> None:
    schema_path = root / "schemas" / "demo.happened" / "v1.schema.json"
    schema_path.parent.mkdir(parents=True, exist_ok=True)
    schema_path.write_text(json.dumps(schema))
    proto_path = root / "proto" / "sos" / "events" / "v1" / "demo.proto"
    proto_path.parent.mkdir(parents=True, exist_ok=True)
    proto_path.write_text(proto)


@pytest.fixture
def published(tmp_path: Path) -> Path:
    _write(tmp_path, BASE_SCHEMA, BASE_PROTO)
    assert publish(tmp_path) == [("demo.happened", 1)]
    return tmp_path


def _changed(mutate: Mutation) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(json.dumps(BASE_SCHEMA))
    mutate(schema)
    return schema


def test_publishing_snapshots_the_schema_and_the_proto_message(published: Path) -> None:
    snapshot = published / "published" / "demo.happened"
    assert json.loads((snapshot / "v1.schema.json").read_text()) == BASE_SCHEMA
    fields = json.loads((snapshot / "v1.proto.json").read_text())["fields"]
    assert fields["count"] == {"number": 3, "type": "int64", "label": "optional"}


def test_an_unchanged_contract_is_compatible(published: Path) -> None:
    assert check(published).breaking == []


BREAKING_SCHEMA_CHANGES: dict[str, tuple[Mutation, str]] = {
    "removing a property": (lambda s: s["properties"].pop("count"), "/count: property removed"),
    "changing a type": (lambda s: s["properties"]["count"].update(type="number"), "/count: type changed"),
    "making a type nullable": (
        lambda s: s["properties"]["level"].update(type=["string", "null"]),
        "/level: type changed",
    ),
    "changing a format": (lambda s: s["properties"]["demo_id"].update(format="uri"), "/demo_id: format changed"),
    "narrowing an enum": (
        lambda s: s["properties"]["level"].update(enum=["high"]),
        "/level: enum no longer allows ['low']",
    ),
    "adding a required property": (lambda s: s["required"].append("count"), "now requires ['count']"),
    "requiring a new property": (
        lambda s: (s["properties"].update(extra={"type": "string"}), s["required"].append("extra")),
        "now requires ['extra']",
    ),
    "raising a minimum": (lambda s: s["properties"]["count"].update(minimum=1), "/count: minimum raised to 1"),
}


@pytest.mark.parametrize("change", BREAKING_SCHEMA_CHANGES)
def test_a_breaking_schema_change_fails_the_check(published: Path, change: str) -> None:
    mutate, expected = BREAKING_SCHEMA_CHANGES[change]
    _write(published, _changed(mutate), BASE_PROTO)
    breaking = check(published).breaking
    assert any(expected in problem for problem in breaking), breaking


def test_making_additional_properties_stricter_is_breaking() -> None:
    old = {"type": "object", "properties": {}}
    assert schema_breaks(old, old | {"additionalProperties": False}) == [
        "/: additionalProperties made stricter (now false)"
    ]


COMPATIBLE_SCHEMA_CHANGES: dict[str, Mutation] = {
    "adding an optional property": lambda s: s["properties"].update(note={"type": ["string", "null"]}),
    "widening an enum": lambda s: s["properties"]["level"].update(enum=["low", "high", "critical"]),
    "rewording a description": lambda s: s.update(description="Something else."),
    "lowering a minimum": lambda s: s["properties"]["count"].update(minimum=-1),
    "relaxing additionalProperties": lambda s: s.update(additionalProperties=True),
}


@pytest.mark.parametrize("change", COMPATIBLE_SCHEMA_CHANGES)
def test_a_compatible_schema_change_passes(published: Path, change: str) -> None:
    _write(published, _changed(COMPATIBLE_SCHEMA_CHANGES[change]), BASE_PROTO)
    assert check(published).breaking == []


BREAKING_PROTO_CHANGES = {
    "renumbering a field": ("optional int64 count = 3;", "optional int64 count = 4;", "count: renumbered from 3 to 4"),
    "retyping a field": ("optional int64 count = 3;", "optional double count = 3;", "count: type changed"),
    "removing a field": ("  optional int64 count = 3;\n", "", "count: field removed"),
    "making a field repeated": ("optional int64 count = 3;", "repeated int64 count = 3;", "count: changed from"),
    "reusing a removed field's number": (
        "optional int64 count = 3;",
        "optional int64 total = 3;",
        "number 3 of removed field count reused by total",
    ),
}


@pytest.mark.parametrize("change", BREAKING_PROTO_CHANGES)
def test_a_breaking_proto_change_fails_the_check(published: Path, change: str) -> None:
    old, new, expected = BREAKING_PROTO_CHANGES[change]
    _write(published, BASE_SCHEMA, BASE_PROTO.replace(old, new))
    breaking = check(published).breaking
    assert any(expected in problem for problem in breaking), breaking


def test_adding_a_proto_field_is_compatible(published: Path) -> None:
    _write(published, BASE_SCHEMA, BASE_PROTO.replace("}\n", "  optional string note = 4;\n}\n"))
    assert check(published).breaking == []


def test_deleting_a_published_schema_is_breaking(published: Path) -> None:
    shutil.rmtree(published / "schemas" / "demo.happened")
    assert check(published).breaking == ["demo.happened v1: the published schema was removed"]


def test_a_new_version_is_unpublished_until_published_and_then_frozen(published: Path) -> None:
    v2 = _changed(lambda s: s["properties"].pop("count")) | {"$id": "https://sos-platform.dev/events/demo.happened/v2"}
    (published / "schemas" / "demo.happened" / "v2.schema.json").write_text(json.dumps(v2))
    proto = published / "proto" / "sos" / "events" / "v1" / "demo.proto"
    proto.write_text(BASE_PROTO + "message DemoHappenedV2 {\n  string demo_id = 1;\n  string level = 2;\n}\n")
    report = check(published)
    assert (report.breaking, report.unpublished) == ([], [("demo.happened", 2)])
    assert publish(published) == [("demo.happened", 2)]
    assert publish(published) == []
    assert check(published).unpublished == []


def test_publishing_refuses_a_version_without_its_proto_message(published: Path) -> None:
    (published / "schemas" / "demo.other").mkdir()
    (published / "schemas" / "demo.other" / "v1.schema.json").write_text(json.dumps(BASE_SCHEMA))
    with pytest.raises(ValueError, match="no proto message for DemoOtherV1"):
        publish(published)


def test_the_cli_exits_non_zero_on_a_breaking_change(published: Path) -> None:
    _write(published, _changed(lambda s: s["properties"].pop("count")), BASE_PROTO)
    result = CliRunner().invoke(cli, ["check-compat", "--contracts-dir", str(published)])
    assert result.exit_code == 1
    assert "BREAKING: demo.happened v1 /count: property removed" in result.output


def test_the_cli_publishes_new_versions(tmp_path: Path) -> None:
    _write(tmp_path, BASE_SCHEMA, BASE_PROTO)
    result = CliRunner().invoke(cli, ["publish", "--contracts-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "published demo.happened v1" in result.output


def test_the_repository_contracts_are_compatible_with_their_published_versions(contracts_root: Path) -> None:
    assert check(contracts_root).breaking == []
