from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

from sos.app import create_app
from sos.core.config import Settings
from sos.core.container import bootstrap
from tests.settings import make_settings

UNUSED_DATABASE = "postgresql://nobody@127.0.0.1:9/nothing"


def _export(root: Path) -> Path:
    """A miniature static export, shaped like `next build` with trailingSlash."""
    (root / "alerts" / "view").mkdir(parents=True)
    (root / "_next" / "static" / "chunks").mkdir(parents=True)
    (root / "index.html").write_text("<h1>console</h1>")
    (root / "404.html").write_text("<h1>not here</h1>")
    (root / "alerts" / "index.html").write_text("<h1>inbox</h1>")
    (root / "alerts" / "view" / "index.html").write_text("<h1>alert</h1>")
    (root / "_next" / "static" / "chunks" / "app-0123abcd.js").write_text("console.log(1)")
    return root


async def _client(settings: Settings) -> AsyncIterator[AsyncClient]:
    container = bootstrap(settings)
    application = create_app(container=container)
    application.state.container = container
    async with AsyncClient(transport=ASGITransport(app=application), base_url="http://testserver") as http:
        yield http
    await container.dispose()


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[AsyncClient]:
    settings = make_settings(UNUSED_DATABASE, tmp_path).model_copy(
        update={"web_dir": _export(tmp_path / "out"), "map_tile_url": "https://tiles.example.org/{z}/{x}/{y}.png"}
    )
    async for http in _client(settings):
        yield http


@pytest.fixture
async def no_console(tmp_path: Path) -> AsyncIterator[AsyncClient]:
    async for http in _client(make_settings(UNUSED_DATABASE, tmp_path)):
        yield http


async def test_console_pages_are_served_from_the_export(console: AsyncClient) -> None:
    response = await console.get("/alerts/view/?id=0193")
    assert response.status_code == 200
    assert response.text == "<h1>alert</h1>"


async def test_a_page_without_its_trailing_slash_redirects_to_it(console: AsyncClient) -> None:
    response = await console.get("/alerts")
    assert response.status_code in {307, 308}
    assert response.headers["location"].endswith("/alerts/")


async def test_an_unknown_page_gets_the_console_404(console: AsyncClient) -> None:
    response = await console.get("/no-such-page/")
    assert response.status_code == 404
    assert response.text == "<h1>not here</h1>"


async def test_an_unknown_api_path_stays_a_problem_document(console: AsyncClient) -> None:
    response = await console.get("/api/v1/no-such-resource")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_api_routes_win_over_the_console(console: AsyncClient) -> None:
    response = await console.get("/livez")
    assert response.json() == {"status": "ok"}


async def test_hashed_assets_are_cached_for_good(console: AsyncClient) -> None:
    response = await console.get("/_next/static/chunks/app-0123abcd.js")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_pages_are_revalidated_on_every_load(console: AsyncClient) -> None:
    assert (await console.get("/")).headers["cache-control"] == "no-cache"


async def test_pages_carry_a_content_security_policy_allowing_the_tile_host(console: AsyncClient) -> None:
    policy = (await console.get("/")).headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "img-src 'self' data: blob: https://tiles.example.org" in policy
    assert "connect-src 'self'" in policy


async def test_console_config_carries_the_map_tile_setting(console: AsyncClient) -> None:
    response = await console.get("/console-config.json")
    assert response.json() == {"mapTileUrl": "https://tiles.example.org/{z}/{x}/{y}.png", "mapTileAttribution": ""}


async def test_without_a_built_console_the_root_points_at_the_api_docs(no_console: AsyncClient) -> None:
    response = await no_console.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "/api/docs"


def test_a_tile_url_must_be_a_template(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="SOS_MAP_TILE_URL"):
        Settings(map_tile_url="https://tiles.example.org/tile.png", data_dir=tmp_path)
