"""Authorization of the live stream routes."""

from __future__ import annotations

from tests.authz.cases import Case

CASES: list[Case] = []
# Routes the request/response matrix cannot drive (a stream never ends), with where their authorization is tested.
# The WebSocket (/api/v1/stream/ws) is not in the OpenAPI document the matrix reads; tests/stream/test_websocket.py
# covers its authentication by first frame.
EXEMPT: dict[str, str] = {
    "GET /api/v1/stream": "Server-Sent Events: every role may open one and receives only what the REST API shows it; "
    "no token, a bad or expired token (401), deactivation (the stream ends) in tests/stream/test_sse.py, and per "
    "role, assignment and organization filtering in tests/stream/test_permissions.py",
}
