"""Email through an SMTP server: an organization's own account, or the install-wide one from the settings."""

from __future__ import annotations

import html
import ipaddress
import re
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses, parseaddr
from typing import Annotated, Literal

import aiosmtplib
from pydantic import AfterValidator, Field, SecretStr, field_serializer

from sos.core.config import Settings
from sos.notifications.domain import NotificationChannel, NotificationPurpose
from sos.providers.channels.base import (
    AdapterConfig,
    AdapterSettings,
    HealthCheck,
    OutboundMessage,
    ProviderError,
    SendResult,
)
from sos.providers.channels.registry import ADAPTERS, AdapterSpec

DEFAULT_TIMEOUT_SECONDS = 10.0
MAX_SUBJECT_LENGTH = 200

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.?$")
_ADDRESS = re.compile(rf"^[^@\s<>()\[\],;:\"\\]{{1,64}}@{_LABEL}(?:\.{_LABEL})*$")
_ENHANCED_STATUS = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")
_GONE_STATUSES = frozenset({"5.1.1", "5.1.10", "5.2.1"})
"""Enhanced status codes that say the mailbox does not exist or is disabled, rather than a policy refusal."""


def _check_host(value: str) -> str:
    value = value.strip()
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if len(value) > 253 or not _HOSTNAME.match(value):
            raise ValueError("must be a host name or IP address") from None
    return value


def _check_from(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError("must be a single line")
    pairs = getaddresses([value])
    name, address = pairs[0] if len(pairs) == 1 else ("", "")
    if not address or not _ADDRESS.match(address):
        raise ValueError('must be an email address, optionally with a name: "Name <address@example.org>"')
    return formataddr((name, address)) if name else address


def _check_ca_pem(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        ssl.create_default_context().load_verify_locations(cadata=value)
    except (ssl.SSLError, ValueError):
        raise ValueError("must be PEM-encoded CA certificates") from None
    return value


class SmtpSettings(AdapterSettings):
    host: Annotated[str, Field(min_length=1, max_length=253), AfterValidator(_check_host)]
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    """``starttls`` upgrades a plain connection (port 587), ``tls`` connects over TLS (port 465)."""
    username: str | None = Field(default=None, min_length=1, max_length=320)
    from_address: Annotated[str, Field(max_length=320), AfterValidator(_check_from)]
    timeout_seconds: float | None = Field(default=None, gt=0, le=120)
    tls_ca_pem: Annotated[str | None, Field(max_length=65536), AfterValidator(_check_ca_pem)] = None
    """CA certificates to trust besides the system's, for a relay with a private CA; verification stays on."""


class SmtpSecrets(AdapterSettings):
    password: SecretStr | None = None

    @field_serializer("password", when_used="json")
    def _reveal_for_sealing(self, value: SecretStr | None) -> str | None:
        # Secrets models are dumped to JSON only to be sealed (encrypted) at rest; repr and logs stay masked.
        return value.get_secret_value() if value is not None else None


def install_smtp_config(settings: Settings) -> tuple[SmtpSettings, SmtpSecrets] | None:
    """The install-wide SMTP account from ``SOS_SMTP_*``, for organizations without their own; None when unset."""
    if not settings.smtp_host:
        return None
    return (
        SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username or None,
            from_address=settings.smtp_from,
            timeout_seconds=settings.provider_timeout_seconds,
        ),
        SmtpSecrets(password=settings.smtp_password),
    )


def _subject(message: OutboundMessage) -> str:
    title = " ".join(message.title.split())
    if message.purpose == NotificationPurpose.PAGE and message.critical:
        title = f"[CRITICAL] {title}"
    return title[:MAX_SUBJECT_LENGTH]


def _text_part(message: OutboundMessage) -> str:
    lines = [message.title, "", message.body, ""]
    if message.ack_url:
        lines.append(f"Acknowledge: {message.ack_url}")
    if message.alert_url:
        lines.append(f"Open alert: {message.alert_url}")
    lines += ["", "-- ", "Sent automatically by SOS Platform."]
    return "\n".join(lines) + "\n"


_BUTTON_STYLE = (
    "display:inline-block;padding:12px 28px;background:#b91c1c;color:#ffffff;"
    "font-weight:bold;font-size:16px;text-decoration:none;border-radius:6px"
)


def _html_part(message: OutboundMessage) -> str:
    def text(value: str) -> str:
        return html.escape(value).replace("\n", "<br>\n")

    def attr(value: str) -> str:
        return html.escape(value, quote=True)

    parts = [
        '<!DOCTYPE html><html><head><meta charset="utf-8">',
        f"<title>{text(message.title)}</title></head>",
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#111827;line-height:1.5">',
    ]
    if message.purpose == NotificationPurpose.PAGE and message.critical:
        parts.append('<p style="color:#b91c1c;font-weight:bold;letter-spacing:1px">CRITICAL ALERT</p>')
    parts += [f'<h1 style="font-size:20px">{text(message.title)}</h1>', f"<p>{text(message.body)}</p>"]
    if message.ack_url:
        parts.append(f'<p><a href="{attr(message.ack_url)}" style="{_BUTTON_STYLE}">Acknowledge</a></p>')
    if message.alert_url:
        parts.append(f'<p><a href="{attr(message.alert_url)}">Open alert</a></p>')
    parts.append('<p style="color:#6b7280;font-size:12px">Sent automatically by SOS Platform.</p></body></html>')
    return "\n".join(parts) + "\n"


def _address_domain(from_address: str) -> str:
    return parseaddr(from_address)[1].rpartition("@")[2]


def compose(message: OutboundMessage, from_address: str) -> EmailMessage:
    """The email for one message; its Message-ID comes from the notification, so a resend repeats it."""
    email = EmailMessage()
    email["Subject"] = _subject(message)
    email["From"] = from_address
    email["To"] = message.recipient.address
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = f"<{message.id}@{_address_domain(from_address)}>"
    email["Auto-Submitted"] = "auto-generated"
    email["X-Auto-Response-Suppress"] = "All"
    if message.alert_id is not None:
        email["X-SOS-Alert-Id"] = str(message.alert_id)
    if message.purpose == NotificationPurpose.PAGE and message.critical:
        email["Importance"] = "high"
        email["X-Priority"] = "1"
    email.set_content(_text_part(message))
    email.add_alternative(_html_part(message), subtype="html")
    return email


def _reply_status(reply: str) -> str:
    match = _ENHANCED_STATUS.match(reply)
    return f" {match.group(1)}" if match else ""


def _refusal(code: int, reply: str, what: str, *, gone_possible: bool = False) -> ProviderError:
    """A ProviderError for an SMTP reply, naming only its codes: reply texts often echo the address."""
    status = _reply_status(reply)
    if code == 530:
        # "Authentication required": the account is misconfigured, which no other message fares better with.
        return ProviderError(f"SMTP server requires a login ({code}{status})", permanent=False, code="smtp-auth-530")
    if 500 <= code < 600:
        return ProviderError(
            f"SMTP server refused the {what} ({code}{status})",
            permanent=True,
            code=f"smtp-5xx-{code}",
            recipient_gone=gone_possible and status.strip() in _GONE_STATUSES,
        )
    return ProviderError(f"SMTP server deferred the {what} ({code}{status})", permanent=False, code=f"smtp-4xx-{code}")


def _tls_failure(exc: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _provider_error(exc: Exception, endpoint: str) -> ProviderError:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refused = exc.recipients[0]
        return _refusal(refused.code, refused.message, "recipient", gone_possible=True)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        # A wrong password fails every message through this account, not just this one: transient, so the
        # circuit breaker opens and delivery fails over to another provider instead of giving the message up.
        return ProviderError(
            f"SMTP server {endpoint} refused the login ({exc.code}{_reply_status(exc.message)})",
            permanent=False,
            code=f"smtp-auth-{exc.code}",
        )
    if isinstance(exc, aiosmtplib.SMTPSenderRefused):
        return _refusal(exc.code, exc.message, "sender address")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _refusal(exc.code, exc.message, "message")
    tls = _tls_failure(exc)
    if tls is not None:
        reason = getattr(tls, "verify_message", None) or tls.reason or "handshake failed"
        return ProviderError(f"TLS with SMTP server {endpoint} failed: {reason}", permanent=False, code="smtp-tls")
    if isinstance(exc, TimeoutError):
        return ProviderError(f"SMTP server {endpoint} timed out", permanent=False, code="smtp-timeout")
    if isinstance(exc, aiosmtplib.SMTPConnectError | aiosmtplib.SMTPServerDisconnected | OSError):
        return ProviderError(f"cannot reach SMTP server {endpoint}", permanent=False, code="smtp-connect")
    return ProviderError(f"SMTP exchange with {endpoint} failed", permanent=False, code="smtp-error")


class SmtpAdapter:
    def __init__(self, config: AdapterConfig) -> None:
        if not isinstance(config.settings, SmtpSettings) or not isinstance(config.secrets, SmtpSecrets):
            raise TypeError("the smtp adapter needs SmtpSettings and SmtpSecrets")
        self._settings = config.settings
        self._password = config.secrets.password
        self._endpoint = f"{self._settings.host}:{self._settings.port}"
        self._tls_context: ssl.SSLContext | None = None
        if self._settings.security != "none":
            self._tls_context = ssl.create_default_context()
            if self._settings.tls_ca_pem:
                self._tls_context.load_verify_locations(cadata=self._settings.tls_ca_pem)

    def _client(self) -> aiosmtplib.SMTP:
        settings = self._settings
        return aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            username=settings.username,
            password=self._password.get_secret_value() if self._password else None,
            use_tls=settings.security == "tls",
            start_tls=settings.security == "starttls",
            tls_context=self._tls_context,
            timeout=settings.timeout_seconds or DEFAULT_TIMEOUT_SECONDS,
        )

    async def send(self, message: OutboundMessage) -> SendResult:
        email = compose(message, self._settings.from_address)
        try:
            async with self._client() as smtp:
                await smtp.send_message(
                    email, sender=parseaddr(self._settings.from_address)[1], recipients=[message.recipient.address]
                )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise _provider_error(exc, self._endpoint) from None
        return SendResult(provider_message_id=email["Message-ID"])

    async def check_health(self) -> HealthCheck:
        try:
            async with self._client() as smtp:
                await smtp.noop()
        except (aiosmtplib.SMTPException, OSError) as exc:
            return HealthCheck(ok=False, detail=str(_provider_error(exc, self._endpoint)))
        login = " after login" if self._settings.username else ""
        return HealthCheck(ok=True, detail=f"SMTP server {self._endpoint} answered NOOP{login}")


ADAPTERS.register(
    AdapterSpec(
        kind="smtp",
        channels=frozenset({NotificationChannel.EMAIL}),
        settings_model=SmtpSettings,
        secrets_model=SmtpSecrets,
        build=SmtpAdapter,
        configurable=True,
        receipts=False,
    )
)
