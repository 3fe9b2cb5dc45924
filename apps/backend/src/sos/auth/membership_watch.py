"""Ends access tokens within seconds of a membership change, without a database read per request.

Access tokens carry the membership version they were issued for. Every few seconds each process loads the versions
of memberships changed within the last access-token lifetime (older changes cannot concern a live token). A token
whose membership has moved on since it was issued (deactivated, role changed) is refused; a refresh issues a token
for the membership as it is now, or none at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from sos.core.db import utcnow
from sos.users.models import Membership

logger = logging.getLogger("sos.auth.membership_watch")


class MembershipWatch:
    def __init__(self, engine: AsyncEngine, *, token_ttl_seconds: int, poll_seconds: float) -> None:
        self._engine = engine
        # A margin over the token lifetime covers clock skew between replicas and the poll gap itself.
        self._window = timedelta(seconds=token_ttl_seconds + 60)
        self._poll_seconds = poll_seconds
        self._versions: dict[tuple[UUID, UUID], int] = {}
        self._task: asyncio.Task[None] | None = None

    def is_current(self, *, user_id: UUID, organization_id: UUID, version: int) -> bool:
        latest = self._versions.get((user_id, organization_id))
        return latest is None or version >= latest

    async def refresh(self) -> None:
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(Membership.user_id, Membership.organization_id, Membership.version).where(
                    Membership.updated_at >= utcnow() - self._window
                )
            )
            self._versions = {(row.user_id, row.organization_id): row.version for row in rows}

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._poll_seconds)
            try:
                await self.refresh()
            except Exception:
                logger.exception("could not load membership changes; keeping the last known ones")

    async def start(self) -> None:
        """Loads the recent changes before the process serves, so a new replica does not start out trusting all."""
        if self._task is not None:
            return
        try:
            await self.refresh()
        except Exception:
            logger.exception("could not load membership changes at start; polling continues")
        self._task = asyncio.create_task(self._run(), name="membership-watch")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
