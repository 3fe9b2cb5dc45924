"""Dispatch events. Offers and chains are recorded on the alert's own stream (``alert.offer_*``,
``alert.dispatch_exhausted``), so they stay in order with the alert and land on its timeline with their reason."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sos.alerts.events import alert_event
from sos.core.events import DomainEvent, plain


def offer_event(event_type: str, offer: Any, *, actor_id: UUID | None, **extra: Any) -> DomainEvent:
    """``alert.offer_<event_type>`` about ``offer`` (a row or mapping of ``dispatch_offers``)."""
    return alert_event(
        f"offer_{event_type}",
        alert_id=offer["alert_id"],
        organization_id=offer["organization_id"],
        actor_id=actor_id,
        offer_id=offer["id"],
        responder_id=offer["responder_id"],
        mode=str(offer["mode"]),
        chain_id=offer["chain_id"],
        team_id=offer["team_id"],
        rank=offer["rank"],
        distance_m=offer["distance_m"],
        eta_seconds=offer["eta_seconds"],
        skills=list(offer["skills"]),
        reason=offer["reason"],
        **extra,
    )


def exhausted_event(chain: Any, *, offers_made: int, reason: str) -> DomainEvent:
    return alert_event(
        "dispatch_exhausted",
        alert_id=chain["alert_id"],
        organization_id=chain["organization_id"],
        actor_id=None,
        chain_id=chain["id"],
        team_id=chain["team_id"],
        skills=list(chain["skills"]),
        offers_made=offers_made,
        max_offers=chain["max_offers"],
        started_by_id=chain["started_by_id"],
        reason=reason,
    )


def settings_event(settings: dict[str, Any], *, actor_id: UUID) -> DomainEvent:
    """``team_dispatch_settings.updated``: a team's dispatch mode, timeout, skills, offer limit or radius changed."""
    return DomainEvent(
        type="team_dispatch_settings.updated",
        aggregate_type="team_dispatch_settings",
        aggregate_id=settings["team_id"],
        organization_id=settings["organization_id"],
        actor_id=actor_id,
        payload=plain(
            {
                "team_id": settings["team_id"],
                "mode": str(settings["mode"]),
                "offer_timeout_seconds": settings["offer_timeout_seconds"],
                "required_skills": list(settings["required_skills"]),
                "max_offers": settings["max_offers"],
                "radius_km": settings["radius_km"],
                "version": settings["version"],
            }
        ),
    )
