"""A Twilio REST API on 127.0.0.1 that checks and answers what the real one does, and Twilio's webhooks to the app.

It takes Basic auth (account SID and auth token), refuses a ``To`` that is not E.164 (21211), needs a sender and a
body (or TwiML for calls), and answers a message or call resource with status ``queued``. Queued errors reproduce
Twilio's error JSON. Its webhooks are signed the way Twilio signs them, with its own implementation of the
algorithm (https://www.twilio.com/docs/usage/security#validating-requests), not the app's.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import format_datetime
from types import TracebackType
from typing import Any, Self

import httpx
import phonenumbers
from aiohttp import web

from sos.core.db import utcnow

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f3c1b2a4d5e6f708192a3b4c5d6e7f80"
SERVICE_SID = "MG" + "fedcba9876543210" * 2
FROM_NUMBER = "+14155550100"

ERRORS: dict[int, tuple[int, str]] = {
    21211: (400, "The 'To' number {to} is not a valid phone number."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number is not a valid mobile number"),
    21408: (400, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}."),
    20003: (401, "Authenticate"),
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
}


def twilio_sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    data = url
    for name in sorted(params):
        data += name + params[name]
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode("utf-8"), hashlib.sha1).digest()).decode()


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _e164(value: str) -> bool:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return False
    return value.startswith("+") and phonenumbers.is_valid_number(number)


@dataclass(frozen=True)
class Recorded:
    resource: str
    """``Messages`` or ``Calls``."""
    sid: str
    form: dict[str, str]


@dataclass
class FakeTwilio:
    """Use as ``async with FakeTwilio() as twilio``; ``twilio.base_url`` goes in the adapter's ``api_base_url``."""

    auth_token: str = AUTH_TOKEN
    account_status: str = "active"
    delay_seconds: float = 0.0
    requests: list[Recorded] = field(default_factory=list)
    refusals: list[int] = field(default_factory=list)
    """Twilio error codes to answer the next requests with, in order."""
    retry_after: str = "7"
    base_url: str = ""
    _runner: web.AppRunner | None = None

    def fail_next(self, *codes: int) -> None:
        self.refusals.extend(codes)

    async def __aenter__(self) -> Self:
        app = web.Application()
        prefix = "/2010-04-01/Accounts/{account}"
        app.router.add_post(prefix + "/Messages.json", self._messages)
        app.router.add_post(prefix + "/Calls.json", self._calls)
        app.router.add_get(prefix + ".json", self._account)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @staticmethod
    def _invalid(code: int, message: str, *, status: int = 400, headers: Mapping[str, str] = {}) -> web.Response:
        more_info = f"https://www.twilio.com/docs/errors/{code}"
        body = {"code": code, "message": message, "more_info": more_info, "status": status}
        return web.json_response(body, status=status, headers=dict(headers))

    def _error(self, code: int, **values: str) -> web.Response:
        status, message = ERRORS[code]
        headers = {"Retry-After": self.retry_after} if status == 429 else {}
        text = message.format(**values) if values else message.replace(" {to}", "")
        return self._invalid(code, text, status=status, headers=headers)

    def _authenticated(self, request: web.Request) -> bool:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Basic":
            return False
        user, _, password = base64.b64decode(encoded).decode().partition(":")
        return user == request.match_info["account"] == ACCOUNT_SID and hmac.compare_digest(password, self.auth_token)

    async def _checked(self, request: web.Request) -> dict[str, str] | web.Response:
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        form = {name: str(value) for name, value in (await request.post()).items()}
        if not self._authenticated(request):
            return self._error(20003)
        if self.refusals:
            return self._error(self.refusals.pop(0), to=form.get("To", ""))
        if not _e164(form.get("To", "")):
            return self._error(21211, to=form.get("To", ""))
        return form

    def _resource(self, sid: str, form: Mapping[str, str], **extra: Any) -> web.Response:
        now = format_datetime(utcnow())
        body = {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "to": form["To"],
            "from": form.get("From"),
            "status": "queued",
            "date_created": now,
            "date_updated": now,
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/{extra.pop('resource')}/{sid}.json",
            **extra,
        }
        return web.json_response(body, status=201)

    async def _messages(self, request: web.Request) -> web.Response:
        form = await self._checked(request)
        if isinstance(form, web.Response):
            return form
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return self._invalid(21603, "A 'From' phone number is required.")
        if not form.get("Body"):
            return self._invalid(21602, "Message body is required.")
        if len(form["Body"]) > 1600:
            return self._invalid(21617, "The concatenated message body exceeds the 1600 character limit.")
        sid = _sid("SM")
        self.requests.append(Recorded("Messages", sid, form))
        return self._resource(
            sid,
            form,
            resource="Messages",
            body=form["Body"],
            messaging_service_sid=form.get("MessagingServiceSid"),
            num_segments="1",
            direction="outbound-api",
            error_code=None,
            error_message=None,
        )

    async def _calls(self, request: web.Request) -> web.Response:
        form = await self._checked(request)
        if isinstance(form, web.Response):
            return form
        if not form.get("From"):
            return self._invalid(21213, "No 'From' number is specified")
        if not form.get("Twiml") and not form.get("Url"):
            return self._invalid(21205, "Url parameter is required.")
        sid = _sid("CA")
        self.requests.append(Recorded("Calls", sid, form))
        return self._resource(sid, form, resource="Calls", direction="outbound-api", price=None)

    async def _account(self, request: web.Request) -> web.Response:
        if not self._authenticated(request):
            return self._error(20003)
        return web.json_response(
            {
                "sid": ACCOUNT_SID,
                "friendly_name": "SOS test account",
                "status": self.account_status,
                "type": "Full",
                "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}.json",
            }
        )

    async def signed_post(
        self, app: httpx.AsyncClient, url: str, params: Mapping[str, str], *, signed_url: str | None = None
    ) -> httpx.Response:
        """Posts ``params`` as Twilio does, signed over ``signed_url`` (by default the URL posted to)."""
        signature = twilio_sign(self.auth_token, signed_url or url, params)
        return await app.post(url, data=dict(params), headers={"X-Twilio-Signature": signature})

    async def report_status(self, app: httpx.AsyncClient, sid: str, status: str, **extra: str) -> httpx.Response:
        """Posts the status callback Twilio sends for a message or call it recorded, to the StatusCallback it got."""
        recorded = next(item for item in self.requests if item.sid == sid)
        if recorded.resource == "Messages":
            params = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status}
        else:
            params = {"CallSid": sid, "CallStatus": status, "Direction": "outbound-api", "CallDuration": "12"}
        params |= {
            "AccountSid": ACCOUNT_SID,
            "From": recorded.form.get("From", FROM_NUMBER),
            "To": recorded.form["To"],
            "ApiVersion": "2010-04-01",
            **extra,
        }
        return await self.signed_post(app, recorded.form["StatusCallback"], params)

    async def receive_sms(self, app: httpx.AsyncClient, url: str, sender: str, text: str) -> httpx.Response:
        """Posts an SMS a user sent to the account's number, as Twilio's incoming message webhook does."""
        params = {
            "MessageSid": _sid("SM"),
            "SmsSid": _sid("SM"),
            "AccountSid": ACCOUNT_SID,
            "From": sender,
            "To": FROM_NUMBER,
            "Body": text,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        return await self.signed_post(app, url, params)

    async def press(self, app: httpx.AsyncClient, call_sid: str, digits: str) -> httpx.Response:
        """Posts the digits pressed during a recorded call to its Gather action, as Twilio does."""
        recorded = next(item for item in self.requests if item.sid == call_sid)
        action = gather_action(recorded.form["Twiml"])
        params = {
            "CallSid": call_sid,
            "AccountSid": ACCOUNT_SID,
            "From": recorded.form["From"],
            "To": recorded.form["To"],
            "Digits": digits,
            "FinishedOnKey": "",
            "CallStatus": "in-progress",
            "Direction": "outbound-api",
            "ApiVersion": "2010-04-01",
        }
        return await self.signed_post(app, action, params)


def parse_twiml(twiml: str) -> ET.Element:
    return ET.fromstring(twiml)  # noqa: S314 - TwiML the app under test wrote, in a test


def gather_action(twiml: str) -> str:
    """The ``action`` URL of the ``<Gather>`` in a call's TwiML."""
    gather = parse_twiml(twiml).find("Gather")
    if gather is None:
        raise AssertionError("the call's TwiML has no <Gather>")
    return gather.attrib["action"]
