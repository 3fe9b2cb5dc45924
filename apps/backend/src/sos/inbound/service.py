"""Provider webhooks: delivery receipts, SMS replies and voice keypresses, each proven by the provider's signature.

Twilio signs the URL it was given plus the form it posts (``X-Twilio-Signature``); an SMS gateway signs a timestamp
and the raw body (``X-SOS-Signature``, see :mod:`sos.providers.channels.http_sms`). Nothing is read or changed
before the signature checks out with the secrets of the provider named in the path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl
from uuid import UUID

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from sos.core.errors import BadRequest, ErrorCode, Forbidden, NotFound
from sos.core.uow import UnitOfWork
from sos.inbound.schemas import MAX_FORM_FIELDS, TwilioInboundSms, TwilioKeypress
from sos.notifications.ack import acknowledge_with_token, handle_reply
from sos.notifications.receipts import record_receipt
from sos.providers.channels.http_sms import (
    HttpSmsSecrets,
    parse_gateway_inbound,
    parse_gateway_status,
    valid_gateway_signature,
)
from sos.providers.channels.twilio import (
    TwilioSecrets,
    TwilioSettings,
    parse_twilio_status,
    valid_twilio_signature,
)
from sos.providers.domain import LoadedProvider
from sos.providers.service import provider_for_webhook

_Model = TypeVar("_Model", bound=BaseModel)

NOTHING_CHANGED = "No key or another key was pressed, so nothing was changed. Goodbye."


@dataclass(frozen=True, slots=True)
class SignedRequest:
    url: str
    """The URL the provider was given and signed: the install's external URL, the path and the query string."""
    body: bytes
    twilio_signature: str | None = None
    gateway_signature: str | None = None
    gateway_timestamp: str | None = None


@dataclass(frozen=True, slots=True)
class SmsReply:
    kind: Literal["twilio", "http_sms"]
    text: str


@dataclass(frozen=True, slots=True)
class Spoken:
    text: str
    language: str


def _forbidden() -> Forbidden:
    return Forbidden("The webhook signature is missing or does not match this provider's credentials.")


def _unprocessable(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [
            {"loc": ("body", *error["loc"]), "msg": error["msg"], "type": error["type"]}
            for error in exc.errors(include_input=False, include_url=False)
        ]
    )


def _form(body: bytes) -> dict[str, str]:
    try:
        text = body.decode()
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("The body is not a URL-encoded form.", code=ErrorCode.MALFORMED_BODY) from None
    form = dict(pairs)
    if len(form) != len(pairs):
        raise BadRequest("A form field appears more than once.", code=ErrorCode.MALFORMED_BODY)
    return form


def _twilio_form(provider: LoadedProvider, request: SignedRequest) -> dict[str, str]:
    if not isinstance(provider.secrets, TwilioSecrets):
        raise NotFound("No such provider takes webhooks.")
    form = _form(request.body)
    if not valid_twilio_signature(provider.secrets.auth_token, request.url, form, request.twilio_signature):
        raise _forbidden()
    return form


def _verify_gateway(provider: LoadedProvider, request: SignedRequest) -> None:
    if not isinstance(provider.secrets, HttpSmsSecrets):
        raise NotFound("No such provider takes webhooks.")
    secret = provider.secrets.webhook_secret
    if not valid_gateway_signature(secret, request.gateway_timestamp, request.body, request.gateway_signature):
        raise _forbidden()


def _validated(model: type[_Model], form: dict[str, Any]) -> _Model:
    try:
        return model.model_validate(form)
    except ValidationError as exc:
        raise _unprocessable(exc) from None


async def _provider(uow: UnitOfWork, provider_id: UUID, *kinds: str) -> tuple[LoadedProvider, UUID]:
    """The provider and its organization; built-in providers have neither an id nor webhooks."""
    provider = await provider_for_webhook(uow, provider_id)
    if provider.kind not in kinds or provider.organization_id is None:
        raise NotFound("No such provider takes webhooks.")
    return provider, provider.organization_id


async def receive_status(uow: UnitOfWork, provider_id: UUID, request: SignedRequest) -> None:
    """Records a delivery receipt; progress reports (queued, sent, ringing) and unknown messages change nothing."""
    provider, _ = await _provider(uow, provider_id, "twilio", "http_sms")
    if provider.kind == "twilio":
        form = _twilio_form(provider, request)
        try:
            receipt = parse_twilio_status(form)
        except ValueError as exc:
            raise RequestValidationError([{"loc": ("body",), "msg": str(exc), "type": "missing"}]) from None
    else:
        _verify_gateway(provider, request)
        try:
            receipt = parse_gateway_status(request.body)
        except ValidationError as exc:
            raise _unprocessable(exc) from None
    if receipt is not None:
        await record_receipt(uow, provider_id, receipt)


async def receive_sms(uow: UnitOfWork, provider_id: UUID, request: SignedRequest) -> SmsReply:
    provider, organization_id = await _provider(uow, provider_id, "twilio", "http_sms")
    if provider.kind == "twilio":
        sms = _validated(TwilioInboundSms, _twilio_form(provider, request))
        sender, text = sms.sender, sms.text
    else:
        _verify_gateway(provider, request)
        try:
            sender, text = parse_gateway_inbound(request.body)
        except ValidationError as exc:
            raise _unprocessable(exc) from None
    reply = await handle_reply(uow, organization_id, sender, text, via="sms")
    return SmsReply(kind="twilio" if provider.kind == "twilio" else "http_sms", text=reply)


async def receive_keypress(uow: UnitOfWork, provider_id: UUID, request: SignedRequest, token: str) -> Spoken:
    """Pressing 1 during a call acknowledges the alert its token names; any other key changes nothing."""
    provider, _ = await _provider(uow, provider_id, "twilio")
    keypress = _validated(TwilioKeypress, _twilio_form(provider, request))
    language = provider.settings.voice_language if isinstance(provider.settings, TwilioSettings) else "en-US"
    if keypress.digits != "1":
        return Spoken(NOTHING_CHANGED, language)
    outcome = await acknowledge_with_token(uow, token, via="voice")
    return Spoken(outcome.message, language)
