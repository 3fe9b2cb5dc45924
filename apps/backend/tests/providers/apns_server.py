"""APNs faked on 127.0.0.1: HTTP/2 over TLS (hypercorn), with a throwaway CA the adapter is told to trust.

It verifies the ES256 provider token with the signing key's public half, checks the request headers and payload as
APNs does, records what it accepted, and answers refusals in APNs's ``{"reason": ...}`` format.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import re
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self, cast
from uuid import UUID, uuid4

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypercorn.asyncio import serve
from hypercorn.config import Config
from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, Scope

TEAM_ID = "TEAM123456"
KEY_ID = "KEY1234567"
BUNDLE_ID = "org.example.sos"


def signing_key_pem() -> str:
    """A throwaway APNs signing key, shaped like the .p8 file Apple gives."""
    return (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


def device_token() -> str:
    return uuid4().hex + uuid4().hex


@dataclass(frozen=True)
class Certificates:
    ca_pem: str
    cert_file: Path
    key_file: Path


def make_certificates(directory: Path) -> Certificates:
    """A CA and a certificate for 127.0.0.1 it signed; the server's key and chain go to files for hypercorn."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SOS test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = directory / "server.pem", directory / "server.key"
    cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return Certificates(ca.public_bytes(serialization.Encoding.PEM).decode(), cert_file, key_file)


@dataclass(frozen=True)
class Push:
    device_token: str
    headers: dict[str, str]
    payload: dict[str, Any]
    http_version: str


@dataclass
class ApnsServer:
    """Use as ``async with ApnsServer(tmp_path) as apns``; ``apns.trust(pem)`` accepts a signing key."""

    directory: Path
    pushes: list[Push] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)
    provider_tokens: list[str] = field(default_factory=list)
    """Every distinct provider token seen, in order."""
    unregistered: set[str] = field(default_factory=set)
    failures: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)
    origin: str = ""
    ca_pem: str = ""
    _keys: dict[tuple[str, str], ec.EllipticCurvePublicKey] = field(default_factory=dict)
    _expired: set[str] = field(default_factory=set)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    def trust(self, signing_key: str, team_id: str = TEAM_ID, key_id: str = KEY_ID) -> None:
        key = serialization.load_pem_private_key(signing_key.encode(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        self._keys[(team_id, key_id)] = key.public_key()

    def expire_provider_tokens(self) -> None:
        """Every provider token seen so far is now too old, as after an hour."""
        self._expired = set(self.provider_tokens)

    def fail_next(self, status: int, reason: str, **headers: str) -> None:
        self.failures.append((status, reason, headers))

    async def __aenter__(self) -> Self:
        certificates = make_certificates(self.directory)
        self.ca_pem = certificates.ca_pem
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        config = Config()
        config.bind = [f"fd://{listener.detach()}"]
        config.certfile, config.keyfile = str(certificates.cert_file), str(certificates.key_file)
        config.errorlog = None
        config.graceful_timeout = 1.0
        self.origin = f"https://127.0.0.1:{port}"
        self._task = asyncio.create_task(serve(self._app, config, shutdown_trigger=self._stop.wait))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    async def _app(self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = await receive()
                if event["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif event["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            event = await receive()
            body += cast(bytes, event.get("body", b""))
            if not event.get("more_body"):
                break
        headers = {name.decode().lower(): value.decode() for name, value in scope["headers"]}
        status, answer, extra = self._handle(scope["method"], scope["path"], headers, body, scope["http_version"])
        response_headers = [(b"apns-id", headers.get("apns-id", str(uuid4()).upper()).encode())]
        response_headers += [(name.lower().encode(), value.encode()) for name, value in extra.items()]
        content = json.dumps(answer).encode() if answer is not None else b""
        if content:
            response_headers.append((b"content-type", b"application/json"))
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": content, "more_body": False})

    def _refuse(self, status: int, reason: str, **extra: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
        self.rejections.append(reason)
        return status, {"reason": reason, **extra}, {}

    def _handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes, http_version: str
    ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        if http_version != "2":
            return self._refuse(400, "HTTP/2 required")
        match = re.fullmatch(r"/3/device/([^/]+)", path)
        if match is None:
            return self._refuse(404, "BadPath")
        if method != "POST":
            return self._refuse(405, "MethodNotAllowed")
        refused = self._provider_token_problem(headers.get("authorization", ""))
        if refused is not None:
            return self._refuse(403, refused)
        if self.failures:
            status, reason, extra = self.failures.pop(0)
            return status, {"reason": reason}, extra
        problem = _header_problem(headers)
        if problem is not None:
            return self._refuse(400, problem)
        if len(body) > 4096:
            return self._refuse(413, "PayloadTooLarge")
        try:
            payload = json.loads(body)
        except ValueError:
            return self._refuse(400, "BadPayload")
        if not isinstance(payload, dict) or not isinstance(payload.get("aps"), dict):
            return self._refuse(400, "PayloadEmpty")
        token = match.group(1)
        if not re.fullmatch(r"[0-9a-f]{64}", token, re.IGNORECASE) or token == "0" * 64:
            return self._refuse(400, "BadDeviceToken")
        if token in self.unregistered:
            return self._refuse(410, "Unregistered", timestamp=int(time.time() * 1000) - 60_000)
        self.pushes.append(Push(token, headers, payload, http_version))
        return 200, None, {}

    def _provider_token_problem(self, authorization: str) -> str | None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return "MissingProviderToken"
        if token not in self.provider_tokens:
            self.provider_tokens.append(token)
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
            key = self._keys.get((str(unverified.get("iss")), str(header.get("kid"))))
            if key is None or header.get("alg") != "ES256":
                return "InvalidProviderToken"
            claims = jwt.decode(token, key, algorithms=["ES256"], options={"require": ["iss", "iat"]})
        except jwt.PyJWTError:
            return "InvalidProviderToken"
        if token in self._expired or claims["iat"] < time.time() - 3600:
            return "ExpiredProviderToken"
        return None


def _header_problem(headers: dict[str, str]) -> str | None:
    """The reason APNs gives for a header it refuses, or None."""
    if headers.get("apns-topic") is None:
        return "MissingTopic"
    if headers["apns-topic"] != BUNDLE_ID:
        return "TopicDisallowed"
    if headers.get("apns-push-type") != "alert":
        return "InvalidPushType"
    if headers.get("apns-priority", "10") not in {"5", "10"}:
        return "BadPriority"
    if "apns-id" in headers:
        try:
            UUID(headers["apns-id"])
        except ValueError:
            return "BadMessageId"
    if len(headers.get("apns-collapse-id", "").encode()) > 64:
        return "BadCollapseId"
    if not headers.get("apns-expiration", "0").isdigit():
        return "BadExpirationDate"
    return None
