from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from sos.core.schemas import ReadModel, StrictInput


class MessageCreate(StrictInput):
    body: str = Field(min_length=1, max_length=4000, description="Plain text; surrounding whitespace is trimmed")


class MessageRead(ReadModel):
    id: UUID
    alert_id: UUID | None
    incident_id: UUID | None
    author_id: UUID | None
    body: str
    created_at: datetime
