"""Notification states and channels. This issue delivers in-app only; other channels plug into the same pipeline."""

from enum import StrEnum


class NotificationStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


class NotificationChannel(StrEnum):
    IN_APP = "in_app"


class AttemptStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


INBOX_STATUSES = frozenset({NotificationStatus.DELIVERED, NotificationStatus.READ})
"""What the user's in-app inbox shows: a notification appears once it has been delivered."""

STUCK_AFTER_SECONDS = 60
"""A pending notification whose job has not finished this long after it was enqueued is enqueued again."""
