"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from sos.alerts.router import router as alerts_router
from sos.analytics.router import router as analytics_router
from sos.auth.router import router as auth_router
from sos.checkins.router import router as checkins_router
from sos.contacts.router import router as contacts_router
from sos.core.config import Settings
from sos.core.container import Container, bootstrap
from sos.core.errors import install_error_handlers
from sos.core.logging import configure_logging
from sos.core.middleware import BodySizeLimitMiddleware, RequestIdMiddleware
from sos.core.web_console import mount_web_console
from sos.dispatch.router import router as dispatch_router
from sos.escalation.router import router as escalation_router
from sos.health.router import router as health_router
from sos.inbound.router import router as inbound_router
from sos.incidents.router import router as incidents_router
from sos.messages.router import router as messages_router
from sos.notifications.router import ack_router
from sos.notifications.router import router as notifications_router
from sos.organizations.router import router as organizations_router
from sos.providers.router import router as providers_router
from sos.responders.router import router as responders_router
from sos.schedules.router import router as schedules_router
from sos.stream.router import router as stream_router
from sos.teams.router import router as teams_router
from sos.timeline.router import router as timeline_router
from sos.users.router import router as users_router

API_PREFIX = "/api/v1"


def _operation_id(route: APIRoute) -> str:
    return route.name


# Routes are matched in order, so the hot alert paths come first.
API_ROUTERS: tuple[APIRouter, ...] = (
    alerts_router,
    messages_router,
    timeline_router,
    incidents_router,
    auth_router,
    responders_router,
    users_router,
    teams_router,
    organizations_router,
    checkins_router,
    notifications_router,
    escalation_router,
    schedules_router,
    analytics_router,
    contacts_router,
    providers_router,
    ack_router,
    inbound_router,
    dispatch_router,
    stream_router,
)


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    settings = settings or (container.settings if container else Settings())
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = container is None
        app.state.container = container or bootstrap(settings)
        await app.state.container.start()
        try:
            yield
        finally:
            if owned:
                await app.state.container.dispose()
            else:
                await app.state.container.stop()

    app = FastAPI(
        title="SOS Platform API",
        version="1.0.0",
        summary="Raise, triage, dispatch and resolve SOS alerts.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    install_error_handlers(app)
    app.include_router(health_router)
    # Included straight into the app, not through a parent router: each level of nesting costs route matching time.
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)

    if not mount_web_console(app, settings):

        @app.get("/", include_in_schema=False)
        async def root() -> RedirectResponse:
            return RedirectResponse("/api/docs")

    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    return app
