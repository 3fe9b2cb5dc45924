"""A container tuned for the live stream (quick heartbeats and membership checks, a short log, small queues) on a
database of its own, so no other test's relay takes its events, served by a real uvicorn on a free port. Scoped to
the package, so the server, relay and heartbeats stop once the stream tests are done instead of slowing the rest."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from sos.app import create_app
from sos.core.container import Container, bootstrap
from sos.models import metadata
from tests.databases import throwaway_database
from tests.settings import make_settings
from tests.stream.support import STREAM_SETTINGS, TLS, free_port, until_listening


@pytest.fixture(scope="package")
async def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    async with throwaway_database(backend, tmp_path_factory.mktemp(f"stream-{backend}")) as url:
        yield url


@pytest.fixture(scope="package")
async def container(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Container]:
    settings = make_settings(database_url, tmp_path_factory.mktemp("stream-data")).model_copy(update=STREAM_SETTINGS)
    container = bootstrap(settings)
    async with container.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield container
    await container.dispose()


@pytest.fixture(scope="package")
async def app(container: Container) -> AsyncIterator[FastAPI]:
    application = create_app(container=container)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="package")
async def server(app: FastAPI) -> AsyncIterator[str]:
    """The app behind a real HTTP server: a stream is only a stream over a socket."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", access_log=False, http="httptools"
    )
    running = uvicorn.Server(config)
    task = asyncio.create_task(running.serve())
    await until_listening(port)
    base_url = f"http://127.0.0.1:{port}"
    # FastAPI builds its routes' dependency state on the first request; pay that here, not in the first test.
    async with httpx.AsyncClient(base_url=base_url, verify=TLS) as http:
        await http.get("/api/v1/stream")
    yield base_url
    running.should_exit = running.force_exit = True
    async with asyncio.timeout(10):
        await task
