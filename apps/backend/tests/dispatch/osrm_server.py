"""A loopback stand-in for an OSRM routing server's table service (``/table/v1/driving/...``).

It answers as OSRM does: ``{"code": "Ok", "durations": [[...], ...], "sources": [...], "destinations": [...]}``, one
row per source and one column per destination, ``null`` where no route exists, and errors as
``{"code": "InvalidQuery", "message": ...}`` with status 400. Durations come from a function of the source and
destination coordinates that the test sets; it can also answer slowly or with an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

Coordinate = tuple[float, float]
"""(lon, lat), in OSRM's order."""
Durations = Callable[[Coordinate, Coordinate], float | None]


@dataclass(frozen=True, slots=True)
class TableRequest:
    coordinates: list[Coordinate]
    sources: list[int]
    destinations: list[int]
    annotations: str
    raw_query: str


def _indexes(raw: str | None, count: int) -> list[int]:
    if raw is None or raw == "all":
        return list(range(count))
    return [int(part) for part in raw.split(";")]


class FakeOsrm:
    """Use as ``async with FakeOsrm() as osrm``; ``osrm.url`` is the base URL to configure."""

    def __init__(self) -> None:
        self.requests: list[TableRequest] = []
        self.durations: Durations = lambda _source, _destination: 60.0
        self.delay = 0.0
        self.failure: tuple[int, dict[str, Any] | str] | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _table(self, request: web.Request) -> web.Response:
        text = request.match_info["coordinates"]
        coordinates = [(float(lon), float(lat)) for lon, lat in (pair.split(",") for pair in text.split(";"))]
        sources = _indexes(request.query.get("sources"), len(coordinates))
        destinations = _indexes(request.query.get("destinations"), len(coordinates))
        self.requests.append(
            TableRequest(coordinates, sources, destinations, request.query.get("annotations", ""), request.query_string)
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failure is not None:
            status, body = self.failure
            if isinstance(body, str):
                return web.Response(status=status, text=body)
            return web.json_response(body, status=status)
        rows = [[self.durations(coordinates[s], coordinates[d]) for d in destinations] for s in sources]
        return web.json_response(
            {
                "code": "Ok",
                "durations": rows,
                "sources": [{"location": list(coordinates[s]), "name": ""} for s in sources],
                "destinations": [{"location": list(coordinates[d]), "name": ""} for d in destinations],
            }
        )

    async def start(self) -> FakeOsrm:
        app = web.Application()
        app.router.add_get("/table/v1/driving/{coordinates}", self._table)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOsrm:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.stop()
