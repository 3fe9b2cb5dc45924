from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import AfterValidator, Field, model_validator

from sos.contacts.domain import CODE_DIGITS, MAX_RULE_STEPS, MAX_STEP_DELAY_SECONDS
from sos.core.schemas import ReadModel, StrictInput
from sos.notifications.domain import NotificationChannel, NotificationPurpose, NotificationStatus
from sos.users.schemas import Email

Label = Annotated[str, Field(min_length=1, max_length=80, description="Your name for it, such as 'Work phone'")]
Token = Annotated[str, Field(min_length=1, max_length=4096)]
AppVersion = Annotated[str, Field(min_length=1, max_length=40)]


def e164(value: str) -> str:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValueError("give the number in international format, starting with + and the country code") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("this is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


PhoneNumber = Annotated[
    str,
    Field(min_length=3, max_length=32, description="International format, such as +49 30 1234567; stored as E.164"),
    AfterValidator(e164),
]


class EmailIn(StrictInput):
    channel: Literal[NotificationChannel.EMAIL]
    label: Label
    address: Email


class PhoneIn(StrictInput):
    channel: Literal[NotificationChannel.SMS, NotificationChannel.VOICE]
    label: Label
    address: PhoneNumber


class PushKeys(StrictInput):
    p256dh: str = Field(min_length=1, max_length=200, description="The subscription's P-256 public key, base64url")
    auth: str = Field(min_length=1, max_length=64, description="The subscription's 16-byte auth secret, base64url")


class PushSubscription(StrictInput):
    """As the browser's ``PushSubscription.toJSON()`` gives it."""

    endpoint: str = Field(min_length=1, max_length=2048)
    expiration_time: int | None = Field(default=None, alias="expirationTime")
    keys: PushKeys


class WebPushIn(StrictInput):
    channel: Literal[NotificationChannel.WEB_PUSH]
    label: Label
    subscription: PushSubscription
    user_agent: str | None = Field(
        default=None, max_length=400, description="The browser's User-Agent, to name the device in lists"
    )


class FcmIn(StrictInput):
    channel: Literal[NotificationChannel.FCM]
    label: Label
    token: Token = Field(pattern=r"^[A-Za-z0-9_:\-]+$", description="The app's Firebase registration token")
    platform: Literal["android", "ios", "web"] | None = None
    app_version: AppVersion | None = None


class ApnsIn(StrictInput):
    channel: Literal[NotificationChannel.APNS]
    label: Label
    token: str = Field(
        pattern=r"^(?:[0-9A-Fa-f]{2}){32,100}$", description="The app's APNs device token, in hex", max_length=200
    )
    app_version: AppVersion | None = None


class ChatIn(StrictInput):
    channel: Literal[NotificationChannel.SLACK, NotificationChannel.TEAMS, NotificationChannel.MATTERMOST]
    label: Label
    webhook_url: str = Field(
        min_length=1, max_length=2048, description="The channel's incoming webhook URL; never shown again"
    )


ContactMethodIn = Annotated[
    EmailIn | PhoneIn | WebPushIn | FcmIn | ApnsIn | ChatIn,
    Field(
        discriminator="channel",
        description="Push targets are verified at once, since the signed-in device registers itself; every other "
        "method gets a verification code and is used only once verified.",
    ),
]


class LabelIn(StrictInput):
    label: Label


class VerifyIn(StrictInput):
    code: str = Field(pattern=rf"^[0-9]{{{CODE_DIGITS}}}$", description="The code that was sent to the method")


class LastMessage(ReadModel):
    notification_id: UUID
    purpose: NotificationPurpose
    status: NotificationStatus = Field(description="pending, sending, sent, delivered, failed or cancelled")
    error: str | None = Field(description="Why it failed or is being retried, such as no SMS provider configured")
    created_at: datetime


class ContactMethodRead(ReadModel):
    id: UUID
    channel: NotificationChannel
    label: str
    address: str = Field(description="The email address or phone number; for push targets and webhooks a masked form")
    verified: bool
    verified_at: datetime | None
    opted_out: bool = Field(description="The number replied STOP; nothing is sent to it until you verify it again")
    disabled_reason: str | None = Field(description="Why it is no longer used, such as a push token that expired")
    created_at: datetime
    last_message: LastMessage | None = Field(
        default=None, description="The latest verification code or test message sent to it, and how it went"
    )


class NotificationQueued(ReadModel):
    notification_id: UUID = Field(description="The message on its way; its delivery shows in the notification log")


class RuleStepIn(StrictInput):
    contact_method_id: UUID = Field(description="One of your verified contact methods")
    delay_seconds: int = Field(
        strict=True, ge=0, le=MAX_STEP_DELAY_SECONDS, description="Seconds after the page starts to use this method"
    )


class RuleIn(StrictInput):
    steps: list[RuleStepIn] = Field(
        max_length=MAX_RULE_STEPS,
        description="In order of delay, each method at most once; an empty list removes the rule",
    )

    @model_validator(mode="after")
    def _ordered_and_distinct(self) -> RuleIn:
        delays = [step.delay_seconds for step in self.steps]
        if delays != sorted(delays):
            raise ValueError("steps must be in order of delay_seconds")
        methods = [step.contact_method_id for step in self.steps]
        if len(set(methods)) != len(methods):
            raise ValueError("each contact method may appear in a rule only once")
        return self


class RuleStepRead(ReadModel):
    contact_method_id: UUID
    channel: NotificationChannel
    label: str
    delay_seconds: int


class NotificationRules(ReadModel):
    """How a page reaches you, per urgency: each step notifies one contact method after its delay. With no rule for
    an urgency, the platform notifies every verified push device and email address of yours at once."""

    default: list[RuleStepRead]
    critical: list[RuleStepRead]


Clock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM on a 24-hour clock")]


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not an IANA time zone, such as Europe/Berlin") from None
    return name


TimeZoneName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_zone)]


class QuietHoursIn(StrictInput):
    """Critical alerts ring through quiet hours; other pages wait until they end. Both times null clears them."""

    start: Clock | None
    end: Clock | None
    timezone: TimeZoneName = Field(description="The IANA time zone the times are in, such as Europe/Berlin")

    @model_validator(mode="after")
    def _a_window(self) -> QuietHoursIn:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither to clear quiet hours")
        if self.start is not None and self.start == self.end:
            raise ValueError("start and end must differ")
        return self


class QuietHoursRead(ReadModel):
    """Critical alerts ring through quiet hours; other pages wait until they end. A window may span midnight."""

    start: str | None
    end: str | None
    timezone: str


class WebPushKey(ReadModel):
    public_key: str = Field(description="The VAPID public key: the applicationServerKey for pushManager.subscribe()")
