from typing import Any
from uuid import uuid4

from httpx import AsyncClient, Response
from sqlalchemy import update

from sos.core.container import Container
from sos.users.domain import MembershipStatus, Role
from sos.users.models import Membership
from tests.factories import Member, Tenant, add_member, raise_sos

INCIDENTS = "/api/v1/incidents"


async def open_incident(client: AsyncClient, member: Member, **body: Any) -> Response:
    return await client.post(INCIDENTS, json={"title": "Flood in the old town"} | body, headers=member.headers)


async def opened(client: AsyncClient, member: Member, **body: Any) -> dict[str, Any]:
    response = await open_incident(client, member, **body)
    assert response.status_code == 201, response.text
    incident: dict[str, Any] = response.json()
    return incident


async def assign(client: AsyncClient, tenant: Tenant, alert_id: str, responder: Member) -> None:
    response = await client.post(
        f"/api/v1/alerts/{alert_id}/assignments",
        json={"responder_ids": [str(responder.user_id)]},
        headers=tenant.coordinator.headers,
    )
    assert response.status_code == 200, response.text


async def test_coordinator_opens_an_incident_from_alerts(client: AsyncClient, tenant: Tenant) -> None:
    first = await raise_sos(client, tenant.reporter)
    second = await raise_sos(client, tenant.reporter)

    response = await open_incident(client, tenant.coordinator, alert_ids=[first["id"], second["id"]])

    assert response.status_code == 201
    incident = response.json()
    assert incident["status"] == "open"
    assert incident["alert_ids"] == [first["id"], second["id"]]
    assert incident["created_by_id"] == str(tenant.coordinator.user_id)
    assert incident["allowed_actions"] == ["resolve"]
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"{INCIDENTS}/{incident['id']}"


async def test_opening_an_incident_points_its_alerts_at_it(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    incident = await opened(client, tenant.coordinator, alert_ids=[alert["id"]])

    response = await client.get(f"/api/v1/alerts/{alert['id']}", headers=tenant.coordinator.headers)

    assert response.json()["incident_id"] == incident["id"]
    assert response.json()["version"] == alert["version"] + 1


async def test_incident_severity_defaults_to_the_highest_of_its_alerts(client: AsyncClient, tenant: Tenant) -> None:
    low = await raise_sos(client, tenant.reporter, severity="low")
    critical = await raise_sos(client, tenant.reporter, severity="critical")

    incident = await opened(client, tenant.coordinator, alert_ids=[low["id"], critical["id"]])

    assert incident["severity"] == "critical"


async def test_incident_without_alerts_defaults_to_high_severity(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.admin)

    assert incident["severity"] == "high"
    assert incident["alert_ids"] == []


async def test_explicit_severity_wins_over_the_alerts(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter, severity="critical")

    incident = await opened(client, tenant.coordinator, alert_ids=[alert["id"]], severity="medium")

    assert incident["severity"] == "medium"


async def test_opening_records_opened_and_merged_events(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    incident = await opened(client, tenant.coordinator, alert_ids=[alert["id"]])
    await container.relay.drain()

    response = await client.get(f"{INCIDENTS}/{incident['id']}/timeline", headers=tenant.coordinator.headers)

    entries = {entry["kind"]: entry for entry in response.json()["items"]}
    assert entries["incident.opened"]["data"]["alert_ids"] == [alert["id"]]
    assert entries["alert.merged"]["alert_id"] == alert["id"]
    assert entries["alert.merged"]["incident_id"] == incident["id"]
    assert entries["alert.merged"]["data"]["from_incident_id"] is None


async def test_reporter_may_not_open_an_incident(client: AsyncClient, tenant: Tenant) -> None:
    response = await open_incident(client, tenant.reporter)

    assert response.status_code == 403


async def test_responder_may_not_open_an_incident(client: AsyncClient, tenant: Tenant) -> None:
    response = await open_incident(client, tenant.responder)

    assert response.status_code == 403


async def test_unknown_alert_ids_are_named(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    unknown = str(uuid4())

    response = await open_incident(client, tenant.coordinator, alert_ids=[alert["id"], unknown])

    assert response.status_code == 422
    assert response.json()["code"] == "reference_not_found"
    assert response.json()["errors"] == [{"pointer": "#/alert_ids", "missing": [unknown]}]


async def test_another_tenants_alert_cannot_join_an_incident(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = await raise_sos(client, other_tenant.reporter)

    response = await open_incident(client, tenant.coordinator, alert_ids=[foreign["id"]])

    assert response.status_code == 422
    assert response.json()["errors"][0]["missing"] == [foreign["id"]]


async def test_failed_open_leaves_no_incident(client: AsyncClient, tenant: Tenant) -> None:
    await open_incident(client, tenant.coordinator, alert_ids=[str(uuid4())])

    response = await client.get(INCIDENTS, headers=tenant.coordinator.headers)

    assert response.json()["items"] == []


async def test_unknown_fields_are_rejected(client: AsyncClient, tenant: Tenant) -> None:
    response = await open_incident(client, tenant.coordinator, priority="p1")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/priority"


async def test_empty_title_is_rejected(client: AsyncClient, tenant: Tenant) -> None:
    response = await open_incident(client, tenant.coordinator, title="   ")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/title"


async def test_responder_can_command_an_incident(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator, commander_id=str(tenant.responder.user_id))

    assert incident["commander_id"] == str(tenant.responder.user_id)


async def test_reporter_cannot_command_an_incident(client: AsyncClient, tenant: Tenant) -> None:
    response = await open_incident(client, tenant.coordinator, commander_id=str(tenant.reporter.user_id))

    assert response.status_code == 422
    assert response.json()["code"] == "reference_not_found"
    assert response.json()["errors"][0]["pointer"] == "#/commander_id"


async def test_member_of_another_tenant_cannot_command_an_incident(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    response = await open_incident(client, tenant.coordinator, commander_id=str(other_tenant.coordinator.user_id))

    assert response.status_code == 422


async def test_merging_adds_alerts_to_an_incident(client: AsyncClient, tenant: Tenant) -> None:
    first = await raise_sos(client, tenant.reporter)
    second = await raise_sos(client, tenant.reporter)
    incident = await opened(client, tenant.coordinator, alert_ids=[first["id"]])

    response = await client.post(
        f"{INCIDENTS}/{incident['id']}/alerts", json={"alert_ids": [second["id"]]}, headers=tenant.coordinator.headers
    )

    assert response.status_code == 200
    assert response.json()["alert_ids"] == [first["id"], second["id"]]
    assert response.json()["version"] == 2
    assert response.headers["ETag"] == '"2"'


async def test_merging_moves_an_alert_out_of_its_previous_incident(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    old = await opened(client, tenant.coordinator, alert_ids=[alert["id"]])
    new = await opened(client, tenant.coordinator, title="Bridge collapse")

    await client.post(
        f"{INCIDENTS}/{new['id']}/alerts", json={"alert_ids": [alert["id"]]}, headers=tenant.coordinator.headers
    )

    left = (await client.get(f"{INCIDENTS}/{old['id']}", headers=tenant.coordinator.headers)).json()
    assert left["alert_ids"] == []
    assert left["version"] == old["version"] + 1
    await container.relay.drain()
    timeline = await client.get(f"/api/v1/alerts/{alert['id']}/timeline", headers=tenant.coordinator.headers)
    merges = [entry for entry in timeline.json()["items"] if entry["kind"] == "alert.merged"]
    assert merges[-1]["data"]["from_incident_id"] == old["id"]
    assert merges[-1]["incident_id"] == new["id"]


async def test_incident_an_alert_left_records_it_on_its_timeline(
    client: AsyncClient, tenant: Tenant, container: Container
) -> None:
    alert = await raise_sos(client, tenant.reporter)
    old = await opened(client, tenant.coordinator, alert_ids=[alert["id"]])
    new = await opened(client, tenant.coordinator, title="Bridge collapse")
    await client.post(
        f"{INCIDENTS}/{new['id']}/alerts", json={"alert_ids": [alert["id"]]}, headers=tenant.coordinator.headers
    )
    await container.relay.drain()

    timeline = await client.get(f"{INCIDENTS}/{old['id']}/timeline", headers=tenant.coordinator.headers)

    moved = [entry for entry in timeline.json()["items"] if entry["kind"] == "incident.alerts_moved_out"]
    assert moved[0]["data"] == {"incident_id": old["id"], "to_incident_id": new["id"], "alert_ids": [alert["id"]]}


async def test_merging_an_alert_already_in_the_incident_changes_nothing(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    incident = await opened(client, tenant.coordinator, alert_ids=[alert["id"]])

    response = await client.post(
        f"{INCIDENTS}/{incident['id']}/alerts", json={"alert_ids": [alert["id"]]}, headers=tenant.coordinator.headers
    )

    assert response.status_code == 200
    assert response.json()["version"] == incident["version"]


async def test_merging_into_a_resolved_incident_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    incident = await opened(client, tenant.coordinator)
    await client.post(f"{INCIDENTS}/{incident['id']}/resolve", headers=tenant.coordinator.headers)

    response = await client.post(
        f"{INCIDENTS}/{incident['id']}/alerts", json={"alert_ids": [alert["id"]]}, headers=tenant.coordinator.headers
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


async def test_merging_needs_at_least_one_alert(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)

    response = await client.post(
        f"{INCIDENTS}/{incident['id']}/alerts", json={"alert_ids": []}, headers=tenant.coordinator.headers
    )

    assert response.status_code == 422


async def test_merging_unknown_alerts_names_them(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)
    unknown = str(uuid4())

    response = await client.post(
        f"{INCIDENTS}/{incident['id']}/alerts", json={"alert_ids": [unknown]}, headers=tenant.coordinator.headers
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"pointer": "#/alert_ids", "missing": [unknown]}]


async def test_responder_may_not_merge_alerts(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    incident = await opened(client, tenant.coordinator)

    response = await client.post(
        f"{INCIDENTS}/{incident['id']}/alerts", json={"alert_ids": [alert["id"]]}, headers=tenant.responder.headers
    )

    assert response.status_code == 403


async def test_incidents_are_listed_newest_first_a_page_at_a_time(client: AsyncClient, tenant: Tenant) -> None:
    created = [await opened(client, tenant.coordinator, title=f"Incident {n}") for n in range(3)]

    first = (await client.get(INCIDENTS, params={"limit": 2}, headers=tenant.coordinator.headers)).json()
    second = (
        await client.get(
            INCIDENTS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=tenant.coordinator.headers
        )
    ).json()

    assert [item["id"] for item in first["items"] + second["items"]] == [item["id"] for item in reversed(created)]
    assert second["next_cursor"] is None


async def test_incidents_can_be_filtered_by_status(client: AsyncClient, tenant: Tenant) -> None:
    resolved = await opened(client, tenant.coordinator, title="Done")
    await client.post(f"{INCIDENTS}/{resolved['id']}/resolve", headers=tenant.coordinator.headers)
    still_open = await opened(client, tenant.coordinator, title="Ongoing")

    response = await client.get(INCIDENTS, params={"status": "open"}, headers=tenant.coordinator.headers)

    assert [item["id"] for item in response.json()["items"]] == [still_open["id"]]


async def test_listed_incidents_carry_their_alert_ids(client: AsyncClient, tenant: Tenant) -> None:
    alert = await raise_sos(client, tenant.reporter)
    await opened(client, tenant.coordinator, alert_ids=[alert["id"]])

    response = await client.get(INCIDENTS, headers=tenant.coordinator.headers)

    assert response.json()["items"][0]["alert_ids"] == [alert["id"]]


async def test_incidents_of_another_tenant_are_not_listed(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await opened(client, other_tenant.coordinator)

    response = await client.get(INCIDENTS, headers=tenant.coordinator.headers)

    assert response.json()["items"] == []


async def test_a_forged_cursor_is_a_bad_request(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(INCIDENTS, params={"cursor": "not-a-cursor"}, headers=tenant.coordinator.headers)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


async def test_responder_can_read_incidents(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)

    response = await client.get(f"{INCIDENTS}/{incident['id']}", headers=tenant.responder.headers)

    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'


async def test_reporter_may_not_list_incidents(client: AsyncClient, tenant: Tenant) -> None:
    response = await client.get(INCIDENTS, headers=tenant.reporter.headers)

    assert response.status_code == 403


async def test_reporter_may_not_read_an_incident(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)

    response = await client.get(f"{INCIDENTS}/{incident['id']}", headers=tenant.reporter.headers)

    assert response.status_code == 403


async def test_responder_sees_only_the_alerts_assigned_to_them(client: AsyncClient, tenant: Tenant) -> None:
    mine = await raise_sos(client, tenant.reporter)
    other = await raise_sos(client, tenant.reporter)
    await assign(client, tenant, mine["id"], tenant.responder)
    incident = await opened(client, tenant.coordinator, alert_ids=[mine["id"], other["id"]])

    response = await client.get(f"{INCIDENTS}/{incident['id']}", headers=tenant.responder.headers)

    assert response.json()["alert_ids"] == [mine["id"]]


async def test_another_tenants_incident_is_not_found(client: AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
    foreign = await opened(client, other_tenant.coordinator)

    response = await client.get(f"{INCIDENTS}/{foreign['id']}", headers=tenant.coordinator.headers)

    assert response.status_code == 404


async def test_another_tenants_incident_cannot_be_changed(
    client: AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = await opened(client, other_tenant.coordinator)
    url = f"{INCIDENTS}/{foreign['id']}"
    headers = tenant.coordinator.headers

    statuses = [
        (await client.patch(url, json={"title": "Mine now"}, headers=headers)).status_code,
        (await client.post(f"{url}/alerts", json={"alert_ids": [str(uuid4())]}, headers=headers)).status_code,
        (await client.post(f"{url}/resolve", headers=headers)).status_code,
    ]

    assert statuses == [404, 404, 404]


async def test_patch_changes_the_fields_sent(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator, summary="Water rising")

    response = await client.patch(
        f"{INCIDENTS}/{incident['id']}",
        json={"title": "Major flood", "severity": "critical", "commander_id": str(tenant.responder.user_id)},
        headers=tenant.coordinator.headers,
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["severity"], body["summary"]) == ("Major flood", "critical", "Water rising")
    assert body["commander_id"] == str(tenant.responder.user_id)
    assert body["version"] == 2
    assert response.headers["ETag"] == '"2"'


async def test_patch_with_a_stale_if_match_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)
    await client.patch(f"{INCIDENTS}/{incident['id']}", json={"title": "First"}, headers=tenant.coordinator.headers)

    response = await client.patch(
        f"{INCIDENTS}/{incident['id']}",
        json={"title": "Second"},
        headers=tenant.coordinator.headers | {"If-Match": '"1"'},
    )

    assert response.status_code == 412
    assert response.json()["current_version"] == 2


async def test_patch_with_the_current_if_match_succeeds(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)

    response = await client.patch(
        f"{INCIDENTS}/{incident['id']}",
        json={"title": "Second"},
        headers=tenant.coordinator.headers | {"If-Match": '"1"'},
    )

    assert response.status_code == 200


async def test_patch_clears_the_commander_with_null(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator, commander_id=str(tenant.coordinator.user_id))

    response = await client.patch(
        f"{INCIDENTS}/{incident['id']}", json={"commander_id": None}, headers=tenant.coordinator.headers
    )

    assert response.json()["commander_id"] is None


async def test_patch_cannot_clear_the_title(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)

    response = await client.patch(f"{INCIDENTS}/{incident['id']}", json={"title": None}, headers=tenant.admin.headers)

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/title"


async def test_patch_with_nothing_to_change_is_rejected(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)

    response = await client.patch(f"{INCIDENTS}/{incident['id']}", json={}, headers=tenant.admin.headers)

    assert response.status_code == 422


async def test_patch_to_the_same_values_keeps_the_version(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)

    response = await client.patch(
        f"{INCIDENTS}/{incident['id']}", json={"title": incident["title"]}, headers=tenant.admin.headers
    )

    assert response.json()["version"] == incident["version"]


async def test_patch_rejects_a_deactivated_commander(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    incident = await opened(client, tenant.coordinator)
    leaver = await add_member(container, tenant, Role.RESPONDER, label="leaver")
    async with container.engine.begin() as connection:
        await connection.execute(
            update(Membership).where(Membership.user_id == leaver.user_id).values(status=MembershipStatus.DEACTIVATED)
        )

    response = await client.patch(
        f"{INCIDENTS}/{incident['id']}", json={"commander_id": str(leaver.user_id)}, headers=tenant.admin.headers
    )

    assert response.status_code == 422
    assert response.json()["code"] == "reference_not_found"


async def test_responder_may_not_patch_an_incident(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)

    response = await client.patch(
        f"{INCIDENTS}/{incident['id']}", json={"title": "x"}, headers=tenant.responder.headers
    )

    assert response.status_code == 403


async def test_resolving_an_incident_stamps_it(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)

    response = await client.post(f"{INCIDENTS}/{incident['id']}/resolve", headers=tenant.coordinator.headers)

    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    assert response.json()["resolved_at"] is not None
    assert response.json()["allowed_actions"] == ["reopen"]


async def test_reopening_a_resolved_incident_clears_its_resolution(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)
    await client.post(f"{INCIDENTS}/{incident['id']}/resolve", headers=tenant.coordinator.headers)

    response = await client.post(
        f"{INCIDENTS}/{incident['id']}/reopen", json={"note": "flooding again"}, headers=tenant.coordinator.headers
    )

    assert response.json()["status"] == "open"
    assert response.json()["resolved_at"] is None
    assert response.json()["version"] == 3


async def test_resolving_a_resolved_incident_is_a_conflict(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)
    await client.post(f"{INCIDENTS}/{incident['id']}/resolve", headers=tenant.coordinator.headers)

    response = await client.post(f"{INCIDENTS}/{incident['id']}/resolve", headers=tenant.coordinator.headers)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["allowed_actions"] == ["reopen"]


async def test_reopening_an_open_incident_is_a_conflict(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)

    response = await client.post(f"{INCIDENTS}/{incident['id']}/reopen", headers=tenant.coordinator.headers)

    assert response.status_code == 409


async def test_resolving_with_a_stale_if_match_is_refused(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)
    await client.patch(f"{INCIDENTS}/{incident['id']}", json={"title": "Renamed"}, headers=tenant.admin.headers)

    response = await client.post(
        f"{INCIDENTS}/{incident['id']}/resolve", headers=tenant.coordinator.headers | {"If-Match": '"1"'}
    )

    assert response.status_code == 412


async def test_responder_may_not_resolve_an_incident(client: AsyncClient, tenant: Tenant) -> None:
    incident = await opened(client, tenant.coordinator)

    response = await client.post(f"{INCIDENTS}/{incident['id']}/resolve", headers=tenant.responder.headers)

    assert response.status_code == 403


async def test_incident_changes_land_on_its_timeline(client: AsyncClient, tenant: Tenant, container: Container) -> None:
    incident = await opened(client, tenant.coordinator)
    url = f"{INCIDENTS}/{incident['id']}"
    await client.patch(url, json={"severity": "critical"}, headers=tenant.coordinator.headers)
    await client.post(f"{url}/resolve", headers=tenant.coordinator.headers)
    await client.post(f"{url}/reopen", headers=tenant.coordinator.headers)
    await container.relay.drain()

    response = await client.get(f"{url}/timeline", headers=tenant.coordinator.headers)

    kinds = [entry["kind"] for entry in response.json()["items"]]
    assert kinds == ["incident.opened", "incident.updated", "incident.resolved", "incident.reopened"]
    assert response.json()["items"][1]["data"]["changes"] == {"severity": "critical"}
