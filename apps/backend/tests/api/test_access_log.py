import logging
from collections.abc import Iterator

import pytest
from httpx import AsyncClient

from sos.core.logging import RequestIdFilter


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def access_records() -> Iterator[list[logging.LogRecord]]:
    logger = logging.getLogger("sos.access")
    handler = Collect()
    handler.addFilter(RequestIdFilter())
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.records
    logger.removeHandler(handler)
    logger.setLevel(previous)


async def test_each_request_is_logged_once_under_its_request_id(
    client: AsyncClient, access_records: list[logging.LogRecord]
) -> None:
    await client.get("/livez", headers={"X-Request-ID": "trace-access-0001"})
    [record] = [r for r in access_records if getattr(r, "request_id", None) == "trace-access-0001"]
    assert record.getMessage().startswith("GET /livez 200 ")


async def test_a_calendar_feed_token_never_reaches_the_access_log(
    client: AsyncClient, access_records: list[logging.LogRecord]
) -> None:
    secret = "feed-token-that-must-stay-secret"
    await client.get(f"/api/v1/oncall-feeds/users/{secret}.ics", headers={"X-Request-ID": "trace-access-feed"})
    [record] = [r for r in access_records if getattr(r, "request_id", None) == "trace-access-feed"]
    assert secret not in record.getMessage()
    assert record.getMessage().startswith("GET /api/v1/oncall-feeds/users/[redacted].ics 404 ")
