"""The event contracts: every event payload is checked against its versioned JSON Schema.

Schemas live in ``packages/contracts/events/schemas/<type>/v<N>.schema.json`` at the root of the repository; each
describes the ``payload`` of one event type at one schema version.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from sos.core.events import DomainEvent

CONTRACTS_DIR_VARIABLE = "SOS_EVENT_CONTRACTS_DIR"
_VERSION_FILE = re.compile(r"^v(?P<version>[1-9][0-9]*)\.schema\.json$")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


class EventContractError(ValueError):
    """An event that breaks its contract: an unknown type or version, or a payload its schema rejects."""

    def __init__(self, message: str, *, event_type: str, schema_version: int, path: str | None = None) -> None:
        super().__init__(message)
        self.event_type = event_type
        self.schema_version = schema_version
        self.path = path


def contracts_dir() -> Path:
    """``packages/contracts/events`` of this checkout, or the directory named by ``SOS_EVENT_CONTRACTS_DIR``."""
    configured = os.environ.get(CONTRACTS_DIR_VARIABLE)
    if configured:
        return Path(configured)
    return _checkout_contracts_dir()


@cache
def _checkout_contracts_dir() -> Path:
    """Searched once per process: consumers validate every message, and the search touches the file system."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "packages" / "contracts" / "events"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("packages/contracts/events was not found above " + str(Path(__file__).resolve()))


def schemas_dir(root: Path | None = None) -> Path:
    return (root or contracts_dir()) / "schemas"


def schema_files(directory: Path) -> dict[tuple[str, int], Path]:
    """Every ``<type>/v<N>.schema.json`` under ``directory``, keyed by ``(type, N)``."""
    found: dict[tuple[str, int], Path] = {}
    for path in sorted(directory.glob("*/v*.schema.json")):
        match = _VERSION_FILE.match(path.name)
        if match is not None:
            found[(path.parent.name, int(match["version"]))] = path
    return found


def load_schema(path: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


_FORMATS = FormatChecker()


@_FORMATS.checks("date-time")
def _is_date_time(instance: object) -> bool:
    """RFC 3339 with its mandatory offset; jsonschema checks it only when an optional package is installed."""
    if not isinstance(instance, str):
        return True
    if _RFC3339.match(instance) is None:
        return False
    try:
        datetime.fromisoformat(instance.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@cache
def _validators(directory: Path) -> dict[tuple[str, int], Draft202012Validator]:
    files = schema_files(directory)
    if not files:
        raise FileNotFoundError(f"no event schemas in {directory}; set {CONTRACTS_DIR_VARIABLE} to the contracts")
    return {key: Draft202012Validator(load_schema(path), format_checker=_FORMATS) for key, path in files.items()}


def known_contracts() -> frozenset[tuple[str, int]]:
    return frozenset(_validators(schemas_dir()))


def json_pointer(error: ValidationError) -> str:
    """Where in the payload the error is, as a JSON Pointer (``/changes/title``); ``/`` for the payload itself."""
    return "/" + "/".join(str(part) for part in error.absolute_path)


def validate_payload(event_type: str, schema_version: int, payload: Any) -> None:
    """Raises :class:`EventContractError` unless ``payload`` matches the schema of that type and version."""
    validator = _validators(schemas_dir()).get((event_type, schema_version))
    if validator is None:
        raise EventContractError(
            f"No contract for {event_type} v{schema_version}: add "
            f"packages/contracts/events/schemas/{event_type}/v{schema_version}.schema.json",
            event_type=event_type,
            schema_version=schema_version,
        )
    error = min(validator.iter_errors(payload), key=_error_rank, default=None)
    if error is not None:
        path = json_pointer(error)
        raise EventContractError(
            f"{event_type} v{schema_version} payload at {path}: {error.message}",
            event_type=event_type,
            schema_version=schema_version,
            path=path,
        )


def validate_event(event: DomainEvent) -> None:
    validate_payload(event.type, event.schema_version, event.payload)


def _error_rank(error: ValidationError) -> tuple[int, str]:
    """The shallowest error first, then in a stable order, so the message is the same on every run."""
    return len(error.absolute_path), json_pointer(error)
