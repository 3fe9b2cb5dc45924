"""Notification rules: per urgency, ordered steps over the user's own verified contact methods."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from sos.contacts.domain import MAX_RULE_STEPS, MAX_STEP_DELAY_SECONDS
from sos.core.container import Container
from tests.contacts.support import RULES, add, email_body, events, verified
from tests.factories import Member, Tenant


def _steps(*pairs: tuple[dict[str, Any], int]) -> dict[str, Any]:
    return {"steps": [{"contact_method_id": method["id"], "delay_seconds": delay} for method, delay in pairs]}


async def _put(client: AsyncClient, member: Member, urgency: str, body: dict[str, Any]) -> Any:
    return await client.put(f"{RULES}/{urgency}", json=body, headers=member.headers)


async def test_there_are_no_rules_at_first(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(RULES, headers=tenant.reporter.headers)
    assert response.status_code == 200
    assert response.json() == {"default": [], "critical": []}


async def test_a_rule_is_replaced_and_read_back_in_order(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    email = await verified(client, container, tenant.responder, email_body(label="Mail"))
    push = await add(client, tenant.responder, {"channel": "fcm", "label": "App", "token": "abc:DEF"})
    response = await _put(client, tenant.responder, "critical", _steps((push, 0), (email, 120)))
    assert response.status_code == 200, response.text
    assert response.json()["critical"] == [
        {"contact_method_id": push["id"], "channel": "fcm", "label": "App", "delay_seconds": 0},
        {"contact_method_id": email["id"], "channel": "email", "label": "Mail", "delay_seconds": 120},
    ]
    assert (await client.get(RULES, headers=tenant.responder.headers)).json() == response.json()


async def test_replacing_a_rule_records_its_steps(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    email = await verified(client, container, tenant.responder, email_body())
    await _put(client, tenant.responder, "default", _steps((email, 30)))
    (replaced,) = await events(container, "notification_settings.rules_replaced")
    assert replaced.aggregate_id == tenant.responder.user_id
    assert replaced.payload == {
        "user_id": str(tenant.responder.user_id),
        "urgency": "default",
        "steps": [{"contact_method_id": email["id"], "delay_seconds": 30}],
    }


async def test_sending_the_same_rule_again_changes_nothing(
    client: AsyncClient, container: Container, tenant: Tenant
) -> None:
    email = await verified(client, container, tenant.responder, email_body())
    first = await _put(client, tenant.responder, "default", _steps((email, 0)))
    second = await _put(client, tenant.responder, "default", _steps((email, 0)))
    assert second.json() == first.json()
    assert len(await events(container, "notification_settings.rules_replaced")) == 1


async def test_an_empty_rule_removes_it(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    email = await verified(client, container, tenant.responder, email_body())
    await _put(client, tenant.responder, "default", _steps((email, 0)))
    response = await _put(client, tenant.responder, "default", {"steps": []})
    assert response.json()["default"] == []


async def test_one_urgency_leaves_the_other_alone(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    email = await verified(client, container, tenant.responder, email_body())
    await _put(client, tenant.responder, "critical", _steps((email, 0)))
    response = await _put(client, tenant.responder, "default", _steps((email, 60)))
    assert [step["delay_seconds"] for step in response.json()["critical"]] == [0]


async def test_an_unverified_method_cannot_be_a_step(client: AsyncClient, tenant: Tenant) -> None:
    email = await add(client, tenant.responder, email_body())
    response = await _put(client, tenant.responder, "default", _steps((email, 0)))
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/steps/0/contact_method_id"
    assert response.json()["errors"][0]["type"] == "not_verified"


async def test_another_users_method_cannot_be_a_step(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    theirs = await verified(client, container, tenant.coordinator, email_body())
    response = await _put(client, tenant.responder, "default", _steps((theirs, 0)))
    assert response.status_code == 422
    assert response.json()["code"] == "reference_not_found"


async def test_steps_out_of_order_are_refused(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    first = await verified(client, container, tenant.responder, email_body())
    second = await verified(client, container, tenant.responder, email_body())
    response = await _put(client, tenant.responder, "default", _steps((first, 60), (second, 0)))
    assert response.status_code == 422
    assert "order" in response.text


async def test_a_method_may_be_a_step_only_once(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    email = await verified(client, container, tenant.responder, email_body())
    response = await _put(client, tenant.responder, "default", _steps((email, 0), (email, 60)))
    assert response.status_code == 422
    assert "only once" in response.text


async def test_a_delay_over_a_day_is_refused(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    email = await verified(client, container, tenant.responder, email_body())
    response = await _put(client, tenant.responder, "default", _steps((email, MAX_STEP_DELAY_SECONDS + 1)))
    assert response.status_code == 422


async def test_a_negative_delay_is_refused(client: AsyncClient, container: Container, tenant: Tenant) -> None:
    email = await verified(client, container, tenant.responder, email_body())
    response = await _put(client, tenant.responder, "default", _steps((email, -1)))
    assert response.status_code == 422


async def test_too_many_steps_are_refused(client: AsyncClient, tenant: Tenant) -> None:
    steps = [{"contact_method_id": f"00000000-0000-0000-0000-{n:012d}", "delay_seconds": n} for n in range(11)]
    assert len(steps) > MAX_RULE_STEPS
    response = await _put(client, tenant.responder, "default", {"steps": steps})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/steps"


async def test_an_unknown_urgency_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    response = await _put(client, tenant.responder, "urgent", {"steps": []})
    assert response.status_code == 422


async def test_the_rule_schema_says_what_happens_without_a_rule(client: AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()["components"]["schemas"]["NotificationRules"]
    assert "every verified push device and email address" in schema["description"]


async def test_a_method_in_another_organization_cannot_be_a_step(
    client: AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await verified(client, container, other_tenant.responder, email_body())
    response = await _put(client, tenant.responder, "default", _steps((theirs, 0)))
    assert response.status_code == 422
    assert response.json()["code"] == "reference_not_found"
