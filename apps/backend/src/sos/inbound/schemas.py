"""What providers post to the install's webhooks, and what the gateway gets back."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sos.core.schemas import refuse_nul
from sos.providers.channels.http_sms import INBOUND_TEXT_MAX_CHARS
from sos.providers.channels.twilio import e164_number

MAX_WEBHOOK_BYTES = 16 * 1024
"""Twilio's callbacks are a few hundred bytes, an inbound SMS at most 1,600 characters."""
MAX_FORM_FIELDS = 100
ACK_TOKEN_MAX_CHARS = 512


class _TwilioForm(BaseModel):
    """Twilio posts many more parameters than these; the rest are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=False)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)


class TwilioInboundSms(_TwilioForm):
    sender: str = Field(alias="From", max_length=32)
    text: str = Field(alias="Body", max_length=INBOUND_TEXT_MAX_CHARS)

    @field_validator("sender")
    @classmethod
    def _e164(cls, value: str) -> str:
        return e164_number(value)


class TwilioKeypress(_TwilioForm):
    digits: str = Field(default="", alias="Digits", max_length=32)


class GatewayReply(BaseModel):
    reply: str = Field(description="The SMS the gateway sends back to the sender; empty means send nothing")
