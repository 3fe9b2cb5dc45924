"""What a claim locks: an SMS page holds its number, so concurrent jobs make one bundle; other channels hold nothing,
so many pages to one push subscription go out side by side. SQLite has one writer and no row locks: there claims
never overlap, and only the contact method read is checked."""

from __future__ import annotations

from uuid import UUID

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from sos.contacts.models import ContactMethod
from sos.core.bus import consume_once
from sos.core.config import DatabaseKind
from sos.core.container import Container
from sos.notifications.claims import _contact_method
from sos.notifications.consumer import NotificationConsumer
from sos.notifications.domain import NotificationChannel
from tests.delivery.setup import add_contact, external_notifications, set_rule
from tests.factories import Tenant, raise_sos
from tests.notifications.helpers import BrokerDown, assigned

PUSH_ENDPOINT = "https://push.example.test/subscription/claim-locks"
PHONE = "+4915112345679"


async def _pending_page(
    client: AsyncClient, container: Container, tenant: Tenant, channel: NotificationChannel, address: str
) -> tuple[UUID, UUID]:
    """A page to the responder's only contact method, left pending (its job never enqueued)."""
    method = await add_contact(container, tenant.responder, channel, address, keys={"p256dh": "k", "auth": "a"})
    await set_rule(container, tenant.responder, [(method, 0)])
    alert = await raise_sos(client, tenant.reporter)
    event = assigned(tenant, alert["id"], responder_ids=[tenant.responder.user_id])
    await consume_once(container.uow_factory, NotificationConsumer(BrokerDown()), [event])
    (page,) = [row for row in await external_notifications(container, tenant.responder) if row.status == "pending"]
    return UUID(str(page.id)), method


async def _locked_elsewhere(container: Container, method_id: UUID) -> bool:
    """Whether another connection finds the contact method locked (it does not wait to find out)."""
    async with container.engine.connect() as other:
        try:
            await other.execute(
                select(ContactMethod.id).where(ContactMethod.id == method_id).with_for_update(nowait=True)
            )
        except DBAPIError:
            return True
        finally:
            await other.rollback()
    return False


@pytest.mark.parametrize(
    ("channel", "address", "locks"),
    [(NotificationChannel.SMS, PHONE, True), (NotificationChannel.WEB_PUSH, PUSH_ENDPOINT, False)],
)
async def test_only_an_sms_page_claim_holds_its_contact_method(
    client: AsyncClient,
    container: Container,
    tenant: Tenant,
    channel: NotificationChannel,
    address: str,
    locks: bool,
) -> None:
    page_id, method_id = await _pending_page(client, container, tenant, channel, address)
    async with container.engine.connect() as claiming, claiming.begin():
        method = await _contact_method(claiming, page_id)
        assert method is not None
        assert method.id == method_id
        if container.settings.database_kind is not DatabaseKind.SQLITE:
            assert await _locked_elsewhere(container, method_id) is locks
