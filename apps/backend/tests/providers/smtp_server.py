"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, optionally with TLS and a login."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    ca_pem: str
    """The self-signed CA to trust, such as an SMTP provider's ``tls_ca_pem`` setting."""
    cert_pem: str
    key_pem: str

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as directory:
            cert, key = Path(directory) / "cert.pem", Path(directory) / "key.pem"
            cert.write_text(self.cert_pem + self.ca_pem)
            key.write_text(self.key_pem)
            context.load_cert_chain(cert, key)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_tls_material(host: str = HOST) -> TlsMaterial:
    """A throwaway CA and a server certificate it signed for ``host`` (and ``localhost``)."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("SOS test CA"))
        .issuer_name(_name("SOS test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(host))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return TlsMaterial(
        ca_pem=ca_cert.public_bytes(serialization.Encoding.PEM).decode(),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
    )


class _Handler:
    def __init__(self, server: LoopbackSmtpServer) -> None:
        self._server = server

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self._server.refusals.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        auth = session.auth_data
        self._server.record(
            ReceivedMail(
                sender=envelope.mail_from or "",
                recipients=list(envelope.rcpt_tos),
                message=parsed,
                used_tls=server.transport is not None and server.transport.get_extra_info("ssl_object") is not None,
                login=auth.login.decode() if isinstance(auth, LoginPassword) else None,
            )
        )
        return "250 Message accepted for delivery"


@dataclass(frozen=True, slots=True)
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: EmailMessage
    used_tls: bool
    login: str | None


class LoopbackSmtpServer:
    """An aiosmtpd server on a free 127.0.0.1 port, in its own thread; use it as a (sync) context manager.

    ``security`` is ``"none"``, ``"starttls"`` (STARTTLS offered and required) or ``"tls"`` (TLS from the first
    byte). ``credentials`` makes a login with that user name and password required. ``refusals`` maps a recipient
    address to the SMTP reply refusing it, such as ``"550 5.1.1 Mailbox unavailable"``.
    """

    def __init__(
        self,
        *,
        security: Literal["none", "starttls", "tls"] = "none",
        credentials: tuple[str, str] | None = None,
        refusals: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.host = HOST
        self.security = security
        self.credentials = credentials
        self.refusals = {address.lower(): reply for address, reply in (refusals or {}).items()}
        self.tls = make_tls_material() if security != "none" else None
        self.received: list[ReceivedMail] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [mail.message for mail in self.received]

    def record(self, mail: ReceivedMail) -> None:
        with self._lock:
            self.received.append(mail)
            waiters = list(self._waiters)
        for loop, event in waiters:
            loop.call_soon_threadsafe(event.set)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        expected = self.credentials
        ok = (
            expected is not None
            and isinstance(auth_data, LoginPassword)
            and (auth_data.login.decode(), auth_data.password.decode()) == expected
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def start(self) -> LoopbackSmtpServer:
        smtp_options: dict[str, Any] = {"server_hostname": "smtp.sos.test"}
        if self.tls is not None and self.security == "starttls":
            smtp_options.update(tls_context=self.tls.server_context(), require_starttls=True)
        if self.tls is not None and self.security == "tls":
            smtp_options["ssl_context"] = self.tls.server_context()
        if self.credentials is not None:
            smtp_options.update(
                authenticator=self._authenticate, auth_required=True, auth_require_tls=self.security != "none"
            )
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **smtp_options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> LoopbackSmtpServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:  # noqa: ASYNC109
        """The first ``count`` messages received, once they are in; TimeoutError if they do not come in time."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                while len(self.messages) < count:
                    await waiter[1].wait()
                    waiter[1].clear()
        finally:
            with self._lock:
                self._waiters.remove(waiter)
        return self.messages[:count]
