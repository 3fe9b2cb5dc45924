"""Which topics a consumer group reads and which consumers ``run_consumers`` runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sos.core.kafka_consumer import aggregate_topics_pattern, run_consumers
from tests.settings import make_settings


@pytest.mark.parametrize(
    ("topic", "read"),
    [
        ("sos.alert", True),
        ("sos.escalation_policy", True),
        ("sos.checkin", True),
        ("sos.dlq", False),
        ("sos.dlq-archive", True),
        ("sosx.alert", False),
        ("other.alert", False),
        ("sos.", False),
    ],
)
def test_a_group_reads_every_aggregate_topic_of_its_prefix_but_the_dead_letters(topic: str, read: bool) -> None:
    assert bool(re.match(aggregate_topics_pattern("sos"), topic)) is read


def test_a_prefix_with_regex_characters_matches_only_itself() -> None:
    pattern = aggregate_topics_pattern("sos.prod")
    assert re.match(pattern, "sos.prod.alert")
    assert not re.match(pattern, "sosXprod.alert")


async def test_an_unknown_consumer_name_is_refused_before_anything_runs(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'sos.db'}", tmp_path)
    with pytest.raises(ValueError, match=r"unknown consumer\(s\) nobody; known: analytics, dispatch, escalation, "):
        await run_consumers(settings, ["timeline", "nobody"])
