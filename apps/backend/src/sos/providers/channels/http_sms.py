"""A generic HTTP SMS gateway, for providers without an adapter of their own or a self-hosted modem gateway.

The gateway contract:

Sending. ``POST {url}`` with ``Authorization: Bearer {api_key}``, ``Idempotency-Key: {reference}`` and JSON
``{"to": "+14155550100", "from": "{sender}", "text": "...", "reference": "{notification id}",
"status_url": "{where to post delivery receipts}"}``. Success is any 2xx with JSON ``{"id": "{gateway message id}"}``.
A 429, 408 or 5xx is retried later (honouring ``Retry-After``); 401 and 403 count against the gateway's circuit
breaker; any other 4xx refuses the message for good, and its JSON body may say
``{"code": "...", "recipient_gone": true}`` when the number will never take SMS again (it opted out, it is
not a mobile number).

Webhooks to the install, signed with the webhook secret. Headers ``X-SOS-Timestamp: {unix seconds}`` and
``X-SOS-Signature: sha256={hex HMAC-SHA256 of "{timestamp}.{raw body}"}``; the timestamp must be within five
minutes of the install's clock.

- ``POST {status_url}``, JSON ``{"id": "{gateway message id}", "status": "queued|sent|delivered|failed",
  "error_code": "..."}`` (``error_code`` optional). Answered ``204``.
- ``POST {external_url}/api/v1/webhooks/providers/{provider id}/inbound``, JSON ``{"from": "+14155550100",
  "text": "..."}``, an SMS a user sent to the gateway's number. Answered ``{"reply": "..."}``: the gateway sends
  ``reply`` back to the sender when it is not empty.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Annotated, Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sos.notifications.domain import NotificationChannel
from sos.providers.channels.base import (
    AdapterConfig,
    AdapterSettings,
    DeliveryReceipt,
    HealthCheck,
    OutboundMessage,
    ProviderError,
    SendResult,
)
from sos.providers.channels.registry import ADAPTERS, AdapterSpec
from sos.providers.channels.twilio import e164_number, retry_after_seconds, service_url, sms_text

SIGNATURE_TOLERANCE_SECONDS = 300
INBOUND_TEXT_MAX_CHARS = 1600
_SENDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ]{0,10}$")
_ERROR_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class HttpSmsSettings(AdapterSettings):
    url: str = Field(max_length=500, description="Where messages are posted; https (http only on loopback)")
    sender: str = Field(description="An E.164 number, or an alphanumeric sender id of up to 11 characters")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return service_url(value)

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        if value.startswith("+"):
            return e164_number(value)
        if not _SENDER_ID.match(value) or value.isdigit():
            raise ValueError("must be an E.164 number or 1-11 letters, digits and spaces")
        return value


class HttpSmsSecrets(AdapterSettings):
    api_key: str = Field(min_length=8, max_length=500, repr=False)
    webhook_secret: str = Field(min_length=16, max_length=200, repr=False)


def gateway_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-SOS-Signature`` header value for a webhook body sent at ``timestamp`` (unix seconds, as sent)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def valid_gateway_signature(
    secret: str, timestamp: str | None, body: bytes, signature: str | None, *, now: float | None = None
) -> bool:
    if not timestamp or not signature or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > SIGNATURE_TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(gateway_signature(secret, timestamp, body).encode(), signature.encode())


class _Status(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=200)
    status: Literal["queued", "sent", "delivered", "failed"]
    error_code: Annotated[str, Field(max_length=64)] | None = None


class _Inbound(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sender: str = Field(alias="from", max_length=32)
    text: str = Field(max_length=INBOUND_TEXT_MAX_CHARS)

    @field_validator("sender")
    @classmethod
    def _e164(cls, value: str) -> str:
        return e164_number(value)

    @field_validator("text")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
        return value


def parse_gateway_status(body: bytes) -> DeliveryReceipt | None:
    """A status webhook's JSON as a receipt; None while the message is still on its way.

    Raises pydantic's ValidationError for a body that breaks the contract."""
    status = _Status.model_validate_json(body)
    raw = {"id": status.id, "status": status.status, **({"error_code": status.error_code} if status.error_code else {})}
    if status.status == "delivered":
        return DeliveryReceipt(provider_message_id=status.id, delivered=True, failed=False, raw=raw)
    if status.status == "failed":
        return DeliveryReceipt(
            provider_message_id=status.id, delivered=False, failed=True, error_code=status.error_code, raw=raw
        )
    return None


def parse_gateway_inbound(body: bytes) -> tuple[str, str]:
    """An inbound SMS webhook's JSON as the E.164 sender and the text; ValidationError when it breaks the contract."""
    inbound = _Inbound.model_validate_json(body)
    return inbound.sender, inbound.text


class _Accepted(BaseModel):
    id: str = Field(min_length=1, max_length=200)


class HttpSmsAdapter:
    def __init__(self, config: AdapterConfig) -> None:
        if not isinstance(config.settings, HttpSmsSettings) or not isinstance(config.secrets, HttpSmsSecrets):
            raise TypeError("an http_sms adapter needs HttpSmsSettings and HttpSmsSecrets")
        self._settings = config.settings
        self._api_key = config.secrets.api_key
        self._http = config.http

    def _headers(self, message: OutboundMessage | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._api_key}"}
        if message is not None:
            headers["Idempotency-Key"] = str(message.id)
        return headers

    async def send(self, message: OutboundMessage) -> SendResult:
        if message.recipient.channel is not NotificationChannel.SMS:
            raise ProviderError(
                f"an SMS gateway does not deliver {message.recipient.channel.value}",
                permanent=True,
                code="unsupported_channel",
            )
        payload = {
            "to": message.recipient.address,
            "from": self._settings.sender,
            "text": sms_text(message),
            "reference": str(message.id),
            "status_url": message.status_callback_url,
        }
        try:
            response = await self._http.post(self._settings.url, json=payload, headers=self._headers(message))
        except httpx.TimeoutException:
            raise ProviderError("the SMS gateway did not answer in time", permanent=False, code="timeout") from None
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"the SMS gateway cannot be reached ({type(exc).__name__})", permanent=False, code="network"
            ) from None
        if not response.is_success:
            raise _error(response)
        try:
            accepted = _Accepted.model_validate_json(response.content)
        except ValidationError:
            raise ProviderError(
                "the SMS gateway accepted the message but returned no id", permanent=False, code="no_id"
            ) from None
        return SendResult(provider_message_id=accepted.id)

    async def check_health(self) -> HealthCheck:
        """The contract has no status call, so any HTTP answer to an empty GET proves the gateway is up; a 401 or
        403 says the key is refused."""
        try:
            response = await self._http.get(self._settings.url, headers=self._headers())
        except httpx.HTTPError as exc:
            return HealthCheck(ok=False, detail=f"the SMS gateway cannot be reached ({type(exc).__name__})")
        if response.status_code in (401, 403):
            return HealthCheck(ok=False, detail=f"the SMS gateway refused the API key (HTTP {response.status_code})")
        if response.status_code >= 500:
            return HealthCheck(ok=False, detail=f"the SMS gateway failed with HTTP {response.status_code}")
        return HealthCheck(ok=True, detail=f"the SMS gateway answered HTTP {response.status_code}")


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error(response: httpx.Response) -> ProviderError:
    status = response.status_code
    body = _error_body(response)
    given = body.get("code")
    code = given if isinstance(given, str) and _ERROR_CODE.match(given) else f"http_{status}"
    if status in (408, 429) or status >= 500:
        return ProviderError(
            f"the SMS gateway failed with HTTP {status}",
            permanent=False,
            code=code,
            retry_after=retry_after_seconds(response),
        )
    if status in (401, 403):
        # As with Twilio: a refused key fails every message, so it must open the breaker and fail over.
        return ProviderError(f"the SMS gateway refused the API key (HTTP {status})", permanent=False, code=code)
    return ProviderError(
        f"the SMS gateway refused the message (HTTP {status}, {code})",
        permanent=True,
        code=code,
        recipient_gone=body.get("recipient_gone") is True,
    )


ADAPTERS.register(
    AdapterSpec(
        kind="http_sms",
        channels=frozenset({NotificationChannel.SMS}),
        settings_model=HttpSmsSettings,
        secrets_model=HttpSmsSecrets,
        build=HttpSmsAdapter,
        configurable=True,
        receipts=True,
    )
)
