from __future__ import annotations

from html import escape
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from sos.auth.dependencies import CurrentPrincipal
from sos.core.dependencies import UnitOfWorkDep
from sos.core.pagination import Page, Paging
from sos.notifications import ack, service
from sos.notifications.schemas import AckResult, NotificationRead

router = APIRouter(prefix="/me/notifications", tags=["notifications"])


@router.get("", operation_id="list_my_notifications", summary="List your in-app notifications, newest first")
async def list_my_notifications(
    principal: CurrentPrincipal,
    uow: UnitOfWorkDep,
    paging: Paging,
    unread: Annotated[bool, Query(description="Only the ones you have not read yet")] = False,
) -> Page[NotificationRead]:
    return await service.list_notifications(
        uow, principal, unread_only=unread, cursor=paging.cursor, limit=paging.limit
    )


@router.post(
    "/{notification_id}/read",
    operation_id="mark_my_notification_read",
    summary="Mark one of your notifications read; marking it again changes nothing",
    responses={404: {"description": "No such notification for you"}},
)
async def mark_my_notification_read(
    notification_id: UUID, principal: CurrentPrincipal, uow: UnitOfWorkDep
) -> NotificationRead:
    return await service.mark_read(uow, principal, notification_id)


ack_router = APIRouter(prefix="/ack", tags=["acknowledge"])

_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "X-Frame-Options": "DENY",
}
_TOKEN = Path(min_length=10, max_length=120, pattern=r"^[0-9a-f]{32}\.[0-9]{1,12}\.[A-Za-z0-9_-]{1,40}$")


def _page(heading: str, text: str, *, form: bool = False, status_code: int = 200) -> HTMLResponse:
    button = (
        '<form method="post"><button type="submit">Acknowledge the alert</button></form>'
        "<p class=note>The button is needed: mail scanners open links, and must not acknowledge for you.</p>"
        if form
        else ""
    )
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(heading)} · SOS Platform</title>
<style>body{{font:18px/1.5 system-ui,sans-serif;margin:0;padding:2rem;background:#f8fafc;color:#0f172a}}
main{{max-width:32rem;margin:auto}}button{{font:inherit;font-weight:600;padding:.9rem 1.6rem;border:0;
border-radius:.5rem;background:#b91c1c;color:#fff;cursor:pointer}}button:focus-visible{{outline:3px solid #1d4ed8;
outline-offset:3px}}.note{{color:#475569;font-size:.9rem}}</style></head>
<body><main><h1>{escape(heading)}</h1><p>{escape(text)}</p>{button}</main></body></html>"""
    return HTMLResponse(body, status_code=status_code, headers=_PAGE_HEADERS)


@ack_router.get(
    "/{token}",
    operation_id="show_acknowledge_page",
    summary="The page behind an acknowledge link: one button that acknowledges the alert",
    response_class=HTMLResponse,
)
async def show_acknowledge_page(token: Annotated[str, _TOKEN]) -> HTMLResponse:
    return _page("Acknowledge this SOS alert?", "You were notified about an alert.", form=True)


_STATUS_CODES = {"acknowledged": 200, "already_acknowledged": 200, "closed": 409, "used": 409, "expired": 410}


@ack_router.post(
    "/{token}",
    operation_id="acknowledge_with_token",
    summary="Acknowledge the alert an emailed, pushed or chat link names; the token works once and expires",
    responses={
        200: {"description": "Acknowledged, or it was already", "model": AckResult},
        404: {"description": "The token is not valid"},
        409: {"description": "The alert is closed, or the token was used"},
        410: {"description": "The token expired"},
    },
)
async def acknowledge_with_token(token: Annotated[str, _TOKEN], uow: UnitOfWorkDep, request: Request) -> Response:
    outcome = await ack.acknowledge_with_token(uow, token, via=_via(request))
    status_code = _STATUS_CODES.get(outcome.status, 404)
    if "application/json" in request.headers.get("accept", ""):
        result = AckResult(status=outcome.status, alert_id=outcome.alert_id, message=outcome.message)
        return JSONResponse(result.model_dump(mode="json"), status_code=status_code, headers=_PAGE_HEADERS)
    heading = "Acknowledged" if outcome.status == "acknowledged" else "Nothing changed"
    return _page(heading, outcome.message, status_code=status_code)


def _via(request: Request) -> str:
    """Where the click came from, for the timeline: a push action says so; a form post is the email or chat link."""
    via = request.query_params.get("via", "link")
    return via if via in {"push", "email", "chat", "link"} else "link"
