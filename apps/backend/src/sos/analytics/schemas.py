"""The response-time report."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from sos.alerts.domain import Severity


class DurationStats(BaseModel):
    """Statistics of one duration over the alerts that reached that step; null when none did."""

    count: int = Field(description="Alerts in the sample")
    mean_seconds: float | None
    p50_seconds: float | None = Field(description="Median, linearly interpolated")
    p90_seconds: float | None = Field(description="90th percentile, linearly interpolated")


class ResponseTimes(BaseModel):
    organization_id: UUID
    triggered_after: datetime | None = Field(description="Window start (inclusive), on the trigger time")
    triggered_before: datetime | None = Field(description="Window end (exclusive), on the trigger time")
    severity: list[Severity] = Field(description="The severities counted; empty means all")
    alerts: int = Field(description="Alerts triggered in the window")
    mtta: DurationStats = Field(description="Time from trigger to first acknowledgement")
    mttr: DurationStats = Field(description="Time from trigger to resolution (the last one, after a reopening)")
