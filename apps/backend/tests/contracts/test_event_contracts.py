"""validate_event accepts what the contracts describe and names the failing field of what they do not."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from sos.core.event_contracts import (
    CONTRACTS_DIR_VARIABLE,
    EventContractError,
    contracts_dir,
    known_contracts,
    validate_event,
    validate_payload,
)
from sos.core.events import DomainEvent, aggregate_event
from sos.core.ids import new_id

ALERT = UUID("01900000-0000-7000-8000-000000000001")
ORG = UUID("01900000-0000-7000-8000-000000000002")


def _triggered(**overrides: Any) -> DomainEvent:
    payload = {
        "severity": "high",
        "category": "medical",
        "source": "app",
        "lat": 52.5,
        "lon": 13.4,
        "accuracy_m": None,
        "note": None,
    } | overrides
    return aggregate_event("alert", "triggered", aggregate_id=ALERT, organization_id=ORG, actor_id=None, **payload)


def test_a_payload_that_matches_its_schema_passes() -> None:
    validate_event(_triggered())


def test_a_check_in_sos_is_a_valid_source() -> None:
    validate_event(_triggered(source="checkin"))


def test_an_unknown_event_type_is_rejected() -> None:
    event = DomainEvent(
        type="alert.teleported", aggregate_type="alert", aggregate_id=ALERT, organization_id=ORG, payload={}
    )
    with pytest.raises(EventContractError, match=r"No contract for alert\.teleported v1"):
        validate_event(event)


def test_an_unknown_schema_version_is_rejected() -> None:
    with pytest.raises(EventContractError, match=r"alert\.triggered v99") as caught:
        validate_payload("alert.triggered", 99, _triggered().payload)
    assert caught.value.schema_version == 99


def test_a_value_outside_the_enum_names_its_field() -> None:
    with pytest.raises(EventContractError, match="at /severity") as caught:
        validate_event(_triggered(severity="apocalyptic"))
    assert caught.value.path == "/severity"
    assert caught.value.event_type == "alert.triggered"


def test_a_missing_required_property_is_rejected() -> None:
    event = _triggered()
    del event.payload["lat"]
    with pytest.raises(EventContractError, match="'lat' is a required property"):
        validate_event(event)


def test_a_property_the_schema_does_not_know_is_rejected() -> None:
    with pytest.raises(EventContractError, match="'reporter' was unexpected"):
        validate_event(_triggered(reporter={"name": "Ann"}))


def test_a_malformed_uuid_is_rejected() -> None:
    event = _triggered()
    event.payload["alert_id"] = "not-a-uuid"
    with pytest.raises(EventContractError, match="at /alert_id: 'not-a-uuid' is not a 'uuid'"):
        validate_event(event)


@pytest.mark.parametrize("recorded_at", ["2026-03-29T02:30:00", "yesterday", "2026-13-01T00:00:00Z"])
def test_a_timestamp_without_offset_or_not_a_timestamp_is_rejected(recorded_at: str) -> None:
    payload = {"alert_id": str(ALERT), "lat": 1.0, "lon": 2.0, "accuracy_m": 5.0, "recorded_at": recorded_at}
    with pytest.raises(EventContractError, match="at /recorded_at"):
        validate_payload("alert.location_recorded", 1, payload)


def test_an_rfc3339_timestamp_with_offset_passes() -> None:
    payload = {"alert_id": str(ALERT), "lat": 1.0, "lon": 2.0, "accuracy_m": None}
    validate_payload("alert.location_recorded", 1, payload | {"recorded_at": "2026-03-29T02:30:00.123+02:00"})
    validate_payload("alert.location_recorded", 1, payload | {"recorded_at": "2026-03-29T00:30:00Z"})


def test_the_path_of_a_nested_field_is_named() -> None:
    payload = {"incident_id": str(new_id()), "changes": {"title": ""}, "version": 2}
    with pytest.raises(EventContractError, match="at /changes/title"):
        validate_payload("incident.updated", 1, payload)


def test_a_contracts_directory_without_schemas_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CONTRACTS_DIR_VARIABLE, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="no event schemas"):
        known_contracts()


def test_the_contracts_directory_can_be_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CONTRACTS_DIR_VARIABLE, str(tmp_path))
    assert contracts_dir() == tmp_path
