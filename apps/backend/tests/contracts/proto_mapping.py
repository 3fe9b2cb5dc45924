"""What protobuf field a JSON Schema property maps to, by the rules in packages/contracts/events/README.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCALARS = {"string": "string", "number": "double", "integer": "int64", "boolean": "bool"}
STRUCT = "Struct"
NESTED = "<nested message>"


@dataclass(frozen=True)
class ExpectedField:
    type: str
    label: str


def _types(schema: dict[str, Any]) -> list[str]:
    declared = schema.get("type")
    return [declared] if isinstance(declared, str) else list(declared or [])


def expected_field(name: str, schema: dict[str, Any], *, required: bool) -> ExpectedField:
    kinds = _types(schema)
    nullable = "null" in kinds
    (kind,) = [item for item in kinds if item != "null"]
    if kind == "array":
        (item_kind,) = _types(schema["items"])
        return ExpectedField(SCALARS.get(item_kind, NESTED), "repeated")
    proto_type = SCALARS.get(kind) or (NESTED if "properties" in schema else STRUCT)
    return ExpectedField(proto_type, "optional" if nullable or not required else "singular")


def mismatches(schema: dict[str, Any], snapshot: dict[str, Any], at: str) -> list[str]:
    """How a proto message (as ``sos.core.event_compat.proto_snapshot``) differs from an object schema."""
    problems: list[str] = []
    properties: dict[str, Any] = schema.get("properties", {})
    fields: dict[str, Any] = snapshot["fields"]
    required = set(schema.get("required", []))
    for name in sorted(set(properties) - set(fields)):
        problems.append(f"{at}: property {name} has no proto field")
    for name in sorted(set(fields) - set(properties)):
        problems.append(f"{at}: proto field {name} has no JSON property")
    for name in sorted(set(properties) & set(fields)):
        expected = expected_field(name, properties[name], required=name in required)
        actual = fields[name]
        nested = expected.type == NESTED and actual["type"] in snapshot["nested"]
        if (expected.type, expected.label) != (actual["type"], actual["label"]) and not (
            nested and expected.label == actual["label"]
        ):
            problems.append(
                f"{at}.{name}: proto is {actual['label']} {actual['type']}, "
                f"the schema maps to {expected.label} {expected.type}"
            )
        elif nested:
            nested_schema = properties[name]["items"] if expected.label == "repeated" else properties[name]
            problems += mismatches(nested_schema, snapshot["nested"][actual["type"]], f"{at}.{name}")
    return problems
