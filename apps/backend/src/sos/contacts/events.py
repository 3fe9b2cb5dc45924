"""Events about contact methods and a user's notification settings. None carries a full address or a code."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.contacts.domain import SECRET_CHANNELS, mask_address
from sos.core.events import DomainEvent, aggregate_event, plain
from sos.notifications.domain import NotificationChannel


def shown_address(channel: NotificationChannel, address: str) -> str:
    """The address as events may carry it; a secret one is already stored masked."""
    return address if channel in SECRET_CHANNELS else mask_address(channel, address)


def contact_method_event(
    event_type: str,
    *,
    contact_method_id: UUID,
    organization_id: UUID,
    actor_id: UUID | None,
    user_id: UUID,
    channel: NotificationChannel,
    **payload: Any,
) -> DomainEvent:
    return aggregate_event(
        "contact_method",
        event_type,
        aggregate_id=contact_method_id,
        organization_id=organization_id,
        actor_id=actor_id,
        user_id=user_id,
        channel=channel.value,
        **payload,
    )


def settings_event(event_type: str, *, user_id: UUID, organization_id: UUID, **payload: Any) -> DomainEvent:
    """``notification_settings.<event_type>`` on the user's own stream; the user is always the actor."""
    return DomainEvent(
        type=f"notification_settings.{event_type}",
        aggregate_type="notification_settings",
        aggregate_id=user_id,
        organization_id=organization_id,
        actor_id=user_id,
        payload={"user_id": str(user_id), **plain(payload)},
    )
