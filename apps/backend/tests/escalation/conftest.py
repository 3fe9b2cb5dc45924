from __future__ import annotations

import pytest

from sos.core.container import Container
from sos.escalation.scheduler import EscalationDueWork


@pytest.fixture
def due_work(container: Container) -> EscalationDueWork:
    """The escalation scheduler work, stepped by the tests at the times they choose."""
    return EscalationDueWork(container.uow_factory)
