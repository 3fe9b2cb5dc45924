"""Typed settings, read from the environment with the ``SOS_`` prefix."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url


class DatabaseKind(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"
    MYSQL = "mysql"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOS_", env_file=None, extra="ignore")

    environment: Literal["embedded", "production", "test"] = "embedded"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    data_dir: Path = Path("var")

    database_url: str = ""
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_pool_timeout_seconds: float = Field(
        default=5.0, gt=0, le=120, description="How long a request waits for a connection before a 503"
    )
    database_echo: bool = False

    jwt_private_key: SecretStr | None = None
    jwt_private_key_file: Path | None = None
    jwt_issuer: str = "sos-platform"
    jwt_audience: str = "sos-api"
    access_token_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=300)
    membership_poll_seconds: float = Field(
        default=2.0, gt=0, le=60, description="How soon a deactivation or role change ends live access tokens"
    )

    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    outbox_batch_size: int = Field(default=200, ge=1, le=5000)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_lease_seconds: float = Field(default=30.0, gt=0)
    log_level: str = "INFO"

    event_bus: Literal["inprocess", "kafka"] = Field(
        default="inprocess",
        description="inprocess: the relay hands events to consumers in this process; kafka: the relay publishes to "
        "Kafka and `sos consume` processes consume them",
    )
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_prefix: str = Field(default="sos", pattern=r"^[A-Za-z0-9._-]{1,100}$")
    kafka_client_id: str = "sos-platform"
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_enable_idempotence: bool = Field(
        default=True,
        description="Idempotent producer (no duplicates from producer retries); off only for brokers that lack "
        "InitProducerId, such as the tansu broker the tests use",
    )
    kafka_topic_partitions: int = Field(default=6, ge=1, le=1000)
    kafka_topic_replication_factor: int = Field(default=1, ge=1, le=10)
    run_relay_in_process: bool = Field(
        default=False, description="With SOS_EVENT_BUS=kafka, also run the outbox relay inside the API process"
    )
    consumer_max_attempts: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Failures before an event is set aside: a Kafka message to the dead-letter topic, an event an "
        "in-process consumer keeps failing on to the dead_letters table, an event the broker rejects for good parked",
    )

    job_runner: Literal["inprocess", "celery"] = Field(
        default="inprocess", description="inprocess: jobs run in this process; celery: jobs go to Celery workers"
    )
    redis_url: str = "redis://127.0.0.1:6379/0"
    celery_broker_url: str = Field(default="", description="Defaults to SOS_REDIS_URL")
    celery_visibility_timeout_seconds: int = Field(
        default=300, ge=5, description="How long before a task held by a killed worker is delivered again"
    )

    scheduler_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    scheduler_batch_size: int = Field(default=100, ge=1, le=5000)
    scheduler_parallel_steps: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Escalation steps one scheduler runs at once, each in its own transaction (one on SQLite)",
    )
    run_scheduler_in_process: bool = Field(
        default=True, description="Run the escalation and check-in scheduler inside the API process"
    )

    public_url: str = Field(
        default="",
        max_length=300,
        description="The install's external base URL for links in notifications and provider webhooks; "
        "defaults to http://SOS_HOST:SOS_PORT",
    )
    secrets_key: SecretStr | None = Field(
        default=None, description="Fernet key that encrypts stored provider credentials and chat webhook URLs"
    )
    secrets_key_file: Path | None = None
    smtp_host: str = Field(default="", description="An install-wide SMTP server for organizations without their own")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_from: str = "SOS Platform <sos@localhost>"
    vapid_subject: str = Field(
        default="mailto:admin@localhost", description="The contact push services see in this install's VAPID claims"
    )
    egress_allowed_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description='Private networks provider requests may reach (a JSON list such as ["10.20.0.0/16"]), for '
        "chat servers or SMS gateways inside the organization; every other non-public address is refused",
    )
    provider_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="How long one provider request may take before it counts as failed"
    )
    provider_breaker_failures: int = Field(
        default=5, ge=1, le=1000, description="Failures in a row that open a provider's circuit breaker"
    )
    provider_breaker_reset_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="How long an open breaker skips its provider before one trial send"
    )
    rate_limit_storage_url: str = Field(
        default="memory://",
        description="Where per-provider and location-upload rate limits are counted: memory:// per process, or "
        "async+redis://host:port to share them between workers and replicas",
    )
    sms_bundle_window_seconds: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="After an SMS to a number, further alerts for it within this window go out together in one SMS",
    )

    stream_backend: Literal["memory", "redis"] = Field(
        default="memory",
        description="Where the live event stream is kept and fanned out: memory (one process, the embedded mode) or "
        "redis (shared by every API replica, through SOS_REDIS_URL)",
    )
    stream_heartbeat_seconds: float = Field(
        default=15.0, gt=0, le=300, description="How often an idle stream connection gets a heartbeat"
    )
    stream_retention_events: int = Field(
        default=10_000,
        ge=100,
        le=10_000_000,
        description="Events kept per organization for Last-Event-ID replay; a client further behind resyncs",
    )
    stream_client_queue_size: int = Field(
        default=512, ge=8, le=100_000, description="Events buffered for one slow client before it is dropped to resync"
    )
    location_updates_per_minute: int = Field(
        default=60,
        ge=1,
        le=6000,
        description="Location uploads (one fix, or a batch of up to 100) one user may send per minute; more get a 429",
    )
    location_retention_days: int = Field(
        default=30, ge=1, le=3650, description="Days raw location trails are kept before they are deleted"
    )
    routing_url: str = Field(
        default="",
        max_length=300,
        description="An OSRM-compatible routing service (its table API) to rank responders by road ETA; empty "
        "ranks by straight-line distance",
    )
    routing_timeout_seconds: float = Field(
        default=2.0, gt=0, le=30, description="How long dispatch waits for road ETAs before ranking by distance"
    )
    dispatch_location_max_age_minutes: int = Field(
        default=30,
        ge=1,
        le=1440,
        description="Dispatch ranks only responders whose last location is at most this old: an older one no longer "
        "says where they are",
    )

    web_dir: Path | None = Field(
        default=None, description="The built web console (a static export); defaults to apps/frontend/out in a checkout"
    )
    map_tile_url: str = Field(
        default="",
        max_length=500,
        description="Raster tile URL template for the console's maps, such as https://tile.example/{z}/{x}/{y}.png; "
        "empty draws positions on a plain background",
    )
    map_tile_attribution: str = Field(default="", max_length=300)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if value and make_url(value).get_backend_name() not in {"sqlite", "postgresql", "mysql", "mariadb"}:
            raise ValueError("SOS_DATABASE_URL must point at sqlite, postgresql or mysql/mariadb")
        return value

    @field_validator("map_tile_url")
    @classmethod
    def _tile_template(cls, value: str) -> str:
        if value and (
            urlsplit(value).scheme not in {"http", "https"} or not all(part in value for part in ("{z}", "{x}", "{y}"))
        ):
            raise ValueError("SOS_MAP_TILE_URL must be an http(s) URL template with {z}, {x} and {y}")
        return value

    @model_validator(mode="after")
    def _production_needs_a_shared_key(self) -> Settings:
        if self.environment == "production" and self.jwt_private_key is None and self.jwt_private_key_file is None:
            raise ValueError(
                "production needs SOS_JWT_PRIVATE_KEY or SOS_JWT_PRIVATE_KEY_FILE, so every replica signs with one key"
            )
        if self.environment == "production" and self.secrets_key is None and self.secrets_key_file is None:
            raise ValueError(
                "production needs SOS_SECRETS_KEY or SOS_SECRETS_KEY_FILE, so every replica can read stored credentials"
            )
        return self

    @cached_property
    def database(self) -> URL:
        """The async SQLAlchemy URL; defaults to a SQLite file under the data directory."""
        if not self.database_url:
            return make_url(f"sqlite+aiosqlite:///{(self.data_dir / 'sos.db').resolve()}")
        url = make_url(self.database_url)
        drivers = {"postgresql": "asyncpg", "mysql": "aiomysql", "mariadb": "aiomysql", "sqlite": "aiosqlite"}
        return url.set(drivername=f"{url.get_backend_name()}+{drivers[url.get_backend_name()]}")

    @property
    def database_kind(self) -> DatabaseKind:
        backend = self.database.get_backend_name()
        return DatabaseKind.MYSQL if backend == "mariadb" else DatabaseKind(backend)

    @property
    def web_console_dir(self) -> Path | None:
        """Where the built console is, or None when it has not been built."""
        candidate = self.web_dir or Path(__file__).resolve().parents[4] / "frontend" / "out"
        return candidate if (candidate / "index.html").is_file() else None

    @property
    def external_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def secrets_key_path(self) -> Path:
        return self.secrets_key_file or self.data_dir / "secrets.fernet"

    @property
    def jwt_key_path(self) -> Path:
        return self.jwt_private_key_file or self.data_dir / "jwt-ed25519.pem"
