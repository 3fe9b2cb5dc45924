"""Frames a WebSocket client sends."""

from __future__ import annotations

from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import Field, TypeAdapter, model_validator

from sos.core.schemas import StrictInput
from sos.messages.schemas import MessageCreate


class AuthFrame(StrictInput):
    """The first frame: the access token, and the last cursor the client saw (to replay after it)."""

    type: Literal["auth"]
    token: str = Field(min_length=1, max_length=4096)
    last_event_id: str | None = Field(default=None, max_length=100)


class PingFrame(StrictInput):
    type: Literal["ping"]


class MessageFrame(MessageCreate):
    """Posts a message on an alert or an incident, as ``POST .../messages`` does; answered ``ack`` or ``error``."""

    type: Literal["message"]
    client_id: str = Field(min_length=1, max_length=100, description="Echoed in the answer")
    alert_id: UUID | None = None
    incident_id: UUID | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> Self:
        if (self.alert_id is None) == (self.incident_id is None):
            raise ValueError("name exactly one of alert_id and incident_id")
        return self

    @property
    def subject_id(self) -> UUID:
        """The alert or incident the message is on."""
        subject = self.alert_id or self.incident_id
        if subject is None:  # the validator above makes this impossible
            raise ValueError("name exactly one of alert_id and incident_id")
        return subject


ClientFrame = Annotated[AuthFrame | PingFrame | MessageFrame, Field(discriminator="type")]
CLIENT_FRAME: TypeAdapter[AuthFrame | PingFrame | MessageFrame] = TypeAdapter(ClientFrame)
