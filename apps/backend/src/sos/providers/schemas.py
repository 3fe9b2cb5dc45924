from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from sos.core.schemas import ReadModel
from sos.notifications.domain import NotificationChannel
from sos.providers.resilience import BreakerState

_NAME = Field(min_length=1, max_length=80)


class ProviderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=32, description="smtp, twilio, http_sms, fcm or apns")
    name: str = _NAME
    priority: int = Field(default=100, ge=0, le=10_000, description="Lower goes first; the next takes over on failure")
    enabled: bool = True
    settings: dict[str, Any] = Field(default_factory=dict, description="The kind's settings; see GET .../kinds")
    secrets: dict[str, Any] = Field(
        default_factory=dict, description="The kind's credentials; stored encrypted and never returned"
    )
    rate_limit_per_second: int | None = Field(default=None, ge=1, le=100_000)


class ProviderUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=80)
    priority: int | None = Field(default=None, ge=0, le=10_000)
    enabled: bool | None = None
    settings: dict[str, Any] | None = None
    secrets: dict[str, Any] | None = Field(
        default=None, description="Replaces all stored credentials when given; leave out to keep them"
    )
    rate_limit_per_second: int | None = Field(default=None, ge=1, le=100_000)


class ProviderHealth(ReadModel):
    breaker: BreakerState | None = Field(
        description="As this API process sees it (each worker keeps its own); None for built-in providers, which "
        "keep one breaker per destination host"
    )
    consecutive_failures: int | None
    attempts_last_hour: int
    failures_last_hour: int
    success_rate_last_hour: float | None
    p95_latency_ms_last_hour: int | None
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None


class ProviderRead(ReadModel):
    id: UUID | None = Field(description="None for built-in providers, which need no account")
    kind: str
    name: str
    channels: list[NotificationChannel]
    priority: int
    enabled: bool
    built_in: bool
    settings: dict[str, Any]
    secret_fields: list[str] = Field(description="Which credentials are stored; their values are never returned")
    problem: str | None = Field(
        default=None, description="Why the account is skipped when sending, such as credentials the key cannot read"
    )
    rate_limit_per_second: int | None
    version: int
    status_callback_url: str | None = Field(description="Give this to the provider for delivery receipts")
    inbound_url: str | None = Field(description="Give this to the provider for inbound SMS replies")
    health: ProviderHealth


class ProviderKindRead(ReadModel):
    kind: str
    channels: list[NotificationChannel]
    configurable: bool
    receipts: bool
    settings_schema: dict[str, Any]
    secrets_schema: dict[str, Any]


class HealthCheckRead(ReadModel):
    ok: bool
    detail: str
    duration_ms: int
