"""HTTP conditional-request helpers: ETags from versions, and If-Match."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Response

from sos.core.errors import BadRequest, ErrorCode, PreconditionFailed

_ETAG = re.compile(r'^\s*(W/)?"(\d{1,18})"\s*$')


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
    if match.group(1):
        raise PreconditionFailed("If-Match compares strongly, so a weak ETag never matches; send the ETag as issued.")
    return int(match.group(2))


async def if_match_version(
    if_match: Annotated[
        str | None, Header(alias="If-Match", description="The resource's ETag, to refuse stale writes")
    ] = None,
) -> int | None:
    return expected_version(if_match)


ExpectedVersion = Annotated[int | None, Depends(if_match_version)]
