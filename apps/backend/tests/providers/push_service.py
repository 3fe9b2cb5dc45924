"""A Web Push service on 127.0.0.1 that checks what a real one checks and decrypts what a browser would.

It verifies the VAPID ``Authorization`` header (RFC 8292: ES256 token, audience = its own origin, expiry at most a
day ahead, a contact ``sub``, the key the subscription was made for), requires ``TTL`` and aes128gcm, then decrypts
the body with the subscriber's private key and auth secret (RFC 8291) and records the JSON it carried.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from uuid import uuid4

import http_ece  # type: ignore[import-untyped]
import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class Subscriber:
    """A browser's push subscription: its ECDH key pair and auth secret, made for one application server key."""

    endpoint: str
    application_server_key: str
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def subscription(self) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives the console."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@dataclass(frozen=True)
class Delivery:
    subscriber: Subscriber
    payload: dict[str, Any]
    headers: dict[str, str]
    """Lower-cased names."""
    claims: dict[str, Any]
    size: int
    """The encrypted body's length in bytes."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)


class PushService:
    """Use as ``async with PushService() as service``; ``service.subscribe(key)`` makes a subscriber."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.rejections: list[str] = []
        self.answers: list[Answer] = []
        """Answers given, in order, before any checking: a push service having a bad day."""
        self.delay_seconds = 0.0
        self._subscribers: dict[str, Subscriber] = {}
        self._runner: web.AppRunner | None = None
        self.origin = ""

    def subscribe(self, application_server_key: str) -> Subscriber:
        subscriber = Subscriber(f"{self.origin}/push/{uuid4().hex}", application_server_key)
        self._subscribers[subscriber.endpoint.rsplit("/", 1)[1]] = subscriber
        return subscriber

    def answer(self, status: int, **headers: str) -> None:
        self.answers.append(Answer(status, headers))

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/push/{subscription}", self._push)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.origin = f"http://{host}:{port}"
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _reject(self, status: int, reason: str) -> web.Response:
        self.rejections.append(reason)
        return web.json_response({"code": status, "error": reason}, status=status)

    async def _push(self, request: web.Request) -> web.Response:
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.answers:
            answer = self.answers.pop(0)
            return web.Response(status=answer.status, headers=answer.headers)
        subscriber = self._subscribers.get(request.match_info["subscription"])
        if subscriber is None:
            return self._reject(404, "no such subscription")
        claims = self._vapid_claims(request.headers.get("Authorization", ""), subscriber)
        if isinstance(claims, web.Response):
            return claims
        if "TTL" not in request.headers:
            return self._reject(400, "TTL header missing")
        if request.headers.get("Content-Encoding") != "aes128gcm":
            return self._reject(415, "content encoding must be aes128gcm")
        body = await request.read()
        try:
            plaintext = http_ece.decrypt(
                body, private_key=subscriber.private_key, auth_secret=subscriber.auth_secret, version="aes128gcm"
            )
        except http_ece.ECEException as exc:
            return self._reject(400, f"cannot decrypt: {exc}")
        message_id = uuid4().hex
        self.deliveries.append(
            Delivery(
                subscriber,
                json.loads(plaintext),
                {name.lower(): value for name, value in request.headers.items()},
                claims,
                size=len(body),
            )
        )
        return web.Response(status=201, headers={"Location": f"{self.origin}/message/{message_id}"})

    def _vapid_claims(self, authorization: str, subscriber: Subscriber) -> dict[str, Any] | web.Response:
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            return self._reject(401, "authorization scheme must be vapid")
        values = dict(part.strip().split("=", 1) for part in params.split(",") if "=" in part)
        token, key = values.get("t", ""), values.get("k", "")
        if key != subscriber.application_server_key:
            return self._reject(403, "the VAPID key is not the one this subscription was made for")
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                public_key,
                algorithms=["ES256"],
                audience=self.origin,
                options={"require": ["aud", "exp", "sub"]},
            )
        except jwt.PyJWTError as exc:
            return self._reject(401, f"bad VAPID token: {exc}")
        if claims["exp"] > time.time() + 24 * 3600:
            return self._reject(401, "VAPID token expires more than 24 hours ahead")
        if not str(claims["sub"]).startswith(("mailto:", "https:")):
            return self._reject(401, "VAPID sub must be a mailto: or https: URL")
        return claims
