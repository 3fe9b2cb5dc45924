from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from sos.core.container import Container


@pytest.fixture(autouse=True)
async def relay_held(app: FastAPI, container: Container) -> AsyncIterator[None]:
    """Keeps verification messages undelivered while a test reads their codes.

    A delivered (or failed) verification message has its code redacted, and the in-process relay would otherwise
    deliver it whenever its poll comes round, racing the test."""
    await container.relay.stop()
    yield
    container.relay.start()
