from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from sos.core.schemas import ReadModel


class TimelineEntryRead(ReadModel):
    id: UUID
    kind: str = Field(description="The event type, such as alert.acknowledged or message.posted")
    occurred_at: datetime
    actor_id: UUID | None
    alert_id: UUID | None
    incident_id: UUID | None
    data: dict[str, Any] = Field(description="The event payload")
