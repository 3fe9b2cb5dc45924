"""HTTP conditional-request helpers: ETags from versions, and If-Match."""

from __future__ import annotations

import re

from fastapi import Response

from sos.core.errors import BadRequest, ErrorCode

_ETAG = re.compile(r'^\s*(?:W/)?"(\d+)"\s*$')


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def expected_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` header demands; ``None`` when absent or ``*``."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match)
    if match is None:
        raise BadRequest('If-Match must be an ETag this API issued, such as "3".', code=ErrorCode.VALIDATION_FAILED)
    return int(match.group(1))
