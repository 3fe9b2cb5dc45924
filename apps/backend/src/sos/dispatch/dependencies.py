from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from sos.core.dependencies import ContainerDep
from sos.dispatch.ranker import Ranker


async def ranker(container: ContainerDep) -> Ranker:
    """Ranking by road ETA where a routing service is configured, among responders located recently enough."""
    return Ranker.from_settings(container.settings)


RankerDep = Annotated[Ranker, Depends(ranker)]
