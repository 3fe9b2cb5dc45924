"""The generic SMS gateway adapter against a gateway on 127.0.0.1 that follows the documented contract."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from uuid import uuid4

import httpx
import pytest
from aiohttp import web
from pydantic import ValidationError

from sos.notifications.domain import NotificationChannel, NotificationPurpose
from sos.providers.channels.base import AdapterConfig, InstallContext, OutboundMessage, ProviderError, Recipient
from sos.providers.channels.http_sms import (
    HttpSmsAdapter,
    HttpSmsSecrets,
    HttpSmsSettings,
    gateway_signature,
    parse_gateway_inbound,
    parse_gateway_status,
    valid_gateway_signature,
)
from sos.providers.channels.registry import ADAPTERS

API_KEY = "gw-key-5f0c9a7e1d"
WEBHOOK_SECRET = "whsec-0123456789abcdef"
TO_NUMBER = "+14155552671"
STATUS_URL = "https://sos.example.org/api/v1/webhooks/providers/p2/status"


@dataclass
class Gateway:
    """Checks the bearer key and the JSON of the contract; answers queued ``(status, body, headers)`` first."""

    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    answers: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    def answer(self, status: int, body: Any = None, **headers: str) -> None:
        self.answers.append((status, body, headers))

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/sms", self._send)
        app.router.add_get("/sms", self._probe)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/sms"
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _probe(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return web.json_response({"code": "unauthorized"}, status=401)
        return web.json_response({"methods": ["POST"]}, status=405)

    async def _send(self, request: web.Request) -> web.Response:
        if self.answers:
            status, body, headers = self.answers.pop(0)
            return web.json_response(body, status=status, headers=headers)
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return web.json_response({"code": "unauthorized"}, status=401)
        payload = await request.json()
        if set(payload) != {"to", "from", "text", "reference", "status_url"}:
            return web.json_response({"code": "bad_request"}, status=400)
        self.received.append(payload)
        self.headers.append(dict(request.headers))
        return web.json_response({"id": f"gw-{len(self.received)}"}, status=202)


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    async with Gateway() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=2.0) as client:
        yield client


def adapter(gateway: Gateway, http: httpx.AsyncClient, *, api_key: str = API_KEY, **settings: Any) -> HttpSmsAdapter:
    config = AdapterConfig(
        provider_id=uuid4(),
        name="Gateway",
        settings=HttpSmsSettings(**({"url": gateway.url, "sender": "SOS Alerts"} | settings)),
        secrets=HttpSmsSecrets(api_key=api_key, webhook_secret=WEBHOOK_SECRET),
        http=http,
        install=InstallContext(public_url="https://sos.example.org"),
    )
    return HttpSmsAdapter(config)


def message(**changes: Any) -> OutboundMessage:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "organization_id": uuid4(),
        "recipient": Recipient(NotificationChannel.SMS, TO_NUMBER),
        "purpose": NotificationPurpose.PAGE,
        "title": "Fire",
        "body": "Smoke in hall B",
        "ack_code": "B4X9",
        "status_callback_url": STATUS_URL,
    }
    return OutboundMessage(**(fields | changes))


async def test_a_message_is_posted_as_the_contract_says_and_returns_the_gateway_id(
    gateway: Gateway, http: httpx.AsyncClient
) -> None:
    sms = message()
    result = await adapter(gateway, http).send(sms)
    assert result.provider_message_id == "gw-1"
    assert gateway.received == [
        {
            "to": TO_NUMBER,
            "from": "SOS Alerts",
            "text": "SOS Fire: Smoke in hall B. Reply 1 or ACK B4X9 to acknowledge.",
            "reference": str(sms.id),
            "status_url": STATUS_URL,
        }
    ]
    assert gateway.headers[0]["Idempotency-Key"] == str(sms.id)


@pytest.mark.parametrize("status", [400, 404, 422])
async def test_a_client_error_refuses_the_message_for_good(
    gateway: Gateway, http: httpx.AsyncClient, status: int
) -> None:
    gateway.answer(status, {"code": "invalid_recipient"})
    with pytest.raises(ProviderError) as refused:
        await adapter(gateway, http).send(message())
    assert (refused.value.permanent, refused.value.code, refused.value.recipient_gone) == (
        True,
        "invalid_recipient",
        False,
    )


async def test_the_gateway_can_say_the_number_is_gone(gateway: Gateway, http: httpx.AsyncClient) -> None:
    gateway.answer(400, {"code": "opted_out", "recipient_gone": True})
    with pytest.raises(ProviderError) as refused:
        await adapter(gateway, http).send(message())
    assert (refused.value.permanent, refused.value.recipient_gone) == (True, True)


async def test_an_error_code_that_is_not_a_plain_token_is_not_repeated(
    gateway: Gateway, http: httpx.AsyncClient
) -> None:
    gateway.answer(400, {"code": f"bad number {TO_NUMBER}"})
    with pytest.raises(ProviderError) as refused:
        await adapter(gateway, http).send(message())
    assert refused.value.code == "http_400"
    assert TO_NUMBER not in str(refused.value)


async def test_rate_limiting_is_transient_with_retry_after(gateway: Gateway, http: httpx.AsyncClient) -> None:
    gateway.answer(429, {"code": "slow_down"}, **{"Retry-After": "3"})
    with pytest.raises(ProviderError) as refused:
        await adapter(gateway, http).send(message())
    assert (refused.value.permanent, refused.value.retry_after) == (False, 3.0)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_server_error_is_transient(gateway: Gateway, http: httpx.AsyncClient, status: int) -> None:
    gateway.answer(status)
    with pytest.raises(ProviderError) as refused:
        await adapter(gateway, http).send(message())
    assert (refused.value.permanent, refused.value.code) == (False, f"http_{status}")


async def test_a_refused_key_is_transient_so_the_breaker_can_fail_over(
    gateway: Gateway, http: httpx.AsyncClient
) -> None:
    with pytest.raises(ProviderError) as refused:
        await adapter(gateway, http, api_key="wrong-key-123").send(message())
    assert refused.value.permanent is False
    assert "wrong-key-123" not in str(refused.value)


async def test_an_accepted_message_without_an_id_is_transient(gateway: Gateway, http: httpx.AsyncClient) -> None:
    gateway.answer(200, {"queued": True})
    with pytest.raises(ProviderError) as refused:
        await adapter(gateway, http).send(message())
    assert (refused.value.permanent, refused.value.code) == (False, "no_id")


async def test_an_unreachable_gateway_is_transient(http: httpx.AsyncClient) -> None:
    gone = adapter(Gateway(url="http://127.0.0.1:9/sms"), http)
    with pytest.raises(ProviderError) as refused:
        await gone.send(message())
    assert (refused.value.permanent, refused.value.code) == (False, "network")


async def test_health_passes_when_the_gateway_answers_the_key(gateway: Gateway, http: httpx.AsyncClient) -> None:
    assert (await adapter(gateway, http).check_health()).ok is True
    assert gateway.received == []


async def test_health_fails_when_the_key_is_refused(gateway: Gateway, http: httpx.AsyncClient) -> None:
    health = await adapter(gateway, http, api_key="wrong-key-123").check_health()
    assert health.ok is False
    assert "wrong-key-123" not in health.detail


async def test_health_fails_when_the_gateway_is_down(http: httpx.AsyncClient) -> None:
    assert (await adapter(Gateway(url="http://127.0.0.1:9/sms"), http).check_health()).ok is False


# Settings


def test_an_e164_sender_is_normalised() -> None:
    settings = HttpSmsSettings(url="https://sms.example.net/send", sender="+1 415 555 0100")
    assert settings.sender == "+14155550100"


@pytest.mark.parametrize(
    "changes",
    [
        {"url": "http://sms.example.net/send"},
        {"url": "ftp://sms.example.net/send"},
        {"url": "https://key:secret@sms.example.net/send"},
        {"sender": "A sender id too long"},
        {"sender": "12345"},
        {"sender": "+1555"},
        {"sender": "SOS!"},
    ],
)
def test_invalid_settings_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        HttpSmsSettings(**({"url": "https://sms.example.net/send", "sender": "SOS"} | changes))


def test_the_secrets_stay_out_of_reprs() -> None:
    shown = repr(HttpSmsSecrets(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET))
    assert API_KEY not in shown
    assert WEBHOOK_SECRET not in shown


def test_the_gateway_registers_for_sms_with_receipts() -> None:
    spec = ADAPTERS.get("http_sms")
    assert spec.channels == {NotificationChannel.SMS}
    assert (spec.configurable, spec.receipts) == (True, True)


# Webhook signatures and bodies


def test_a_fresh_signature_over_the_body_validates() -> None:
    body, now = b'{"id":"gw-1","status":"delivered"}', int(time.time())
    signature = gateway_signature(WEBHOOK_SECRET, str(now), body)
    assert signature.startswith("sha256=")
    assert valid_gateway_signature(WEBHOOK_SECRET, str(now), body, signature)


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(WEBHOOK_SECRET.encode(), b"1700000000.{}", hashlib.sha256).hexdigest()
    assert gateway_signature(WEBHOOK_SECRET, "1700000000", b"{}") == f"sha256={expected}"


@pytest.mark.parametrize("age", [301, -301])
def test_a_signature_outside_five_minutes_is_refused(age: int) -> None:
    body, now = b"{}", time.time()
    sent = str(int(now) - age)
    signature = gateway_signature(WEBHOOK_SECRET, sent, body)
    assert not valid_gateway_signature(WEBHOOK_SECRET, sent, body, signature, now=now)


def test_a_tampered_body_is_refused() -> None:
    now = str(int(time.time()))
    signature = gateway_signature(WEBHOOK_SECRET, now, b'{"id":"gw-1","status":"failed"}')
    assert not valid_gateway_signature(WEBHOOK_SECRET, now, b'{"id":"gw-1","status":"delivered"}', signature)


@pytest.mark.parametrize(("timestamp", "signature"), [(None, "sha256=00"), ("123", None), ("soon", "sha256=00")])
def test_missing_or_malformed_headers_are_refused(timestamp: str | None, signature: str | None) -> None:
    assert not valid_gateway_signature(WEBHOOK_SECRET, timestamp, b"{}", signature)


def test_a_delivered_status_is_a_delivered_receipt() -> None:
    receipt = parse_gateway_status(b'{"id": "gw-7", "status": "delivered"}')
    assert receipt is not None
    assert (receipt.provider_message_id, receipt.delivered, receipt.failed) == ("gw-7", True, False)


def test_a_failed_status_carries_its_error_code() -> None:
    receipt = parse_gateway_status(json.dumps({"id": "gw-7", "status": "failed", "error_code": "absent"}).encode())
    assert receipt is not None
    assert (receipt.failed, receipt.error_code) == (True, "absent")


@pytest.mark.parametrize("status", ["queued", "sent"])
def test_progress_is_not_a_receipt(status: str) -> None:
    assert parse_gateway_status(json.dumps({"id": "gw-7", "status": status}).encode()) is None


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"status": "delivered"}', b'{"id": "gw-7", "status": "lost"}', b'{"id": "", "status": "sent"}'],
)
def test_a_status_that_breaks_the_contract_is_refused(body: bytes) -> None:
    with pytest.raises(ValidationError):
        parse_gateway_status(body)


def test_an_inbound_sms_gives_the_e164_sender_and_text() -> None:
    assert parse_gateway_inbound(b'{"from": "+1 415 555 2671", "text": "ACK B4X9"}') == (TO_NUMBER, "ACK B4X9")


@pytest.mark.parametrize(
    "body",
    [
        b'{"from": "0415 555 2671", "text": "1"}',
        b'{"text": "1"}',
        json.dumps({"from": TO_NUMBER, "text": "x" * 1601}).encode(),
        json.dumps({"from": TO_NUMBER, "text": "1\u0000"}).encode(),
    ],
)
def test_an_inbound_sms_that_breaks_the_contract_is_refused(body: bytes) -> None:
    with pytest.raises(ValidationError):
        parse_gateway_inbound(body)
