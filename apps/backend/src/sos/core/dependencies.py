"""Request-scoped dependencies shared by every domain router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sos.core.container import Container
from sos.core.uow import UnitOfWork


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def new_unit_of_work(container: Annotated[Container, Depends(get_container)]) -> UnitOfWork:
    return container.uow_factory()


ContainerDep = Annotated[Container, Depends(get_container)]
UnitOfWorkDep = Annotated[UnitOfWork, Depends(new_unit_of_work)]
