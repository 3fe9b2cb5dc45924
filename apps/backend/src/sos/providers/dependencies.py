from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from sos.core.dependencies import ContainerDep
from sos.providers.runtime import DeliveryRuntime


async def get_delivery_runtime(container: ContainerDep) -> DeliveryRuntime:
    return container.delivery


DeliveryRuntimeDep = Annotated[DeliveryRuntime, Depends(get_delivery_runtime)]
