"""The Celery app's delivery guarantees and routing, as configured from Settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from sos.core.celery_app import make_celery, worker_argv
from sos.core.config import Settings
from sos.core.jobs import QUEUES


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings.model_validate({"environment": "test", "data_dir": tmp_path, **overrides})


def test_a_task_is_acknowledged_only_after_it_ran_and_requeued_when_its_worker_dies(tmp_path: Path) -> None:
    conf = make_celery(_settings(tmp_path, celery_visibility_timeout_seconds=42)).conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] == 42


def test_only_json_goes_over_the_broker(tmp_path: Path) -> None:
    conf = make_celery(_settings(tmp_path)).conf
    assert (conf.task_serializer, list(conf.accept_content)) == ("json", ["json"])


def test_the_broker_defaults_to_the_redis_url(tmp_path: Path) -> None:
    app = make_celery(_settings(tmp_path, redis_url="redis://127.0.0.1:6379/3"))
    assert app.conf.broker_url == "redis://127.0.0.1:6379/3"
    own = make_celery(_settings(tmp_path, celery_broker_url="redis://127.0.0.1:6379/4"))
    assert own.conf.broker_url == "redis://127.0.0.1:6379/4"


def test_notification_deliveries_route_to_their_own_queue(tmp_path: Path) -> None:
    conf = make_celery(_settings(tmp_path)).conf
    assert conf.task_routes["notifications.deliver"] == {"queue": "notifications"}
    assert {queue.name for queue in conf.task_queues} == set(QUEUES)


def test_a_worker_refuses_a_queue_nobody_routes_to() -> None:
    with pytest.raises(ValueError, match="unknown queues mail"):
        worker_argv(["notifications", "mail"], 1, "INFO")
