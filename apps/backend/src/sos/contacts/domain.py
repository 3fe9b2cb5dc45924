"""Contact methods, notification rules and quiet hours, free of I/O."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from sos.notifications.domain import CHAT_CHANNELS, PUSH_CHANNELS, NotificationChannel

VERIFICATION_CODE_TTL_SECONDS = 15 * 60
VERIFICATION_MAX_TRIES = 5
SELF_VERIFYING_CHANNELS = frozenset({NotificationChannel.WEB_PUSH, NotificationChannel.FCM, NotificationChannel.APNS})
"""Push subscriptions are registered by the signed-in device itself, so they need no code."""
MAX_RULE_STEPS = 10
MAX_STEP_DELAY_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window, in the user's time zone, in which only critical alerts reach them outside the app."""

    start: time
    end: time
    timezone: str

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.timezone)).time().replace(tzinfo=None)
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, moment: datetime) -> datetime:
        """The first moment at or after ``moment`` that is outside the window."""
        if not self.contains(moment):
            return moment
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone)
        candidate = datetime.combine(local.date(), self.end, tzinfo=zone)
        if candidate <= local:
            candidate = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=zone)
        return candidate.astimezone(moment.tzinfo)


def mask_address(channel: NotificationChannel, address: str) -> str:
    """What may be shown of an address on timelines and in logs: enough to recognise it, not to use it."""
    if channel in (NotificationChannel.SMS, NotificationChannel.VOICE):
        return f"{address[:4]}…{address[-2:]}" if len(address) > 6 else "…"
    if channel is NotificationChannel.EMAIL and "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}…@{domain}"
    return channel.value.replace("_", " ")


RESEND_INTERVAL_SECONDS = 30
"""A new verification code goes out at most this often for one contact method."""
TEST_INTERVAL_SECONDS = 30
"""A test message goes to one contact method at most this often: SMS and calls cost money."""
MAX_CONTACT_METHODS = 25
"""Per user and organization: enough for every device and channel anyone uses, small enough to list at once."""
SECRET_CHANNELS = PUSH_CHANNELS | CHAT_CHANNELS
"""Their full address is a credential: it is stored encrypted and only ever shown masked."""
CODE_DIGITS = 6


def address_key(address: str) -> str:
    """The key of a normalized full address: refuses duplicates and finds the sender of an inbound SMS."""
    return hashlib.sha256(address.encode()).hexdigest()


def new_verification_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(contact_method_id: UUID, code: str) -> str:
    """How a verification code is stored: keyed by its contact method, so equal codes never share a digest."""
    return hmac.new(contact_method_id.bytes, code.encode(), hashlib.sha256).hexdigest()


def verification_message(code: str) -> str:
    minutes = VERIFICATION_CODE_TTL_SECONDS // 60
    return f"Your SOS Platform verification code is {code}. It expires in {minutes} minutes."


class CodeCheck(StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    EXPIRED = "expired"
    NO_CODE = "no_code"
    """No code was sent, or it was used up by wrong tries: a new one must be requested."""


def check_code(
    contact_method_id: UUID,
    code: str,
    *,
    stored_digest: str | None,
    expires_at: datetime | None,
    tries: int,
    now: datetime,
) -> CodeCheck:
    if stored_digest is None or expires_at is None or tries >= VERIFICATION_MAX_TRIES:
        return CodeCheck.NO_CODE
    if now >= expires_at:
        return CodeCheck.EXPIRED
    if not hmac.compare_digest(stored_digest, code_digest(contact_method_id, code)):
        return CodeCheck.WRONG
    return CodeCheck.ACCEPTED


def resend_wait(expires_at: datetime | None, now: datetime) -> int:
    """Whole seconds until another code may be sent, from when the current one expires; 0 when it may go now."""
    if expires_at is None:
        return 0
    sent_at = expires_at - timedelta(seconds=VERIFICATION_CODE_TTL_SECONDS)
    remaining = (sent_at + timedelta(seconds=RESEND_INTERVAL_SECONDS) - now).total_seconds()
    return max(0, math.ceil(remaining))


_CHAT_NAMES = {
    NotificationChannel.SLACK: "Slack",
    NotificationChannel.TEAMS: "Teams",
    NotificationChannel.MATTERMOST: "Mattermost",
}
_DEVICE_NAMES = {NotificationChannel.FCM: "FCM device", NotificationChannel.APNS: "APNs device"}
_BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def describe_browser(user_agent: str | None) -> str | None:
    """A browser's User-Agent as its owner would name it, such as "Firefox on Windows"; None when unrecognised."""
    if not user_agent:
        return None
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system


def masked_secret_address(channel: NotificationChannel, full: str, details: Mapping[str, str] | None = None) -> str:
    """What is stored and shown of a secret address: what it is, and its last four characters to tell it apart."""
    tail = full[-4:]
    if channel in _CHAT_NAMES:
        return f"{_CHAT_NAMES[channel]} webhook …/{tail}"
    if channel is NotificationChannel.WEB_PUSH:
        return describe_browser((details or {}).get("user_agent")) or f"Web browser …{tail}"
    if channel in _DEVICE_NAMES:
        return f"{_DEVICE_NAMES[channel]} …{tail}"
    raise ValueError(f"{channel.value} addresses are not secret")


def parse_clock(value: str) -> time:
    """``HH:MM`` on a 24-hour clock."""
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes))


def format_clock(value: time) -> str:
    return value.strftime("%H:%M")
