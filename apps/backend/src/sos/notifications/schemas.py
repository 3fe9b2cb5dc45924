from __future__ import annotations

from datetime import datetime
from uuid import UUID

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
