"""Acknowledging an alert from outside the app: an email link, a push action, an SMS reply or a voice keypress.

Every path ends in the same use case as the console's Acknowledge button (``alerts.service.transition``), acting as
the notified user. A link or push action carries a token ``<id>.<expiry>.<signature>``: an HMAC over the id and
expiry with a key derived from the install's secrets key, checked before the database is asked, and then a row that
makes it single-use. SMS replies are trusted by the verified number they come from and name a short code or "1".
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sos.alerts import service as alerts
from sos.alerts.domain import OPEN_STATUSES, AlertAction, AlertStatus
from sos.alerts.models import Alert
from sos.auth.principal import Principal
from sos.contacts.models import ContactMethod
from sos.core.db import utcnow
from sos.core.errors import Forbidden, InvalidTransition, NotFound
from sos.core.ids import new_id
from sos.core.uow import UnitOfWork
from sos.notifications.domain import NotificationChannel, NotificationPurpose, NotificationStatus
from sos.notifications.models import AckToken, Notification
from sos.providers.secrets import SecretBox
from sos.users.domain import MembershipStatus
from sos.users.models import Membership

ACK_TOKEN_TTL = timedelta(hours=12)
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_CODE_LENGTH = 6
_STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
_START_WORDS = frozenset({"START", "UNSTOP", "YES"})
_ACK = re.compile(r"^\s*(?:1|ACK|OK)\s*$", re.IGNORECASE)
_ACK_CODE = re.compile(r"^\s*ACK\s+([A-Za-z0-9]{4,12})\s*$", re.IGNORECASE)
_VIA_LABELS = {
    "email": "the email link",
    "push": "a push notification",
    "sms": "an SMS reply",
    "voice": "a phone keypress",
    "chat": "a chat message link",
    "link": "a notification link",
}

AckStatus = Literal["acknowledged", "already_acknowledged", "closed", "expired", "used", "invalid"]


@dataclass(frozen=True, slots=True)
class AckOutcome:
    status: AckStatus
    alert_id: UUID | None
    message: str


@dataclass(frozen=True, slots=True)
class IssuedAck:
    token: str
    code: str


def _signing_key(box: SecretBox) -> bytes:
    return box.derive_key(b"sos-ack-token-v1")


def _b64(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def _signature(key: bytes, token_id: UUID, expires: int) -> str:
    return _b64(hmac.new(key, f"{token_id.hex}.{expires}".encode(), hashlib.sha256).digest()[:18])


def sign_token(box: SecretBox, token_id: UUID, expires_at: datetime) -> str:
    expires = int(expires_at.timestamp())
    return f"{token_id.hex}.{expires}.{_signature(_signing_key(box), token_id, expires)}"


def _verified_id(box: SecretBox, token: str) -> tuple[UUID, datetime] | None:
    """The token's id and expiry when its signature holds; None for anything forged or malformed."""
    parts = token.split(".")
    if len(parts) != 3 or len(token) > 120:
        return None
    raw_id, raw_expires, signature = parts
    try:
        token_id = UUID(hex=raw_id)
        expires = int(raw_expires)
        urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except ValueError:
        return None
    if not hmac.compare_digest(signature, _signature(_signing_key(box), token_id, expires)):
        return None
    return token_id, datetime.fromtimestamp(expires, UTC)


def _new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


async def issue(
    connection: AsyncConnection,
    box: SecretBox,
    *,
    organization_id: UUID,
    user_id: UUID,
    alert_id: UUID,
    notification_id: UUID | None,
) -> IssuedAck:
    """The user's token and reply code for an alert, inside the caller's transaction: the unused one issued before
    when it is still good for a while (so every message about one alert names the same code), else a new one."""
    now = utcnow()
    reusable = (
        await connection.execute(
            select(AckToken.id, AckToken.code, AckToken.expires_at)
            .where(
                AckToken.organization_id == organization_id,
                AckToken.user_id == user_id,
                AckToken.alert_id == alert_id,
                AckToken.used_at.is_(None),
                AckToken.expires_at > now + ACK_TOKEN_TTL / 2,
            )
            .order_by(AckToken.expires_at.desc())
            .limit(1)
        )
    ).first()
    if reusable is not None:
        return IssuedAck(token=sign_token(box, reusable.id, reusable.expires_at), code=reusable.code)
    expires_at = (now + ACK_TOKEN_TTL).replace(microsecond=0)
    token_id = new_id()
    for _ in range(5):
        code = _new_code()
        taken = await connection.scalar(
            select(AckToken.id).where(AckToken.organization_id == organization_id, AckToken.code == code)
        )
        if taken is None:
            break
    else:
        raise RuntimeError("could not find a free acknowledgement code")
    await connection.execute(
        insert(AckToken).values(
            id=token_id,
            organization_id=organization_id,
            user_id=user_id,
            alert_id=alert_id,
            notification_id=notification_id,
            code=code,
            created_at=now,
            expires_at=expires_at,
            used_at=None,
            used_via=None,
        )
    )
    return IssuedAck(token=sign_token(box, token_id, expires_at), code=code)


async def _principal(connection: AsyncConnection, organization_id: UUID, user_id: UUID) -> Principal | None:
    row = (
        await connection.execute(
            select(Membership.role).where(
                Membership.organization_id == organization_id,
                Membership.user_id == user_id,
                Membership.status == MembershipStatus.ACTIVE,
            )
        )
    ).first()
    return Principal(user_id=user_id, organization_id=organization_id, role=row.role) if row else None


async def _acknowledge(uow: UnitOfWork, principal: Principal, alert_id: UUID, via: str) -> AckOutcome:
    note = f"Acknowledged from {_VIA_LABELS.get(via, via)}."
    try:
        await alerts.transition(uow, principal, alert_id, AlertAction.ACKNOWLEDGE, note=note, expected_version=None)
    except InvalidTransition:
        async with uow.read():
            status = await uow.connection.scalar(select(Alert.status).where(Alert.id == alert_id))
        if status in OPEN_STATUSES:
            await _stop_paging(uow, principal, alert_id)
            return AckOutcome("already_acknowledged", alert_id, "This alert was already acknowledged.")
        return AckOutcome("closed", alert_id, "This alert is closed; nothing was changed.")
    except (Forbidden, NotFound):
        return AckOutcome("invalid", alert_id, "You can no longer acknowledge this alert.")
    return AckOutcome("acknowledged", alert_id, "Acknowledged. The coordinators can see you are on it.")


async def _stop_paging(uow: UnitOfWork, principal: Principal, alert_id: UUID) -> None:
    """The user has acknowledged (or found it acknowledged): the pages still waiting for them about it are moot."""
    from sos.notifications.service import cancel_user_pages

    async with uow:
        await cancel_user_pages(uow, principal.organization_id, principal.user_id, alert_id, "acknowledged")
        await uow.commit()


async def _claim(uow: UnitOfWork, token_id: UUID, via: str) -> bool:
    """Uses the token up, once: of two concurrent uses only one changes the row."""
    now = utcnow()
    async with uow:
        result = await uow.connection.execute(
            update(AckToken)
            .where(AckToken.id == token_id, AckToken.used_at.is_(None), AckToken.expires_at > now)
            .values(used_at=now, used_via=via)
        )
        await uow.commit()
    return bool(result.rowcount == 1)


async def acknowledge_with_token(uow: UnitOfWork, token: str, *, via: str) -> AckOutcome:
    """Acknowledges the alert a signed token names, as the user it was issued to; a token works once."""
    from sos.providers.runtime import DeliveryRuntime

    verified = _verified_id(DeliveryRuntime.box_for(uow), token)
    if verified is None:
        return AckOutcome("invalid", None, "This acknowledgement link is not valid.")
    token_id, expires_at = verified
    async with uow.read():
        row = (await uow.connection.execute(select(AckToken).where(AckToken.id == token_id))).first()
        principal = await _principal(uow.connection, row.organization_id, row.user_id) if row else None
    if row is None or principal is None:
        return AckOutcome("invalid", None, "This acknowledgement link is not valid.")
    if row.used_at is not None:
        return AckOutcome("used", row.alert_id, "This link was used already.")
    if min(expires_at, row.expires_at) <= utcnow() or not await _claim(uow, token_id, via):
        return await _spent(uow, token_id)
    return await _acknowledge(uow, principal, row.alert_id, via)


async def _spent(uow: UnitOfWork, token_id: UUID) -> AckOutcome:
    async with uow.read():
        row = (await uow.connection.execute(select(AckToken).where(AckToken.id == token_id))).first()
    if row is not None and row.used_at is not None:
        return AckOutcome("used", row.alert_id, "This link was used already.")
    alert_id = row.alert_id if row is not None else None
    return AckOutcome("expired", alert_id, "This link has expired; open the alert in the app instead.")


def address_key(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()


async def _senders_methods(connection: AsyncConnection, organization_id: UUID, sender: str) -> list[Any]:
    rows = await connection.execute(
        select(ContactMethod).where(
            ContactMethod.organization_id == organization_id,
            ContactMethod.channel.in_([NotificationChannel.SMS, NotificationChannel.VOICE]),
            ContactMethod.address_key == address_key(sender),
            ContactMethod.verified_at.is_not(None),
        )
    )
    return list(rows.all())


async def _latest_page_tokens(connection: AsyncConnection, method_ids: list[UUID]) -> list[Any]:
    """The unused tokens of the latest SMS page (all alerts of its bundle) sent to those contact methods."""
    latest = (
        await connection.execute(
            select(Notification.id, Notification.bundle_id)
            .where(
                Notification.contact_method_id.in_(method_ids),
                Notification.channel == NotificationChannel.SMS,
                Notification.purpose == NotificationPurpose.PAGE,
                Notification.status.in_([NotificationStatus.SENT, NotificationStatus.DELIVERED]),
            )
            .order_by(Notification.sent_at.desc(), Notification.id.desc())
            .limit(1)
        )
    ).first()
    if latest is None:
        return []
    bundle = latest.bundle_id or latest.id
    notification_ids = select(Notification.id).where((Notification.bundle_id == bundle) | (Notification.id == bundle))
    rows = await connection.execute(
        select(AckToken).where(AckToken.notification_id.in_(notification_ids), AckToken.used_at.is_(None))
    )
    return list(rows.all())


async def _set_opt_out(uow: UnitOfWork, methods: list[Any], opted_out: bool) -> None:
    from sos.contacts.events import contact_method_event

    async with uow:
        now = utcnow()
        for method in methods:
            if (method.opted_out_at is not None) == opted_out:
                continue
            await uow.connection.execute(
                update(ContactMethod)
                .where(ContactMethod.id == method.id)
                .values(opted_out_at=now if opted_out else None)
            )
            uow.record(
                contact_method_event(
                    "opted_out" if opted_out else "opted_in",
                    contact_method_id=method.id,
                    organization_id=method.organization_id,
                    actor_id=method.user_id,
                    user_id=method.user_id,
                    channel=method.channel,
                )
            )
        await uow.commit()


async def handle_reply(uow: UnitOfWork, organization_id: UUID, sender: str, text: str, *, via: str) -> str:
    """Acts on an SMS reply from ``sender`` (E.164) and returns the text to answer with."""
    command = text.strip()
    async with uow.read():
        methods = await _senders_methods(uow.connection, organization_id, sender)
    if command.upper() in _STOP_WORDS:
        await _set_opt_out(uow, methods, opted_out=True)
        return "You will get no more SOS Platform messages at this number. Reply START to receive them again."
    if command.upper() in _START_WORDS:
        await _set_opt_out(uow, methods, opted_out=False)
        return "SOS Platform messages to this number are back on."
    if not methods:
        return "This number is not a verified contact of any responder here."
    user_ids = {method.user_id for method in methods}
    code = _ACK_CODE.match(command)
    async with uow.read():
        if code is not None:
            rows = await uow.connection.execute(
                select(AckToken).where(
                    AckToken.organization_id == organization_id,
                    AckToken.code == code.group(1).upper(),
                    AckToken.user_id.in_(user_ids),
                )
            )
            tokens = list(rows.all())
        elif _ACK.match(command):
            tokens = await _latest_page_tokens(uow.connection, [method.id for method in methods])
        else:
            return "Reply 1 to acknowledge the latest alert, ACK <code> for a named one, or STOP to opt out."
        # A number two members share (a family or station phone) acknowledges as whoever each token was for.
        principals = {
            user_id: await _principal(uow.connection, organization_id, user_id)
            for user_id in {token.user_id for token in tokens}
        }
    tokens = [token for token in tokens if principals.get(token.user_id) is not None]
    if not tokens:
        return "There is no alert waiting for your acknowledgement from this number."
    outcomes = []
    for token in {(token.alert_id, token.user_id): token for token in tokens}.values():
        principal = principals[token.user_id]
        if principal is None or token.used_at is not None or not await _claim(uow, token.id, via):
            outcomes.append(AckOutcome("expired", token.alert_id, "expired"))
            continue
        outcomes.append(await _acknowledge(uow, principal, token.alert_id, via))
    done = sum(outcome.status == "acknowledged" for outcome in outcomes)
    if done == len(outcomes):
        return "Acknowledged." if done == 1 else f"Acknowledged all {done} alerts."
    if done:
        return f"Acknowledged {done} of {len(outcomes)} alerts; the others were already handled or have expired."
    return outcomes[0].message if len(outcomes) == 1 else "Those alerts were already handled or have expired."


async def alert_is_awaiting(connection: AsyncConnection, alert_id: UUID, kind: str) -> bool:
    """Whether a page about this alert is still wanted: escalations stop at acknowledgement, assignments at close."""
    status = await connection.scalar(select(Alert.status).where(Alert.id == alert_id))
    if status is None:
        return False
    if kind == "alert.escalated":
        return bool(status == AlertStatus.TRIGGERED)
    return status in OPEN_STATUSES
