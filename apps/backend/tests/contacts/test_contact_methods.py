"""Adding, listing, renaming and removing contact methods; addresses are validated, normalized and kept secret."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from sos.contacts.domain import MAX_CONTACT_METHODS
from sos.core.container import Container
from sos.providers.secrets import secret_box
from tests.contacts.support import (
    METHODS,
    RULES,
    SLACK_URL,
    add,
    all_event_payloads,
    email_body,
    events,
    push_subscription,
    stored,
    verified,
)
from tests.factories import Tenant

FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
FCM_TOKEN = "dQw4w9WgXcQ:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx1234wxyz"
APNS_TOKEN = "ab" * 32


def _pointers(response: Any) -> list[str]:
    return [error["pointer"] for error in response.json()["errors"]]


async def test_an_email_is_added_unverified_and_sent_a_code(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    method = await add(client, tenant.responder, email_body("Medic@Example.COM"))
    assert method["channel"] == "email"
    assert method["address"] == "medic@example.com"
    assert method["verified"] is False
    assert method["verified_at"] is None
    (sent,) = await events(container, "contact_method.verification_sent")
    assert sent.payload["contact_method_id"] == method["id"]
    assert sent.payload["address"] == "m…@example.com"


async def test_the_location_header_names_the_new_method(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post(METHODS, json=email_body(), headers=tenant.reporter.headers)
    assert response.headers["Location"] == f"{METHODS}/{response.json()['id']}"


async def test_a_phone_number_is_stored_in_e164(client: AsyncClient, tenant: Tenant) -> None:
    body = {"channel": "sms", "label": "Mobile", "address": "+49 30 901820"}
    method = await add(client, tenant.responder, body)
    assert method["address"] == "+4930901820"


async def test_a_phone_number_without_its_country_code_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    body = {"channel": "voice", "label": "Desk", "address": "030 901820"}
    response = await client.post(METHODS, json=body, headers=tenant.responder.headers)
    assert response.status_code == 422
    assert "country code" in response.text


async def test_an_impossible_phone_number_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    body = {"channel": "sms", "label": "Mobile", "address": "+1 555 0000"}
    response = await client.post(METHODS, json=body, headers=tenant.responder.headers)
    assert response.status_code == 422
    assert "not a valid phone number" in response.text


async def test_an_invalid_email_address_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.post(METHODS, json=email_body("not-an-email"), headers=tenant.responder.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


async def test_the_in_app_channel_cannot_be_added(client: AsyncClient, tenant: Tenant) -> None:
    body = {"channel": "in_app", "label": "Inbox", "address": "x"}
    response = await client.post(METHODS, json=body, headers=tenant.responder.headers)
    assert response.status_code == 422


async def test_a_web_push_subscription_is_verified_at_once_and_named_after_the_browser(
    client: AsyncClient, tenant: Tenant
) -> None:
    body = {
        "channel": "web_push",
        "label": "Laptop",
        "subscription": push_subscription(),
        "user_agent": FIREFOX_ON_LINUX,
    }
    method = await add(client, tenant.responder, body)
    assert method["verified"] is True
    assert method["address"] == "Firefox on Linux"


async def test_a_web_push_subscription_is_stored_sealed(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    subscription = push_subscription()
    body = {"channel": "web_push", "label": "Laptop", "subscription": subscription}
    response = await client.post(METHODS, json=body, headers=tenant.responder.headers)
    assert subscription["endpoint"] not in response.text
    assert subscription["keys"]["auth"] not in response.text
    row = await stored(container, response.json()["id"])
    assert secret_box(container.settings).open(row.secret) == {
        "address": subscription["endpoint"],
        "keys": subscription["keys"],
    }


async def test_a_push_key_that_is_not_a_curve_point_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    subscription = push_subscription()
    subscription["keys"]["p256dh"] = "BAAA"
    body = {"channel": "web_push", "label": "Laptop", "subscription": subscription}
    response = await client.post(METHODS, json=body, headers=tenant.responder.headers)
    assert response.status_code == 422
    assert _pointers(response) == ["#/subscription/keys/p256dh"]


async def test_a_push_endpoint_on_a_private_network_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    body = {"channel": "web_push", "label": "Laptop", "subscription": push_subscription("https://10.0.0.8/push/1")}
    response = await client.post(METHODS, json=body, headers=tenant.responder.headers)
    assert response.status_code == 422
    assert _pointers(response) == ["#/subscription/endpoint"]


async def test_an_fcm_token_is_verified_at_once_and_shown_by_its_last_characters(
    client: AsyncClient, tenant: Tenant
) -> None:
    body = {"channel": "fcm", "label": "Phone app", "token": FCM_TOKEN, "platform": "android", "app_version": "2.1"}
    method = await add(client, tenant.responder, body)
    assert method["verified"] is True
    assert method["address"] == "FCM device …wxyz"


async def test_an_apns_token_must_be_hex(client: AsyncClient, tenant: Tenant) -> None:
    body = {"channel": "apns", "label": "iPhone", "token": "zz" * 32}
    response = await client.post(METHODS, json=body, headers=tenant.responder.headers)
    assert response.status_code == 422


async def test_an_apns_token_is_stored_in_lower_case(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    body = {"channel": "apns", "label": "iPhone", "token": APNS_TOKEN.upper()}
    method = await add(client, tenant.responder, body)
    assert secret_box(container.settings).open((await stored(container, method["id"])).secret)["address"] == APNS_TOKEN


async def test_a_slack_webhook_is_masked_sealed_and_sent_a_code(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    response = await client.post(
        METHODS,
        json={"channel": "slack", "label": "#oncall", "webhook_url": SLACK_URL},
        headers=tenant.responder.headers,
    )
    assert response.status_code == 201, response.text
    method = response.json()
    assert method["address"] == "Slack webhook …/WXYZ"
    assert method["verified"] is False
    assert SLACK_URL not in response.text
    assert len(await events(container, "contact_method.verification_sent")) == 1
    assert "services/T0001" not in await all_event_payloads(container)


async def test_a_slack_webhook_on_another_host_is_refused_without_echoing_it(
    client: AsyncClient, tenant: Tenant
) -> None:
    url = "https://example.com/services/T1/B2/secret-part"
    body = {"channel": "slack", "label": "#oncall", "webhook_url": url}
    response = await client.post(METHODS, json=body, headers=tenant.responder.headers)
    assert response.status_code == 422
    assert _pointers(response) == ["#/webhook_url"]
    assert "secret-part" not in response.text


@pytest.mark.parametrize("host", ["10.0.0.5", "169.254.169.254", "[fd00::5]", "100.64.1.1", "[::ffff:192.168.1.1]"])
async def test_a_mattermost_webhook_on_a_private_address_is_refused(
    client: AsyncClient, tenant: Tenant, host: str
) -> None:
    body = {"channel": "mattermost", "label": "Ops", "webhook_url": f"https://{host}/hooks/abc123secret"}
    response = await client.post(METHODS, json=body, headers=tenant.responder.headers)
    assert response.status_code == 422
    assert _pointers(response) == ["#/webhook_url"]
    assert "public host" in response.text
    assert "abc123secret" not in response.text


async def test_the_same_address_twice_is_a_conflict(client: AsyncClient, tenant: Tenant) -> None:
    await add(client, tenant.responder, email_body("twice@example.com"))
    response = await client.post(METHODS, json=email_body("TWICE@example.com"), headers=tenant.responder.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "already_exists"


async def test_one_number_may_be_used_for_sms_and_for_calls(client: AsyncClient, tenant: Tenant) -> None:
    await add(client, tenant.responder, {"channel": "sms", "label": "Mobile", "address": "+4930901820"})
    await add(client, tenant.responder, {"channel": "voice", "label": "Mobile", "address": "+4930901820"})


async def test_two_users_may_share_an_address(client: AsyncClient, tenant: Tenant) -> None:
    await add(client, tenant.responder, email_body("shared@example.com"))
    await add(client, tenant.coordinator, email_body("shared@example.com"))


async def test_a_user_has_at_most_so_many_methods(client: AsyncClient, tenant: Tenant) -> None:
    for _ in range(MAX_CONTACT_METHODS):
        await add(client, tenant.reporter, email_body())
    response = await client.post(METHODS, json=email_body(), headers=tenant.reporter.headers)
    assert response.status_code == 409
    assert response.json()["limit"] == MAX_CONTACT_METHODS


async def test_the_list_shows_only_your_own_methods_in_the_order_added(client: AsyncClient, tenant: Tenant) -> None:
    first = await add(client, tenant.responder, email_body())
    second = await add(client, tenant.responder, {"channel": "sms", "label": "Mobile", "address": "+4930901820"})
    await add(client, tenant.coordinator, email_body())
    listed = await client.get(METHODS, headers=tenant.responder.headers)
    assert [method["id"] for method in listed.json()] == [first["id"], second["id"]]


async def test_a_method_is_renamed(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    method = await add(client, tenant.responder, email_body())
    response = await client.patch(
        f"{METHODS}/{method['id']}", json={"label": "Private"}, headers=tenant.responder.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["label"] == "Private"
    (renamed,) = await events(container, "contact_method.relabeled")
    assert renamed.payload["label"] == "Private"


async def test_an_empty_label_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    method = await add(client, tenant.responder, email_body())
    response = await client.patch(f"{METHODS}/{method['id']}", json={"label": ""}, headers=tenant.responder.headers)
    assert response.status_code == 422


async def test_removing_a_method_removes_it_from_your_rules(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    kept = await verified(client, container, tenant.responder, email_body())
    gone = await verified(client, container, tenant.responder, email_body())
    steps = [
        {"contact_method_id": kept["id"], "delay_seconds": 0},
        {"contact_method_id": gone["id"], "delay_seconds": 60},
    ]
    put = await client.put(f"{RULES}/default", json={"steps": steps}, headers=tenant.responder.headers)
    assert put.status_code == 200, put.text
    response = await client.delete(f"{METHODS}/{gone['id']}", headers=tenant.responder.headers)
    assert response.status_code == 204
    rules = (await client.get(RULES, headers=tenant.responder.headers)).json()
    assert [step["contact_method_id"] for step in rules["default"]] == [kept["id"]]
    (removed,) = await events(container, "contact_method.removed")
    assert removed.payload["contact_method_id"] == gone["id"]


async def test_another_users_method_cannot_be_touched(client: AsyncClient, tenant: Tenant) -> None:
    method = await add(client, tenant.responder, email_body())
    url = f"{METHODS}/{method['id']}"
    headers = tenant.admin.headers
    assert (await client.patch(url, json={"label": "Mine"}, headers=headers)).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 404
    assert (await client.post(f"{url}/verify", json={"code": "123456"}, headers=headers)).status_code == 404
    assert (await client.post(f"{url}/resend-code", headers=headers)).status_code == 404
    assert (await client.post(f"{url}/test", headers=headers)).status_code == 404


async def test_events_never_carry_a_full_email_address(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    await verified(client, container, tenant.responder, email_body("hidden.person@example.com"))
    assert "hidden.person" not in await all_event_payloads(container)


async def test_the_web_push_key_is_the_same_every_time(client: AsyncClient, tenant: Tenant) -> None:
    first = await client.get("/api/v1/me/web-push-key", headers=tenant.reporter.headers)
    second = await client.get("/api/v1/me/web-push-key", headers=tenant.admin.headers)
    assert first.status_code == 200, first.text
    assert first.json() == second.json()
    assert len(first.json()["public_key"]) == 87
