"""Background jobs: work that must retry, run by Celery workers or, in the embedded mode, in this process."""

from __future__ import annotations

from typing import Any, Protocol


class JobQueue(Protocol):
    async def enqueue(self, task: str, args: dict[str, Any], *, key: str, queue: str = "default") -> None:
        """Schedules ``task`` with JSON ``args`` (ids, not objects); ``key`` makes its effect happen once."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class _NoJobs:
    async def enqueue(self, task: str, args: dict[str, Any], *, key: str, queue: str = "default") -> None:
        raise RuntimeError("no job runner is configured yet")

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def build_job_queue(settings: Any, uow_factory: Any) -> JobQueue:
    return _NoJobs()
