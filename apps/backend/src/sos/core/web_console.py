"""Serves the built web console (a static Next.js export) from the API process, with its runtime settings."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from sos.core.config import Settings

CONFIG_PATH = "/console-config.json"
_IMMUTABLE = "public, max-age=31536000, immutable"
# HTML and the service worker must be revalidated, so a new release reaches every browser on its next load.
_REVALIDATE = "no-cache"


def content_security_policy(settings: Settings) -> str:
    """Next's static export bootstraps with inline scripts, so script-src needs 'unsafe-inline'; everything else is
    held to this origin (plus the map tile host, when one is configured)."""
    tile_origin = ""
    if settings.map_tile_url:
        parts = urlsplit(settings.map_tile_url.replace("{s}", "a"))
        tile_origin = f" {parts.scheme}://{parts.netloc}"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob:{tile_origin}",
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        )
    )


class ConsoleFiles(StaticFiles):
    """Static files with the console's caching and security headers."""

    def __init__(self, directory: Path, csp: str) -> None:
        super().__init__(directory=directory, html=True)
        self._headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"permissions-policy", b"geolocation=(self), camera=(), microphone=()"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if path.startswith("/api/"):
            # An unknown API path is an API error (problem+json), not the console's HTML 404 page.
            raise HTTPException(status_code=404)
        cache = _IMMUTABLE if path.startswith("/_next/static/") else _REVALIDATE

        async def send_with_headers(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))  # type: ignore[call-overload]
                headers.append((b"cache-control", cache.encode()))
                headers.extend(self._headers)
                message["headers"] = headers
            await send(message)

        await super().__call__(scope, receive, send_with_headers)  # type: ignore[arg-type]


def mount_web_console(app: FastAPI, settings: Settings) -> bool:
    """Mounts the console at / when it has been built; returns whether it was."""
    directory = settings.web_console_dir
    if directory is None:
        return False
    config = {"mapTileUrl": settings.map_tile_url, "mapTileAttribution": settings.map_tile_attribution}

    @app.get(CONFIG_PATH, include_in_schema=False)
    async def console_config() -> JSONResponse:
        return JSONResponse(config, headers={"Cache-Control": _REVALIDATE})

    app.mount("/", ConsoleFiles(directory, content_security_policy(settings)), name="web-console")
    return True
