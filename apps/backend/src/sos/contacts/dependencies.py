"""What the contacts routes need from the running install: the secret box, and how strict addresses must be."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from sos.contacts.service import AddressPolicy
from sos.core.dependencies import ContainerDep
from sos.providers.egress import egress_policy
from sos.providers.secrets import SecretBox, secret_box


async def get_secret_box(container: ContainerDep) -> SecretBox:
    return secret_box(container.settings)


async def get_address_policy(container: ContainerDep) -> AddressPolicy:
    settings = container.settings
    return AddressPolicy(
        box=secret_box(settings),
        allow_loopback_http=settings.environment != "production",
        egress=egress_policy(settings),
    )


SecretBoxDep = Annotated[SecretBox, Depends(get_secret_box)]
AddressPolicyDep = Annotated[AddressPolicy, Depends(get_address_policy)]
