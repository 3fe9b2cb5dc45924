"""Twilio: SMS through the Messages API, and voice calls that read the alert and take "press 1 to acknowledge".

Also the pieces the SMS gateway adapter and the inbound webhooks share: E.164 numbers, service URLs, SMS text,
Twilio's request signature (``X-Twilio-Signature``), its status callbacks and the TwiML answers to its webhooks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any, Self
from urllib.parse import urlsplit

import httpx
import phonenumbers
from pydantic import Field, field_validator, model_validator

from sos.core.db import utcnow
from sos.notifications.domain import NotificationChannel, NotificationPurpose
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

API_VERSION = "2010-04-01"
SMS_TARGET_CHARS = 320
"""Two concatenated segments at most: cheap, and delivered as one message nearly everywhere."""
SMS_MAX_CHARS = 1600
"""Twilio's limit on a message body."""
VOICE_MAX_CHARS = 1000
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def e164_number(value: str) -> str:
    """``value`` as an E.164 number, such as ``+14155550100``; ValueError when it is not a valid phone number."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValueError("must be a phone number in international format, such as +14155550100") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("must be a valid phone number in international format, such as +14155550100")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def service_url(value: str) -> str:
    """An https URL without credentials in it; plain http only on the loopback interface (local gateways, tests)."""
    parts = urlsplit(value)
    if parts.username or parts.password:
        raise ValueError("must not carry credentials; they belong in the secrets")
    if not parts.hostname or parts.scheme not in {"https", "http"}:
        raise ValueError("must be an https URL")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        raise ValueError("must use https (plain http is allowed only for 127.0.0.1 and localhost)")
    return value.rstrip("/")


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def sms_text(message: OutboundMessage) -> str:
    """The SMS for a message: a page says how to acknowledge by reply; verification codes and tests say nothing more."""
    if message.purpose is not NotificationPurpose.PAGE:
        head = f"{message.title}: {message.body}" if message.title else message.body
        return _shorten(head, SMS_TARGET_CHARS)
    if message.bundle_size > 1:
        # The pipeline wrote a bundle's title and body, naming each alert with its code.
        head = f"{message.title}: {message.body}"
        hint = "Reply 1 to acknowledge all, or ACK <code> for one."
    else:
        head = f"SOS {message.title}: {message.body}"
        hint = f"Reply 1 or ACK {message.ack_code} to acknowledge." if message.ack_code else "Reply 1 to acknowledge."
    tail = " ".join(part for part in (hint, message.alert_url) if part)
    # The hint and link must survive whole: the alert text gives way, down to a few words of it.
    room = max(SMS_TARGET_CHARS - len(tail) - 1, 60)
    head = _sentence(_shorten(head, room - 1))
    return _shorten(f"{head} {tail}", SMS_MAX_CHARS)


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's ``X-Twilio-Signature``: HMAC-SHA1 over the URL followed by every POST parameter, sorted by name, as
    name and value with nothing between them; base64 encoded."""
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def valid_twilio_signature(auth_token: str, url: str, params: Mapping[str, str], signature: str | None) -> bool:
    if not signature:
        return False
    return hmac.compare_digest(twilio_signature(auth_token, url, params).encode(), signature.encode())


_DELIVERED = frozenset({"delivered", "read", "completed"})
_FAILED = frozenset({"failed", "undelivered", "busy", "no-answer", "canceled"})
_RECEIPT_FIELDS = (
    "AccountSid",
    "MessageSid",
    "MessageStatus",
    "CallSid",
    "CallStatus",
    "CallDuration",
    "AnsweredBy",
    "ErrorCode",
    "ApiVersion",
)
"""What of a callback is kept: ids, states and codes, never the phone numbers or the text."""


def parse_twilio_status(params: Mapping[str, str]) -> DeliveryReceipt | None:
    """A message or call status callback as a receipt; None while it is still on its way (queued, sent, ringing).

    Raises ValueError when the callback names no message or call, or no status."""
    sid = params.get("MessageSid") or params.get("SmsSid") or params.get("CallSid")
    status = params.get("MessageStatus") or params.get("SmsStatus") or params.get("CallStatus")
    if not sid or not status:
        raise ValueError("a status callback needs MessageSid and MessageStatus, or CallSid and CallStatus")
    raw = {name: params[name][:200] for name in _RECEIPT_FIELDS if params.get(name)}
    if status in _DELIVERED:
        return DeliveryReceipt(provider_message_id=sid, delivered=True, failed=False, raw=raw)
    if status in _FAILED:
        code = params.get("ErrorCode") or status
        return DeliveryReceipt(provider_message_id=sid, delivered=False, failed=True, error_code=code[:64], raw=raw)
    return None


def _twiml(*elements: ET.Element) -> str:
    response = ET.Element("Response")
    response.extend(elements)
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(response, encoding="unicode")


def _say(text: str, language: str) -> ET.Element:
    say = ET.Element("Say", language=language)
    say.text = text
    return say


def twiml_say(text: str, language: str = "en-US") -> str:
    return _twiml(_say(text, language))


def twiml_message(text: str) -> str:
    """The answer to an inbound SMS: Twilio sends ``text`` back to the sender; nothing when it is empty."""
    if not text:
        return _twiml()
    reply = ET.Element("Message")
    reply.text = text
    return _twiml(reply)


def voice_twiml(message: OutboundMessage, language: str) -> str:
    """A page is read out and takes one key; anything else (a verification code) is read out twice."""
    if message.purpose is NotificationPurpose.PAGE:
        spoken = _shorten(f"This is an SOS alert. {_sentence(message.title)} {message.body}", VOICE_MAX_CHARS)
    else:
        spoken = _shorten(f"{_sentence(message.title)} {message.body}", VOICE_MAX_CHARS)
    spoken = _sentence(spoken)
    if message.purpose is not NotificationPurpose.PAGE or not message.voice_gather_url:
        return _twiml(_say(spoken, language), ET.Element("Pause", length="1"), _say(spoken, language))
    gather = ET.Element("Gather", numDigits="1", action=message.voice_gather_url, method="POST", timeout="10")
    gather.append(_say(f"{spoken} Press 1 to acknowledge.", language))
    return _twiml(gather, _say("No key pressed. Goodbye.", language))


class TwilioSettings(AdapterSettings):
    account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$")
    from_number: str | None = Field(default=None, description="The Twilio number SMS come from, in E.164")
    messaging_service_sid: str | None = Field(
        default=None, pattern=r"^MG[0-9a-fA-F]{32}$", description="Send SMS through a Messaging Service instead"
    )
    voice_from_number: str | None = Field(default=None, description="The number calls come from; else from_number")
    api_base_url: str = "https://api.twilio.com"
    voice_language: str = Field(default="en-US", pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")

    @field_validator("from_number", "voice_from_number")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return None if value is None else e164_number(value)

    @field_validator("api_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return service_url(value)

    @model_validator(mode="after")
    def _a_sender(self) -> Self:
        if not self.from_number and not self.messaging_service_sid:
            raise ValueError("set from_number or messaging_service_sid")
        return self


class TwilioSecrets(AdapterSettings):
    auth_token: str = Field(min_length=16, max_length=128, repr=False)


_RECIPIENT_GONE = {
    21211: "the number is not a valid phone number",
    21610: "the recipient has opted out (replied STOP)",
    21614: "the number cannot receive SMS",
}
_PERMANENT = {
    21408: "this account may not send to the recipient's region",
    21606: "the sending number cannot send SMS",
    21612: "the recipient cannot be reached from this number",
}


class TwilioAdapter:
    def __init__(self, config: AdapterConfig) -> None:
        if not isinstance(config.settings, TwilioSettings) or not isinstance(config.secrets, TwilioSecrets):
            raise TypeError("a twilio adapter needs TwilioSettings and TwilioSecrets")
        self._settings = config.settings
        self._auth = httpx.BasicAuth(config.settings.account_sid, config.secrets.auth_token)
        self._http = config.http
        self._account_url = f"{config.settings.api_base_url}/{API_VERSION}/Accounts/{config.settings.account_sid}"

    async def send(self, message: OutboundMessage) -> SendResult:
        channel = message.recipient.channel
        if channel is NotificationChannel.SMS:
            form = self._sms_form(message)
            resource = "Messages.json"
        elif channel is NotificationChannel.VOICE:
            form = self._call_form(message)
            resource = "Calls.json"
        else:
            raise ProviderError(f"Twilio does not deliver {channel.value}", permanent=True, code="unsupported_channel")
        if message.status_callback_url:
            form["StatusCallback"] = message.status_callback_url
        body = await self._request("POST", f"{self._account_url}/{resource}", data=form)
        sid = body.get("sid")
        if not isinstance(sid, str) or not sid:
            raise ProviderError("Twilio accepted the request but returned no sid", permanent=False, code="no_sid")
        return SendResult(provider_message_id=sid)

    def _sms_form(self, message: OutboundMessage) -> dict[str, str]:
        form = {"To": message.recipient.address, "Body": sms_text(message)}
        if self._settings.messaging_service_sid:
            form["MessagingServiceSid"] = self._settings.messaging_service_sid
        elif self._settings.from_number:
            form["From"] = self._settings.from_number
        return form

    def _call_form(self, message: OutboundMessage) -> dict[str, str]:
        caller = self._settings.voice_from_number or self._settings.from_number
        if not caller:
            raise ProviderError(
                "no number to call from: set voice_from_number or from_number", permanent=True, code="no_caller_id"
            )
        return {
            "To": message.recipient.address,
            "From": caller,
            "Twiml": voice_twiml(message, self._settings.voice_language),
        }

    async def check_health(self) -> HealthCheck:
        try:
            body = await self._request("GET", f"{self._account_url}.json")
        except ProviderError as exc:
            return HealthCheck(ok=False, detail=str(exc))
        status = body.get("status")
        if status != "active":
            return HealthCheck(ok=False, detail=f"the Twilio account is {status or 'in an unknown state'}")
        return HealthCheck(ok=True, detail="the Twilio account is active")

    async def _request(self, method: str, url: str, *, data: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            response = await self._http.request(method, url, data=data, auth=self._auth)
        except httpx.TimeoutException:
            raise ProviderError("Twilio did not answer in time", permanent=False, code="timeout") from None
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"Twilio cannot be reached ({type(exc).__name__})", permanent=False, code="network"
            ) from None
        body = _json_object(response)
        if response.is_success:
            return body
        raise _error(response, body)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error(response: httpx.Response, body: Mapping[str, Any]) -> ProviderError:
    """Twilio's error JSON (``code``, ``message``, ``more_info``, ``status``) as a ProviderError.

    Twilio's own ``message`` is left out: it quotes the phone numbers."""
    status = response.status_code
    twilio_code = body.get("code") if isinstance(body.get("code"), int) else None
    code = str(twilio_code) if twilio_code else f"http_{status}"
    if status == 429 or twilio_code == 20429:
        return ProviderError(
            "Twilio is rate limiting this account",
            permanent=False,
            code=code,
            retry_after=retry_after_seconds(response),
        )
    if status in (401, 403):
        # Refused credentials are the account's fault, not this message's: as a transient failure it counts against
        # the provider's circuit breaker, which opens and moves the organization's traffic to its next provider.
        return ProviderError(f"Twilio refused the credentials (error {code})", permanent=False, code=code)
    if status >= 500 or status == 408:
        return ProviderError(f"Twilio failed with HTTP {status}", permanent=False, code=code)
    if twilio_code in _RECIPIENT_GONE:
        reason = _RECIPIENT_GONE[twilio_code]
        return ProviderError(f"Twilio refused the message: {reason}", permanent=True, code=code, recipient_gone=True)
    reason = _PERMANENT.get(twilio_code or 0, f"HTTP {status}")
    return ProviderError(f"Twilio refused the message: {reason} (error {code})", permanent=True, code=code)


ADAPTERS.register(
    AdapterSpec(
        kind="twilio",
        channels=frozenset({NotificationChannel.SMS, NotificationChannel.VOICE}),
        settings_model=TwilioSettings,
        secrets_model=TwilioSecrets,
        build=TwilioAdapter,
        configurable=True,
        receipts=True,
    )
)
