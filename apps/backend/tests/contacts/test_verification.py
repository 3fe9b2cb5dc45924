"""Verification codes: sent on adding a method, checked with a limited number of tries, resent at a limited rate;
and test messages to verified methods."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from httpx import AsyncClient
from sqlalchemy import select

from sos.contacts.domain import RESEND_INTERVAL_SECONDS, VERIFICATION_CODE_TTL_SECONDS, VERIFICATION_MAX_TRIES
from sos.core.container import Container
from sos.core.db import utcnow
from sos.notifications.models import Notification
from tests.contacts.support import (
    METHODS,
    add,
    all_event_payloads,
    change,
    code_sent_ago,
    email_body,
    events,
    last_code,
    now_minus,
    sent_codes,
    stored,
    verified,
)
from tests.factories import Tenant

PHONE = {"channel": "sms", "label": "Mobile", "address": "+4930901820"}


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def _notification(container: Container, notification_id: str) -> Any:
    async with container.engine.connect() as connection:
        return (await connection.execute(select(Notification).where(Notification.id == UUID(notification_id)))).one()


async def test_the_right_code_verifies_the_method(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    method = await add(client, tenant.responder, PHONE)
    code = await last_code(container, method["id"])
    response = await client.post(
        f"{METHODS}/{method['id']}/verify", json={"code": code}, headers=tenant.responder.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is True
    assert response.json()["verified_at"] is not None
    (done,) = await events(container, "contact_method.verified")
    assert done.payload["address"] == "+493…20"


async def test_the_code_goes_out_as_a_pending_verification_notification(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    method = await add(client, tenant.responder, PHONE)
    (sent,) = await events(container, "contact_method.verification_sent")
    notification = await _notification(container, sent.payload["notification_id"])
    assert notification.purpose == "verification"
    assert notification.channel == "sms"
    assert notification.contact_method_id == UUID(method["id"])
    assert "It expires in 15 minutes." in notification.body


async def test_the_code_never_appears_in_an_event(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    method = await add(client, tenant.responder, PHONE)
    code = await last_code(container, method["id"])
    assert code not in await all_event_payloads(container)


async def test_the_code_is_stored_only_as_a_digest(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    method = await add(client, tenant.responder, PHONE)
    row = await stored(container, method["id"])
    assert await last_code(container, method["id"]) not in row.verification_code_hash


async def test_a_wrong_code_is_refused_with_the_tries_left(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    method = await add(client, tenant.responder, PHONE)
    wrong = _wrong(await last_code(container, method["id"]))
    response = await client.post(
        f"{METHODS}/{method['id']}/verify", json={"code": wrong}, headers=tenant.responder.headers
    )
    assert response.status_code == 422
    assert response.json()["reason"] == "wrong_code"
    assert response.json()["tries_left"] == VERIFICATION_MAX_TRIES - 1


async def test_the_code_is_void_after_the_last_wrong_try(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    method = await add(client, tenant.responder, PHONE)
    url, code = f"{METHODS}/{method['id']}/verify", await last_code(container, method["id"])
    for _ in range(VERIFICATION_MAX_TRIES):
        await client.post(url, json={"code": _wrong(code)}, headers=tenant.responder.headers)
    response = await client.post(url, json={"code": code}, headers=tenant.responder.headers)
    assert response.status_code == 422
    assert response.json()["reason"] == "no_active_code"


async def test_an_expired_code_is_refused(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    method = await add(client, tenant.responder, PHONE)
    code = await last_code(container, method["id"])
    await code_sent_ago(container, method["id"], VERIFICATION_CODE_TTL_SECONDS)
    response = await client.post(
        f"{METHODS}/{method['id']}/verify", json={"code": code}, headers=tenant.responder.headers
    )
    assert response.status_code == 422
    assert response.json()["reason"] == "code_expired"


async def test_a_code_must_be_six_digits(client: AsyncClient, tenant: Tenant) -> None:
    method = await add(client, tenant.responder, PHONE)
    response = await client.post(
        f"{METHODS}/{method['id']}/verify", json={"code": "12a456"}, headers=tenant.responder.headers
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


async def test_verifying_a_verified_method_changes_nothing(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    method = await verified(client, container, tenant.responder, PHONE)
    response = await client.post(
        f"{METHODS}/{method['id']}/verify", json={"code": "000000"}, headers=tenant.responder.headers
    )
    assert response.status_code == 200
    assert response.json() == method
    assert len(await events(container, "contact_method.verified")) == 1


async def test_a_new_code_voids_the_old_one(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    method = await add(client, tenant.responder, PHONE)
    old = await last_code(container, method["id"])
    await code_sent_ago(container, method["id"], RESEND_INTERVAL_SECONDS)
    response = await client.post(f"{METHODS}/{method['id']}/resend-code", headers=tenant.responder.headers)
    assert response.status_code == 202, response.text
    codes = await sent_codes(container, method["id"])
    assert len(codes) == 2
    if codes[1] != old:
        refused = await client.post(
            f"{METHODS}/{method['id']}/verify", json={"code": old}, headers=tenant.responder.headers
        )
        assert refused.json()["reason"] == "wrong_code"
    accepted = await client.post(
        f"{METHODS}/{method['id']}/verify", json={"code": codes[1]}, headers=tenant.responder.headers
    )
    assert accepted.status_code == 200


async def test_a_new_code_resets_the_tries(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    method = await add(client, tenant.responder, PHONE)
    url = f"{METHODS}/{method['id']}/verify"
    for _ in range(VERIFICATION_MAX_TRIES):
        await client.post(
            url, json={"code": _wrong(await last_code(container, method["id"]))}, headers=tenant.responder.headers
        )
    await code_sent_ago(container, method["id"], RESEND_INTERVAL_SECONDS)
    await client.post(f"{METHODS}/{method['id']}/resend-code", headers=tenant.responder.headers)
    response = await client.post(
        url, json={"code": await last_code(container, method["id"])}, headers=tenant.responder.headers
    )
    assert response.status_code == 200


async def test_the_resent_code_names_its_notification(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    method = await add(client, tenant.responder, PHONE)
    await code_sent_ago(container, method["id"], RESEND_INTERVAL_SECONDS)
    response = await client.post(f"{METHODS}/{method['id']}/resend-code", headers=tenant.responder.headers)
    sent = await events(container, "contact_method.verification_sent")
    assert [event.payload["notification_id"] for event in sent][-1] == response.json()["notification_id"]


async def test_a_new_code_is_refused_moments_after_the_last(client: AsyncClient, tenant: Tenant) -> None:
    method = await add(client, tenant.responder, PHONE)
    response = await client.post(f"{METHODS}/{method['id']}/resend-code", headers=tenant.responder.headers)
    assert response.status_code == 429
    assert response.json()["reason"] == "too_soon"
    assert 0 < int(response.headers["Retry-After"]) <= RESEND_INTERVAL_SECONDS


async def test_a_verified_method_gets_no_new_code(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    method = await verified(client, container, tenant.responder, PHONE)
    response = await client.post(f"{METHODS}/{method['id']}/resend-code", headers=tenant.responder.headers)
    assert response.status_code == 409
    assert response.json()["reason"] == "already_verified"


async def test_a_push_device_needs_no_code(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    body = {"channel": "fcm", "label": "Phone app", "token": "abc:DEF-123_xyz"}
    method = await add(client, tenant.responder, body)
    assert method["verified"] is True
    assert await events(container, "contact_method.verification_sent") == []


async def test_verifying_an_opted_out_number_opts_it_back_in(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    method = await verified(client, container, tenant.responder, PHONE)
    await change(container, method["id"], opted_out_at=utcnow())
    await client.post(f"{METHODS}/{method['id']}/resend-code", headers=tenant.responder.headers)
    code = await last_code(container, method["id"])
    response = await client.post(
        f"{METHODS}/{method['id']}/verify", json={"code": code}, headers=tenant.responder.headers
    )
    assert response.json()["opted_out"] is False
    assert response.json()["verified_at"] == method["verified_at"]
    (opted_in,) = await events(container, "contact_method.opted_in")
    assert opted_in.payload["contact_method_id"] == method["id"]


async def test_a_test_message_goes_to_a_verified_method(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    method = await verified(client, container, tenant.responder, email_body())
    response = await client.post(f"{METHODS}/{method['id']}/test", headers=tenant.responder.headers)
    assert response.status_code == 202, response.text
    notification = await _notification(container, response.json()["notification_id"])
    assert (notification.purpose, notification.channel) == ("test", "email")
    (requested,) = await events(container, "contact_method.test_requested")
    assert requested.payload["notification_id"] == response.json()["notification_id"]


async def test_an_unverified_method_gets_no_test_message(client: AsyncClient, tenant: Tenant) -> None:
    method = await add(client, tenant.responder, email_body())
    response = await client.post(f"{METHODS}/{method['id']}/test", headers=tenant.responder.headers)
    assert response.status_code == 409
    assert response.json()["reason"] == "not_verified"


async def test_an_opted_out_number_gets_no_test_message(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    method = await verified(client, container, tenant.responder, PHONE)
    await change(container, method["id"], opted_out_at=utcnow())
    response = await client.post(f"{METHODS}/{method['id']}/test", headers=tenant.responder.headers)
    assert response.status_code == 409
    assert response.json()["reason"] == "opted_out"


async def test_a_disabled_device_gets_no_test_message(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    method = await add(client, tenant.responder, {"channel": "fcm", "label": "Phone app", "token": "abc:DEF"})
    await change(container, method["id"], disabled_at=now_minus(5), disabled_reason="the app was uninstalled")
    response = await client.post(f"{METHODS}/{method['id']}/test", headers=tenant.responder.headers)
    assert response.status_code == 409
    assert response.json()["reason"] == "disabled"


async def test_a_second_test_moments_after_the_first_is_refused(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    method = await verified(client, container, tenant.responder, email_body())
    await client.post(f"{METHODS}/{method['id']}/test", headers=tenant.responder.headers)
    response = await client.post(f"{METHODS}/{method['id']}/test", headers=tenant.responder.headers)
    assert response.status_code == 429
    assert "Retry-After" in response.headers
