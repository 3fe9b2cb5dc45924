from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from sos.core.dependencies import ContainerDep
from sos.dispatch.routing import Routing


async def routing(container: ContainerDep) -> Routing | None:
    """The configured road-routing service, or ``None`` to rank by straight-line distance."""
    return Routing.from_settings(container.settings)


RoutingDep = Annotated[Routing | None, Depends(routing)]
