"""Notification states, channels and the timing rules of delivery, free of I/O."""

from __future__ import annotations

from enum import StrEnum


class NotificationStatus(StrEnum):
    PENDING = "pending"
    """Waiting until it is due, then for its delivery job."""
    SENDING = "sending"
    """A job holds it and is talking to a provider; the lease on it runs out if that job dies."""
    SENT = "sent"
    """A provider accepted it; a delivery receipt may still follow."""
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    CANCELLED = "cancelled"
    """Not sent: the alert was acknowledged or closed first, or the contact method went away."""


class NotificationChannel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    SMS = "sms"
    VOICE = "voice"
    WEB_PUSH = "web_push"
    FCM = "fcm"
    APNS = "apns"
    SLACK = "slack"
    TEAMS = "teams"
    MATTERMOST = "mattermost"


EXTERNAL_CHANNELS = frozenset(NotificationChannel) - {NotificationChannel.IN_APP}
PUSH_CHANNELS = frozenset({NotificationChannel.WEB_PUSH, NotificationChannel.FCM, NotificationChannel.APNS})
CHAT_CHANNELS = frozenset({NotificationChannel.SLACK, NotificationChannel.TEAMS, NotificationChannel.MATTERMOST})
PHONE_CHANNELS = frozenset({NotificationChannel.SMS, NotificationChannel.VOICE})


class AttemptStatus(StrEnum):
    SUCCEEDED = "succeeded"
    """The provider accepted the message."""
    DELIVERED = "delivered"
    """The provider later reported it delivered to the device or handset."""
    FAILED = "failed"


class Urgency(StrEnum):
    DEFAULT = "default"
    CRITICAL = "critical"
    """Critical alerts follow their own rules and ring through quiet hours."""


class NotificationPurpose(StrEnum):
    PAGE = "page"
    """About an alert someone must act on: stops once the alert is acknowledged or closed."""
    VERIFICATION = "verification"
    """A code proving the user controls a contact method; goes out before it is verified."""
    TEST = "test"
    """A test message the user asked for."""


INBOX_STATUSES = frozenset({NotificationStatus.DELIVERED, NotificationStatus.READ})
"""What the user's in-app inbox shows: a notification appears once it has been delivered."""

FINAL_STATUSES = frozenset(
    {NotificationStatus.DELIVERED, NotificationStatus.READ, NotificationStatus.FAILED, NotificationStatus.CANCELLED}
)

STUCK_AFTER_SECONDS = 60
"""A pending notification whose job has not finished this long after it was enqueued is enqueued again."""

MAX_DELIVERY_ROUNDS = 6
"""Rounds over the providers of a channel, with backoff between them, before the channel is given up for the next."""
