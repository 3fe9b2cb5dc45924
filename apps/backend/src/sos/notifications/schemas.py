from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

from sos.core.schemas import ReadModel
from sos.notifications.domain import NotificationChannel, NotificationStatus


class NotificationRead(ReadModel):
    id: UUID
    kind: str
    alert_id: UUID | None
    channel: NotificationChannel
    title: str
    body: str
    status: NotificationStatus
    created_at: datetime
    delivered_at: datetime | None
    read_at: datetime | None


class AckResult(BaseModel):
    status: Literal["acknowledged", "already_acknowledged", "closed", "expired", "used", "invalid"]
    alert_id: UUID | None
    message: str
