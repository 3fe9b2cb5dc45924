"""The compatibility check of the event contracts: a published version never changes incompatibly.

``packages/contracts/events/published/<type>/v<N>.schema.json`` and ``v<N>.proto.json`` are the published baseline:
the JSON Schema as released and a snapshot of its protobuf message's fields. The working schema and proto message of
every published version are compared with it; anything that could make an old consumer reject or misread a new event,
or a new consumer reject an old one, is breaking. A type or version not in ``published/`` yet is free to change until
``publish`` snapshots it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from sos.core.event_contracts import contracts_dir, load_schema, schema_files

PROTO_PACKAGE = "sos.events.v1"
_ANNOTATIONS = frozenset({"title", "description", "$comment", "examples", "deprecated", "default", "readOnly"})
_STRUCTURAL = frozenset({"type", "format", "enum", "const", "required", "additionalProperties", "properties", "items"})
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")

ProtoSnapshot = dict[str, Any]


@dataclass
class CompatReport:
    breaking: list[str] = field(default_factory=list)
    unpublished: list[tuple[str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaking


def proto_message_name(event_type: str, version: int) -> str:
    """``alert.escalation_started`` v1 is ``AlertEscalationStartedV1``."""
    words = event_type.replace(".", "_").split("_")
    return "".join(word.capitalize() for word in words) + f"V{version}"


# --- JSON Schema -------------------------------------------------------------------------------------------------


def _types(schema: Mapping[str, Any]) -> frozenset[str]:
    declared = schema.get("type")
    if declared is None:
        return frozenset()
    return frozenset([declared] if isinstance(declared, str) else declared)


def _bound_breaks(old: Mapping[str, Any], new: Mapping[str, Any], at: str) -> Iterator[str]:
    for name in _LOWER_BOUNDS:
        if name in new and (name not in old or new[name] > old[name]):
            yield f"{at}: {name} raised to {new[name]} (was {old.get(name, 'unset')})"
    for name in _UPPER_BOUNDS:
        if name in new and (name not in old or new[name] < old[name]):
            yield f"{at}: {name} lowered to {new[name]} (was {old.get(name, 'unset')})"
    if "pattern" in new and new.get("pattern") != old.get("pattern"):
        yield f"{at}: pattern changed to {new['pattern']!r}"


def _enum_breaks(old: Mapping[str, Any], new: Mapping[str, Any], at: str) -> Iterator[str]:
    if "const" in new and new["const"] != old.get("const"):
        yield f"{at}: const changed to {new['const']!r}"
    if "enum" not in new:
        return
    if "enum" not in old:
        yield f"{at}: now restricted to {new['enum']}"
        return
    dropped = [value for value in old["enum"] if value not in new["enum"]]
    if dropped:
        yield f"{at}: enum no longer allows {dropped}"


def _object_breaks(old: Mapping[str, Any], new: Mapping[str, Any], at: str) -> Iterator[str]:
    newly_required = sorted(set(new.get("required", [])) - set(old.get("required", [])))
    if newly_required:
        yield f"{at or '/'}: now requires {newly_required}"
    old_extra, new_extra = old.get("additionalProperties", True), new.get("additionalProperties", True)
    if new_extra is False and old_extra is not False:
        yield f"{at or '/'}: additionalProperties made stricter (now false)"
    elif isinstance(old_extra, dict) and isinstance(new_extra, dict):
        yield from schema_breaks(old_extra, new_extra, f"{at}/additionalProperties")
    old_properties: Mapping[str, Any] = old.get("properties", {})
    new_properties: Mapping[str, Any] = new.get("properties", {})
    for name, old_property in old_properties.items():
        if name not in new_properties:
            yield f"{at}/{name}: property removed"
        else:
            yield from schema_breaks(old_property, new_properties[name], f"{at}/{name}")


def schema_breaks(old: Any, new: Any, at: str = "") -> list[str]:
    """How ``new`` breaks compatibility with the published ``old``, one line per problem (empty when compatible)."""
    if not isinstance(old, Mapping) or not isinstance(new, Mapping):
        return [] if old == new else [f"{at or '/'}: changed from {old!r} to {new!r}"]
    where = at or "/"
    problems: list[str] = []
    if _types(old) != _types(new):
        problems.append(f"{where}: type changed from {sorted(_types(old))} to {sorted(_types(new))}")
    if old.get("format") != new.get("format"):
        problems.append(f"{where}: format changed from {old.get('format')!r} to {new.get('format')!r}")
    problems += _enum_breaks(old, new, where)
    problems += _bound_breaks(old, new, where)
    problems += _object_breaks(old, new, at)
    if "items" in old or "items" in new:
        problems += schema_breaks(old.get("items", True), new.get("items", True), f"{at}/items")
    bounded = {"pattern", *_LOWER_BOUNDS, *_UPPER_BOUNDS}
    for keyword in sorted((set(old) | set(new)) - _ANNOTATIONS - _STRUCTURAL - bounded):
        if old.get(keyword) != new.get(keyword):
            problems.append(f"{where}: {keyword} changed")
    return problems


# --- Protobuf ------------------------------------------------------------------------------------------------------


def _grpc_include() -> Path:
    import grpc_tools  # type: ignore[import-untyped]

    return Path(grpc_tools.__file__).parent / "_proto"


def compile_descriptor_set(proto_root: Path, output: Path) -> Path:
    """Compiles every ``.proto`` under ``proto_root`` with grpc_tools' protoc into a descriptor set at ``output``."""
    sources = sorted(str(path.relative_to(proto_root)) for path in proto_root.rglob("*.proto"))
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{proto_root}",
        f"-I{_grpc_include()}",
        f"--descriptor_set_out={output}",
        "--include_imports",
        *sources,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (our own argv)
    if result.returncode != 0:
        raise RuntimeError(f"protoc failed: {result.stderr.strip()}")
    return output


def _descriptor_pb2() -> Any:
    """protobuf comes with grpcio-tools, a development dependency; the API never needs it."""
    from google.protobuf import descriptor_pb2  # type: ignore[import-untyped]

    return descriptor_pb2


def proto_messages(proto_root: Path) -> dict[str, Any]:
    """The messages of package ``sos.events.v1`` by name, as ``DescriptorProto``s."""
    descriptor_pb2 = _descriptor_pb2()
    with tempfile.TemporaryDirectory() as scratch:
        data = compile_descriptor_set(proto_root, Path(scratch) / "events.pb").read_bytes()
    descriptor_set = descriptor_pb2.FileDescriptorSet.FromString(data)
    return {
        message.name: message
        for file in descriptor_set.file
        if file.package == PROTO_PACKAGE
        for message in file.message_type
    }


def _field_type(proto_field: Any) -> str:
    name = str(_descriptor_pb2().FieldDescriptorProto.Type.Name(proto_field.type)).removeprefix("TYPE_").lower()
    if name in {"message", "enum"}:
        return str(proto_field.type_name).rsplit(".", 1)[-1]
    return name


def _field_label(proto_field: Any) -> str:
    if proto_field.label == _descriptor_pb2().FieldDescriptorProto.LABEL_REPEATED:
        return "repeated"
    return "optional" if proto_field.proto3_optional else "singular"


def proto_snapshot(message: Any) -> ProtoSnapshot:
    """The parts of a message that its wire and JSON compatibility depend on: fields by name, nested messages."""
    return {
        "name": message.name,
        "fields": {
            item.name: {"number": item.number, "type": _field_type(item), "label": _field_label(item)}
            for item in message.field
        },
        "nested": {
            nested.name: proto_snapshot(nested) for nested in message.nested_type if not nested.options.map_entry
        },
    }


def proto_breaks(old: ProtoSnapshot, new: ProtoSnapshot, at: str) -> list[str]:
    problems: list[str] = []
    new_fields: dict[str, Any] = new["fields"]
    by_number = {spec["number"]: name for name, spec in new_fields.items()}
    for name, spec in old["fields"].items():
        current = new_fields.get(name)
        if current is None:
            problems.append(f"{at}.{name}: field removed")
            continue
        if current["number"] != spec["number"]:
            problems.append(f"{at}.{name}: renumbered from {spec['number']} to {current['number']}")
        if current["type"] != spec["type"]:
            problems.append(f"{at}.{name}: type changed from {spec['type']} to {current['type']}")
        if (current["label"] == "repeated") != (spec["label"] == "repeated"):
            problems.append(f"{at}.{name}: changed from {spec['label']} to {current['label']}")
    for name, spec in old["fields"].items():
        taken_by = by_number.get(spec["number"])
        if taken_by is not None and taken_by != name and name not in new_fields:
            problems.append(f"{at}: number {spec['number']} of removed field {name} reused by {taken_by}")
    for name, nested in old["nested"].items():
        if name in new["nested"]:
            problems += proto_breaks(nested, new["nested"][name], f"{at}.{name}")
    return problems


# --- The check -----------------------------------------------------------------------------------------------------


def published_dir(root: Path) -> Path:
    return root / "published"


def _proto_snapshot_path(schema_path: Path) -> Path:
    return schema_path.with_name(schema_path.name.replace(".schema.json", ".proto.json"))


def check(root: Path | None = None) -> CompatReport:
    """Compares every published version with the working schema and proto message; lists what is unpublished."""
    root = root or contracts_dir()
    working = schema_files(root / "schemas")
    published = schema_files(published_dir(root))
    messages = {name: proto_snapshot(message) for name, message in proto_messages(root / "proto").items()}
    report = CompatReport(unpublished=sorted(set(working) - set(published)))
    for (event_type, version), published_path in sorted(published.items()):
        label = f"{event_type} v{version}"
        if (event_type, version) not in working:
            report.breaking.append(f"{label}: the published schema was removed")
        else:
            old, new = load_schema(published_path), load_schema(working[(event_type, version)])
            report.breaking += [f"{label} {problem}" for problem in schema_breaks(old, new)]
        snapshot_path = _proto_snapshot_path(published_path)
        name = proto_message_name(event_type, version)
        if not snapshot_path.exists():
            continue
        if name not in messages:
            report.breaking.append(f"{label}: the published proto message {name} was removed")
            continue
        old_message = json.loads(snapshot_path.read_text(encoding="utf-8"))
        report.breaking += proto_breaks(old_message, messages[name], name)
    return report


def publish(root: Path | None = None) -> list[tuple[str, int]]:
    """Snapshots every type and version not yet published; a published one is never overwritten."""
    root = root or contracts_dir()
    unpublished = sorted(set(schema_files(root / "schemas")) - set(schema_files(published_dir(root))))
    if not unpublished:
        return []
    messages = {name: proto_snapshot(message) for name, message in proto_messages(root / "proto").items()}
    missing = [proto_message_name(*key) for key in unpublished if proto_message_name(*key) not in messages]
    if missing:
        raise ValueError(f"no proto message for {', '.join(missing)}; write it before publishing")
    working = schema_files(root / "schemas")
    for event_type, version in unpublished:
        target = published_dir(root) / event_type / f"v{version}.schema.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(working[(event_type, version)], target)
        snapshot = messages[proto_message_name(event_type, version)]
        _proto_snapshot_path(target).write_text(json.dumps(snapshot, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return unpublished


# --- CLI: mounted as ``sos events`` --------------------------------------------------------------------------------

cli = typer.Typer(no_args_is_help=True, help="Event contracts: compatibility check and publishing.")
ContractsDir = Annotated[
    Path | None, typer.Option("--contracts-dir", help="Defaults to packages/contracts/events of this checkout")
]


@cli.command("check-compat")
def check_compat_command(contracts: ContractsDir = None) -> None:
    """Fail (exit 1) when a published event schema or proto message changed incompatibly."""
    report = check(contracts)
    for key in report.unpublished:
        typer.echo(f"unpublished: {key[0]} v{key[1]} (run 'sos events publish' once it is released)")
    if not report.ok:
        for problem in report.breaking:
            typer.echo(f"BREAKING: {problem}", err=True)
        typer.echo("A published version must stay compatible: add a v(N+1) schema and proto message.", err=True)
        raise typer.Exit(1)
    typer.echo("event contracts are compatible with the published versions")


@cli.command("publish")
def publish_command(contracts: ContractsDir = None) -> None:
    """Snapshot every event type and version not yet in published/ (after checking the published ones)."""
    report = check(contracts)
    if not report.ok:
        for problem in report.breaking:
            typer.echo(f"BREAKING: {problem}", err=True)
        raise typer.Exit(1)
    for event_type, version in publish(contracts):
        typer.echo(f"published {event_type} v{version}")


if __name__ == "__main__":
    cli()
