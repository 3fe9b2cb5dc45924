"""The signed-in user's contact methods, notification rules and quiet hours.

Nothing here sends anything: a code or a test message becomes a pending notification in the same transaction, and an
event naming it, so the delivery pipeline picks it up once the change has committed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit
from uuid import UUID

from sqlalchemy import ColumnElement, Table, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from sos.auth.principal import Principal
from sos.contacts.domain import (
    MAX_CONTACT_METHODS,
    SECRET_CHANNELS,
    SELF_VERIFYING_CHANNELS,
    TEST_INTERVAL_SECONDS,
    VERIFICATION_CODE_TTL_SECONDS,
    VERIFICATION_MAX_TRIES,
    CodeCheck,
    address_key,
    check_code,
    code_digest,
    format_clock,
    masked_secret_address,
    new_verification_code,
    parse_clock,
    resend_wait,
    verification_message,
)
from sos.contacts.events import contact_method_event, settings_event, shown_address
from sos.contacts.models import ContactMethod, NotificationPreference, NotificationRuleStep
from sos.contacts.schemas import (
    ApnsIn,
    ChatIn,
    ContactMethodIn,
    ContactMethodRead,
    EmailIn,
    FcmIn,
    LastMessage,
    NotificationRules,
    PhoneIn,
    QuietHoursIn,
    QuietHoursRead,
    RuleIn,
    RuleStepRead,
    WebPushIn,
    WebPushKey,
)
from sos.core.db import utcnow
from sos.core.errors import Conflict, ErrorCode, NotFound, TooManyRequests, Unprocessable
from sos.core.events import DomainEvent
from sos.core.ids import new_id
from sos.core.uow import UnitOfWork
from sos.notifications.domain import NotificationChannel, NotificationPurpose, Urgency
from sos.notifications.models import Notification
from sos.notifications.service import create_direct
from sos.providers.channels.chat import validate_chat_webhook
from sos.providers.channels.webpush import validate_push_subscription
from sos.providers.egress import EgressPolicy, literal_address
from sos.providers.secrets import SecretBox
from sos.providers.vapid import ensure_vapid_keys
from sos.users.models import Membership

_METHODS = cast(Table, ContactMethod.__table__)
DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    box: SecretBox
    """Seals the full address of a push target or chat webhook."""
    allow_loopback_http: bool
    """Outside production, push services and webhooks on this machine are allowed (development and tests)."""
    egress: EgressPolicy
    """Where provider requests may connect: a webhook naming an address outside it is refused at once."""


@dataclass(frozen=True, slots=True)
class _Address:
    shown: str
    full: str
    keys: dict[str, str]
    details: dict[str, str] | None


def _not_found(method_id: UUID) -> NotFound:
    return NotFound(f"You have no contact method {method_id}.", resource="contact_method", id=str(method_id))


def _owned_by(principal: Principal) -> ColumnElement[bool]:
    return and_(ContactMethod.organization_id == principal.organization_id, ContactMethod.user_id == principal.user_id)


async def _fetch(uow: UnitOfWork, principal: Principal, method_id: UUID) -> Any:
    """The caller's contact method, locked until commit; another user's looks exactly like an unknown one."""
    row = (
        await uow.connection.execute(
            select(_METHODS).where(ContactMethod.id == method_id, _owned_by(principal)).with_for_update()
        )
    ).first()
    if row is None:
        raise _not_found(method_id)
    return row


async def _lock_owner(uow: UnitOfWork, principal: Principal) -> None:
    """Serializes the caller's changes that check several rows: the method count, a rule, the quiet hours."""
    await uow.connection.execute(
        select(Membership.id)
        .where(Membership.organization_id == principal.organization_id, Membership.user_id == principal.user_id)
        .with_for_update(key_share=True)
    )


def _read(row: Any, **changes: Any) -> ContactMethodRead:
    values = dict(row._mapping) | changes
    return ContactMethodRead(
        id=values["id"],
        channel=NotificationChannel(values["channel"]),
        label=values["label"],
        address=values["address"],
        verified=values["verified_at"] is not None,
        verified_at=values["verified_at"],
        opted_out=values["opted_out_at"] is not None,
        disabled_reason=values["disabled_reason"],
        created_at=values["created_at"],
    )


def _event(principal: Principal, row: Any, event_type: str, **payload: Any) -> DomainEvent:
    channel = NotificationChannel(row.channel)
    return contact_method_event(
        event_type,
        contact_method_id=row.id,
        organization_id=principal.organization_id,
        actor_id=principal.user_id,
        user_id=principal.user_id,
        channel=channel,
        **payload,
    )


def _invalid(pointer: str, message: str) -> Unprocessable:
    return Unprocessable(
        f"The request has an invalid field: {message}.",
        errors=[{"in": "body", "pointer": pointer, "type": "value_error", "message": message}],
    )


def _push_field(message: str) -> str:
    for key in ("p256dh", "auth"):
        if message.startswith(key):
            return f"#/subscription/keys/{key}"
    return "#/subscription/endpoint"


def _address_of(body: ContactMethodIn, policy: AddressPolicy) -> _Address:
    """The normalized full address of a new method, its shown form, and the keys and facts kept beside it."""
    channel = NotificationChannel(body.channel)
    full: str
    keys: dict[str, str] = {}
    details: dict[str, str] = {}
    if isinstance(body, EmailIn | PhoneIn):
        return _Address(shown=body.address, full=body.address, keys={}, details=None)
    if isinstance(body, WebPushIn):
        subscription = body.subscription
        try:
            validate_push_subscription(
                subscription.endpoint,
                subscription.keys.p256dh,
                subscription.keys.auth,
                allow_loopback_http=policy.allow_loopback_http,
            )
        except ValueError as exc:
            raise _invalid(_push_field(str(exc)), str(exc)) from None
        full = subscription.endpoint
        keys = {"p256dh": subscription.keys.p256dh, "auth": subscription.keys.auth}
        if body.user_agent:
            details["user_agent"] = body.user_agent
    elif isinstance(body, FcmIn):
        full = body.token
        details = {
            name: value for name, value in (("platform", body.platform), ("app_version", body.app_version)) if value
        }
    elif isinstance(body, ApnsIn):
        full = body.token.lower()
        details = {"platform": "ios"} | ({"app_version": body.app_version} if body.app_version else {})
    elif isinstance(body, ChatIn):
        try:
            full = validate_chat_webhook(channel, body.webhook_url, allow_loopback_http=policy.allow_loopback_http)
        except ValueError as exc:
            raise _invalid("#/webhook_url", str(exc)) from None
        address = literal_address(urlsplit(full).hostname or "")
        if address is not None and not policy.egress.permits(address):
            raise _invalid("#/webhook_url", "the webhook URL must be on a public host")
    return _Address(shown=masked_secret_address(channel, full, details), full=full, keys=keys, details=details or None)


async def list_methods(uow: UnitOfWork, principal: Principal) -> list[ContactMethodRead]:
    """In the order they were added, each with how its latest code or test message went."""
    async with uow.read():
        rows = (
            await uow.connection.execute(select(_METHODS).where(_owned_by(principal)).order_by(ContactMethod.id))
        ).all()
        latest = await _last_messages(uow, [row.id for row in rows])
    return [_read(row).model_copy(update={"last_message": latest.get(row.id)}) for row in rows]


async def _last_messages(uow: UnitOfWork, method_ids: list[UUID]) -> dict[UUID, LastMessage]:
    if not method_ids:
        return {}
    rows = await uow.connection.execute(
        select(
            Notification.id,
            Notification.contact_method_id,
            Notification.purpose,
            Notification.status,
            Notification.last_error,
            Notification.created_at,
        )
        .where(
            Notification.contact_method_id.in_(method_ids),
            Notification.purpose.in_([NotificationPurpose.VERIFICATION, NotificationPurpose.TEST]),
        )
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    latest: dict[UUID, LastMessage] = {}
    for row in rows:
        latest.setdefault(
            row.contact_method_id,
            LastMessage(
                notification_id=row.id,
                purpose=row.purpose,
                status=row.status,
                error=row.last_error,
                created_at=row.created_at,
            ),
        )
    return latest


async def _refuse_duplicate_or_too_many(
    uow: UnitOfWork, principal: Principal, channel: NotificationChannel, key: str
) -> None:
    rows = (
        await uow.connection.execute(
            select(ContactMethod.channel, ContactMethod.address_key).where(_owned_by(principal))
        )
    ).all()
    if any(NotificationChannel(row.channel) is channel and row.address_key == key for row in rows):
        raise _duplicate(channel)
    if len(rows) >= MAX_CONTACT_METHODS:
        raise Conflict(
            f"You already have {MAX_CONTACT_METHODS} contact methods, the most allowed; remove one first.",
            code=ErrorCode.LIMIT_REACHED,
            reason="too_many_contact_methods",
            limit=MAX_CONTACT_METHODS,
        )


def _duplicate(channel: NotificationChannel) -> Conflict:
    return Conflict(
        f"You already have this {channel.value.replace('_', ' ')} address as a contact method.",
        code=ErrorCode.ALREADY_EXISTS,
        channel=channel.value,
    )


async def _send_code(uow: UnitOfWork, principal: Principal, row: Any, code: str, expires_at: datetime) -> UUID:
    """A pending notification carrying ``code`` to the method, and the event that has it delivered."""
    notification_id = await create_direct(
        uow,
        organization_id=principal.organization_id,
        user_id=principal.user_id,
        contact_method_id=row.id,
        channel=NotificationChannel(row.channel),
        purpose=NotificationPurpose.VERIFICATION,
        title="Your SOS Platform verification code",
        body=verification_message(code),
    )
    uow.record(
        _event(
            principal,
            row,
            "verification_sent",
            address=shown_address(NotificationChannel(row.channel), row.address),
            notification_id=notification_id,
            expires_at=expires_at,
        )
    )
    return notification_id


def _code_columns(method_id: UUID, code: str, now: datetime) -> dict[str, Any]:
    return {
        "verification_code_hash": code_digest(method_id, code),
        "verification_expires_at": now + timedelta(seconds=VERIFICATION_CODE_TTL_SECONDS),
        "verification_tries": 0,
    }


async def add_method(
    uow: UnitOfWork, principal: Principal, body: ContactMethodIn, policy: AddressPolicy
) -> ContactMethodRead:
    """Push targets are verified at once; any other method is sent a verification code."""
    channel = NotificationChannel(body.channel)
    address = _address_of(body, policy)
    now = utcnow()
    method_id = new_id()
    verified = channel in SELF_VERIFYING_CHANNELS
    code = None if verified else new_verification_code()
    values: dict[str, Any] = {
        "id": method_id,
        "organization_id": principal.organization_id,
        "user_id": principal.user_id,
        "channel": channel,
        "label": body.label,
        "address": address.shown,
        "address_key": address_key(address.full),
        "secret": policy.box.seal({"address": address.full, "keys": address.keys})
        if channel in SECRET_CHANNELS
        else None,
        "details": address.details,
        "created_at": now,
        "verified_at": now if verified else None,
        "verification_code_hash": None,
        "verification_expires_at": None,
        "verification_tries": 0,
        "opted_out_at": None,
        "disabled_at": None,
        "disabled_reason": None,
    }
    if code is not None:
        values |= _code_columns(method_id, code, now)
    async with uow:
        await _lock_owner(uow, principal)
        await _refuse_duplicate_or_too_many(uow, principal, channel, values["address_key"])
        try:
            await uow.connection.execute(insert(ContactMethod).values(values))
        except IntegrityError as exc:
            raise _duplicate(channel) from exc
        row = (await uow.connection.execute(select(_METHODS).where(ContactMethod.id == method_id))).one()
        uow.record(
            _event(
                principal,
                row,
                "added",
                address=shown_address(channel, address.shown),
                label=body.label,
                verified=verified,
            )
        )
        if code is not None:
            await _send_code(uow, principal, row, code, values["verification_expires_at"])
        await uow.commit()
    return _read(row)


def _needs_code(row: Any) -> bool:
    """Unverified, opted out (STOP) or disabled (the provider reported the address dead): a new code revives it."""
    return row.verified_at is None or row.opted_out_at is not None or row.disabled_at is not None


def _code_problem(outcome: CodeCheck, tries_left: int) -> Unprocessable:
    if outcome is CodeCheck.WRONG:
        detail = (
            f"That code is wrong; {tries_left} {'try' if tries_left == 1 else 'tries'} left."
            if tries_left
            else "That code is wrong, and it was the last try; request a new code."
        )
        return Unprocessable(detail, code=ErrorCode.VERIFICATION_CODE_WRONG, reason="wrong_code", tries_left=tries_left)
    if outcome is CodeCheck.EXPIRED:
        return Unprocessable(
            "That code has expired; request a new code.",
            code=ErrorCode.VERIFICATION_CODE_EXPIRED,
            reason="code_expired",
        )
    return Unprocessable(
        "There is no code to check; request a new code.",
        code=ErrorCode.VERIFICATION_CODE_MISSING,
        reason="no_active_code",
    )


async def verify(uow: UnitOfWork, principal: Principal, method_id: UUID, code: str) -> ContactMethodRead:
    """Verifying a verified method changes nothing; verifying an opted-out one opts it back in."""
    now = utcnow()
    async with uow:
        row = await _fetch(uow, principal, method_id)
        if not _needs_code(row):
            return _read(row)
        outcome = check_code(
            row.id,
            code,
            stored_digest=row.verification_code_hash,
            expires_at=row.verification_expires_at,
            tries=row.verification_tries,
            now=now,
        )
        if outcome is CodeCheck.WRONG:
            tries = row.verification_tries + 1
            await uow.connection.execute(
                update(_METHODS).where(ContactMethod.id == row.id).values(verification_tries=tries)
            )
            await uow.commit()
        if outcome is not CodeCheck.ACCEPTED:
            raise _code_problem(outcome, VERIFICATION_MAX_TRIES - row.verification_tries - 1)
        changes: dict[str, Any] = {
            "verified_at": row.verified_at or now,
            "opted_out_at": None,
            "disabled_at": None,
            "disabled_reason": None,
            "verification_code_hash": None,
            "verification_expires_at": None,
            "verification_tries": 0,
        }
        await uow.connection.execute(update(_METHODS).where(ContactMethod.id == row.id).values(changes))
        address = shown_address(NotificationChannel(row.channel), row.address)
        uow.record(_event(principal, row, "verified", address=address))
        if row.opted_out_at is not None:
            uow.record(_event(principal, row, "opted_in", address=address))
        await uow.commit()
    return _read(row, **changes)


async def resend_code(uow: UnitOfWork, principal: Principal, method_id: UUID) -> UUID:
    """A new code, voiding the old one; at most one every RESEND_INTERVAL_SECONDS."""
    now = utcnow()
    async with uow:
        row = await _fetch(uow, principal, method_id)
        if not _needs_code(row):
            raise Conflict(
                "This contact method is already verified.", code=ErrorCode.ALREADY_VERIFIED, reason="already_verified"
            )
        wait = resend_wait(row.verification_expires_at, now)
        if wait:
            raise TooManyRequests(
                f"A code was sent moments ago; you can ask for another in {wait} seconds.",
                headers={"Retry-After": str(wait)},
                reason="too_soon",
                retry_after_seconds=wait,
            )
        code = new_verification_code()
        columns = _code_columns(row.id, code, now)
        await uow.connection.execute(update(_METHODS).where(ContactMethod.id == row.id).values(columns))
        notification_id = await _send_code(uow, principal, row, code, columns["verification_expires_at"])
        await uow.commit()
    return notification_id


def _unusable(row: Any) -> Conflict | None:
    if row.verified_at is None:
        reason, detail = "not_verified", "Verify this contact method before sending a test to it."
    elif row.opted_out_at is not None:
        reason, detail = "opted_out", "This number opted out; verify it again before sending a test to it."
    elif row.disabled_at is not None:
        reason, detail = "disabled", f"This contact method is disabled: {row.disabled_reason or 'no reason given'}."
    else:
        return None
    return Conflict(detail, code=ErrorCode.CONTACT_METHOD_UNUSABLE, reason=reason)


async def _last_test_at(uow: UnitOfWork, method_id: UUID) -> datetime | None:
    latest: datetime | None = await uow.connection.scalar(
        select(func.max(Notification.created_at)).where(
            Notification.contact_method_id == method_id, Notification.purpose == NotificationPurpose.TEST
        )
    )
    return latest


async def send_test(uow: UnitOfWork, principal: Principal, method_id: UUID) -> UUID:
    """A test message to a usable method; at most one every TEST_INTERVAL_SECONDS."""
    now = utcnow()
    async with uow:
        row = await _fetch(uow, principal, method_id)
        problem = _unusable(row)
        if problem is not None:
            raise problem
        last = await _last_test_at(uow, row.id)
        wait = 0 if last is None else math.ceil(TEST_INTERVAL_SECONDS - (now - last).total_seconds())
        if wait > 0:
            raise TooManyRequests(
                f"A test was sent moments ago; you can send another in {wait} seconds.",
                headers={"Retry-After": str(wait)},
                reason="too_soon",
                retry_after_seconds=wait,
            )
        notification_id = await create_direct(
            uow,
            organization_id=principal.organization_id,
            user_id=principal.user_id,
            contact_method_id=row.id,
            channel=NotificationChannel(row.channel),
            purpose=NotificationPurpose.TEST,
            title="Test notification from SOS Platform",
            body=f"This is the test you asked for. Alerts will reach you here too ({row.label}).",
        )
        address = shown_address(NotificationChannel(row.channel), row.address)
        uow.record(_event(principal, row, "test_requested", address=address, notification_id=notification_id))
        await uow.commit()
    return notification_id


async def relabel(uow: UnitOfWork, principal: Principal, method_id: UUID, label: str) -> ContactMethodRead:
    async with uow:
        row = await _fetch(uow, principal, method_id)
        if row.label == label:
            return _read(row)
        await uow.connection.execute(update(_METHODS).where(ContactMethod.id == row.id).values(label=label))
        uow.record(_event(principal, row, "relabeled", label=label))
        await uow.commit()
    return _read(row, label=label)


async def remove(uow: UnitOfWork, principal: Principal, method_id: UUID) -> None:
    """Removes the method and the rule steps that use it."""
    async with uow:
        row = await _fetch(uow, principal, method_id)
        await uow.connection.execute(
            delete(NotificationRuleStep).where(NotificationRuleStep.contact_method_id == row.id)
        )
        await uow.connection.execute(delete(ContactMethod).where(ContactMethod.id == row.id))
        uow.record(
            _event(principal, row, "removed", address=shown_address(NotificationChannel(row.channel), row.address))
        )
        await uow.commit()


async def _rules(uow: UnitOfWork, principal: Principal) -> NotificationRules:
    rows = await uow.connection.execute(
        select(
            NotificationRuleStep.urgency,
            NotificationRuleStep.contact_method_id,
            NotificationRuleStep.delay_seconds,
            ContactMethod.channel,
            ContactMethod.label,
        )
        .join(ContactMethod, ContactMethod.id == NotificationRuleStep.contact_method_id)
        .where(
            NotificationRuleStep.organization_id == principal.organization_id,
            NotificationRuleStep.user_id == principal.user_id,
        )
        .order_by(NotificationRuleStep.urgency, NotificationRuleStep.position)
    )
    steps: dict[Urgency, list[RuleStepRead]] = {urgency: [] for urgency in Urgency}
    for row in rows:
        steps[Urgency(row.urgency)].append(RuleStepRead.model_validate(row._mapping))
    return NotificationRules(default=steps[Urgency.DEFAULT], critical=steps[Urgency.CRITICAL])


async def get_rules(uow: UnitOfWork, principal: Principal) -> NotificationRules:
    async with uow.read():
        return await _rules(uow, principal)


async def _require_verified(uow: UnitOfWork, principal: Principal, rule: RuleIn) -> None:
    wanted = [step.contact_method_id for step in rule.steps]
    if not wanted:
        return
    rows = await uow.connection.execute(
        select(ContactMethod.id, ContactMethod.verified_at).where(_owned_by(principal), ContactMethod.id.in_(wanted))
    )
    verified = {row.id: row.verified_at is not None for row in rows}
    problems = []
    for position, method_id in enumerate(wanted):
        pointer = f"#/steps/{position}/contact_method_id"
        if method_id not in verified:
            problems.append(
                {
                    "in": "body",
                    "pointer": pointer,
                    "type": "reference_not_found",
                    "message": "you have no such contact method",
                }
            )
        elif not verified[method_id]:
            problems.append(
                {
                    "in": "body",
                    "pointer": pointer,
                    "type": "not_verified",
                    "message": "verify this contact method first",
                }
            )
    if problems:
        missing = any(problem["type"] == "reference_not_found" for problem in problems)
        raise Unprocessable(
            "Some steps of the rule cannot be used: " + problems[0]["message"] + ".",
            code=ErrorCode.REFERENCE_NOT_FOUND if missing else ErrorCode.VALIDATION_FAILED,
            errors=problems,
        )


async def replace_rule(uow: UnitOfWork, principal: Principal, urgency: Urgency, rule: RuleIn) -> NotificationRules:
    """Replaces the steps for one urgency; sending the same steps again changes nothing."""
    wanted = [(step.contact_method_id, step.delay_seconds) for step in rule.steps]
    async with uow:
        await _lock_owner(uow, principal)
        await _require_verified(uow, principal, rule)
        mine = and_(
            NotificationRuleStep.organization_id == principal.organization_id,
            NotificationRuleStep.user_id == principal.user_id,
            NotificationRuleStep.urgency == urgency,
        )
        current = await uow.connection.execute(
            select(NotificationRuleStep.contact_method_id, NotificationRuleStep.delay_seconds)
            .where(mine)
            .order_by(NotificationRuleStep.position)
        )
        if [(row.contact_method_id, row.delay_seconds) for row in current] != wanted:
            await uow.connection.execute(delete(NotificationRuleStep).where(mine))
            if wanted:
                await uow.connection.execute(
                    insert(NotificationRuleStep),
                    [
                        {
                            "id": new_id(),
                            "organization_id": principal.organization_id,
                            "user_id": principal.user_id,
                            "urgency": urgency,
                            "position": position,
                            "contact_method_id": method_id,
                            "delay_seconds": delay,
                        }
                        for position, (method_id, delay) in enumerate(wanted)
                    ],
                )
            uow.record(
                settings_event(
                    "rules_replaced",
                    user_id=principal.user_id,
                    organization_id=principal.organization_id,
                    urgency=urgency.value,
                    steps=[{"contact_method_id": method_id, "delay_seconds": delay} for method_id, delay in wanted],
                )
            )
        rules = await _rules(uow, principal)
        await uow.commit()
    return rules


def _quiet_read(row: Any) -> QuietHoursRead:
    if row is None:
        return QuietHoursRead(start=None, end=None, timezone=DEFAULT_TIMEZONE)
    return QuietHoursRead(
        start=format_clock(row.quiet_start) if row.quiet_start else None,
        end=format_clock(row.quiet_end) if row.quiet_end else None,
        timezone=row.timezone,
    )


def _preference_of(principal: Principal) -> ColumnElement[bool]:
    return and_(
        NotificationPreference.user_id == principal.user_id,
        NotificationPreference.organization_id == principal.organization_id,
    )


async def get_quiet_hours(uow: UnitOfWork, principal: Principal) -> QuietHoursRead:
    async with uow.read():
        row = (await uow.connection.execute(select(NotificationPreference).where(_preference_of(principal)))).first()
    return _quiet_read(row)


async def set_quiet_hours(uow: UnitOfWork, principal: Principal, data: QuietHoursIn) -> QuietHoursRead:
    """Sets or (with both times null) clears the window; setting it as it is changes nothing."""
    values = {
        "quiet_start": parse_clock(data.start) if data.start else None,
        "quiet_end": parse_clock(data.end) if data.end else None,
        "timezone": data.timezone,
    }
    wanted = QuietHoursRead(start=data.start, end=data.end, timezone=data.timezone)
    async with uow:
        await _lock_owner(uow, principal)
        row = (await uow.connection.execute(select(NotificationPreference).where(_preference_of(principal)))).first()
        if _quiet_read(row) == wanted:
            return wanted
        if row is None:
            await uow.connection.execute(
                insert(NotificationPreference).values(
                    user_id=principal.user_id, organization_id=principal.organization_id, updated_at=utcnow(), **values
                )
            )
        else:
            await uow.connection.execute(
                update(NotificationPreference).where(_preference_of(principal)).values(updated_at=utcnow(), **values)
            )
        uow.record(
            settings_event(
                "quiet_hours_changed",
                user_id=principal.user_id,
                organization_id=principal.organization_id,
                start=wanted.start,
                end=wanted.end,
                timezone=wanted.timezone,
            )
        )
        await uow.commit()
    return wanted


async def web_push_key(uow: UnitOfWork, box: SecretBox) -> WebPushKey:
    keys = await ensure_vapid_keys(uow, box)
    return WebPushKey(public_key=keys.public_key)
