from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Sequence

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Row, delete, select

from sos.core.container import Container
from sos.core.uow import UnitOfWorkFactory
from sos.providers.models import InstallKey
from sos.providers.secrets import SecretBox, secret_box
from sos.providers.vapid import ensure_vapid_keys


async def _forget_keys(container: Container) -> None:
    async with container.engine.begin() as connection:
        await connection.execute(delete(InstallKey))


@pytest.fixture
async def uow_factory(container: Container) -> AsyncIterator[UnitOfWorkFactory]:
    await _forget_keys(container)
    yield container.uow_factory
    await _forget_keys(container)


@pytest.fixture
def box(container: Container) -> SecretBox:
    return secret_box(container.settings)


async def _stored_rows(container: Container) -> Sequence[Row[str, str, str]]:
    async with container.engine.connect() as connection:
        query = select(InstallKey.name, InstallKey.public, InstallKey.private)
        return (await connection.execute(query)).all()


async def test_the_first_call_makes_a_p256_pair_whose_public_key_a_browser_accepts(
    uow_factory: UnitOfWorkFactory, box: SecretBox
) -> None:
    keys = await ensure_vapid_keys(uow_factory(), box)

    private_key = serialization.load_pem_private_key(keys.private_key_pem.encode(), password=None)
    assert isinstance(private_key, ec.EllipticCurvePrivateKey)
    assert isinstance(private_key.curve, ec.SECP256R1)
    point = base64.urlsafe_b64decode(keys.public_key + "=" * (-len(keys.public_key) % 4))
    assert "=" not in keys.public_key
    assert point == private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


async def test_later_calls_return_the_stored_pair(uow_factory: UnitOfWorkFactory, box: SecretBox) -> None:
    first = await ensure_vapid_keys(uow_factory(), box)

    again = await ensure_vapid_keys(uow_factory(), box)

    assert again == first


async def test_the_private_key_is_stored_encrypted(
    uow_factory: UnitOfWorkFactory, box: SecretBox, container: Container
) -> None:
    keys = await ensure_vapid_keys(uow_factory(), box)

    [row] = await _stored_rows(container)
    assert (row.name, row.public) == ("vapid", keys.public_key)
    assert keys.private_key_pem.splitlines()[1] not in row.private
    assert box.open(row.private) == {"pem": keys.private_key_pem}


async def test_replicas_racing_to_make_the_pair_all_get_the_one_stored(
    uow_factory: UnitOfWorkFactory, box: SecretBox, container: Container
) -> None:
    results = await asyncio.gather(*(ensure_vapid_keys(uow_factory(), box) for _ in range(5)))

    [row] = await _stored_rows(container)
    assert {keys.public_key for keys in results} == {row.public}


async def test_a_replaced_key_row_is_read_afresh(
    uow_factory: UnitOfWorkFactory, box: SecretBox, container: Container
) -> None:
    old = await ensure_vapid_keys(uow_factory(), box)
    await _forget_keys(container)

    new = await ensure_vapid_keys(uow_factory(), box)

    assert new.public_key != old.public_key
    assert await ensure_vapid_keys(uow_factory(), box) == new


async def test_the_private_key_does_not_show_in_the_repr(uow_factory: UnitOfWorkFactory, box: SecretBox) -> None:
    keys = await ensure_vapid_keys(uow_factory(), box)

    assert "PRIVATE" not in repr(keys)
