from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sos.core.event_compat import proto_messages, proto_snapshot
from sos.core.event_contracts import contracts_dir


@pytest.fixture(scope="session")
def contracts_root() -> Path:
    return contracts_dir()


@pytest.fixture(scope="session")
def compiled_messages(contracts_root: Path) -> dict[str, dict[str, Any]]:
    """Every message of package sos.events.v1, compiled by protoc, as field snapshots."""
    return {name: proto_snapshot(message) for name, message in proto_messages(contracts_root / "proto").items()}
