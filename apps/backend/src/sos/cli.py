"""The ``sos`` command line: serve, migrate, seed-demo, create-admin, the scheduler, the outbox relay and the domain
commands."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import signal
from pathlib import Path
from typing import Annotated

import typer

from sos.checkins.cli import app as checkins_cli
from sos.core import migrations
from sos.core.config import Settings
from sos.core.container import bootstrap
from sos.core.db import create_engine, utcnow
from sos.core.erd import render, replace_generated
from sos.core.event_compat import cli as events_cli
from sos.core.logging import configure_logging
from sos.core.openapi import render_openapi
from sos.core.outbox_status import OutboxStatus, outbox_status
from sos.demo.accounts import create_admin_account
from sos.demo.seed import print_logins, seed
from sos.escalation.cli import app as policies_cli
from sos.models import metadata
from sos.schedules.cli import app as schedules_cli

app = typer.Typer(no_args_is_help=True, help="SOS Platform")
app.add_typer(policies_cli, name="policies")
app.add_typer(schedules_cli, name="schedules")
app.add_typer(checkins_cli, name="checkins")
outbox_cli = typer.Typer(no_args_is_help=True, help="The transactional outbox")
app.add_typer(outbox_cli, name="outbox")
app.add_typer(events_cli, name="events")


async def _migrate(settings: Settings, revision: str) -> None:
    engine = create_engine(settings)
    try:
        await migrations.upgrade(engine, revision)
    finally:
        await engine.dispose()


@app.command()
def migrate(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Upgrade the database schema."""
    asyncio.run(_migrate(Settings(), revision))
    typer.echo(f"database migrated to {revision}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Overrides SOS_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="Overrides SOS_PORT")] = None,
    workers: Annotated[int | None, typer.Option(help="Overrides SOS_WORKERS")] = None,
) -> None:
    """Serve the API (and the web console, when built)."""
    import uvicorn

    settings = Settings()
    uvicorn.run(
        "sos.main:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
        # Open live streams never end on their own; shutdown closes them after this grace period instead of waiting.
        timeout_graceful_shutdown=5,
        # Workers import the whole app; on a busy small machine that can take longer than uvicorn's default 5 s.
        timeout_worker_healthcheck=60,
    )


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The admin's email address")],
    organization: Annotated[str, typer.Option(help="Organization name; created when missing")],
    full_name: Annotated[str, typer.Option(help="Display name")] = "Administrator",
) -> None:
    """Create an organization admin. The password comes from SOS_ADMIN_PASSWORD or a prompt."""
    password = os.environ.get("SOS_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    if len(password) < 12:
        raise typer.BadParameter("the password needs at least 12 characters")
    slug = asyncio.run(create_admin_account(Settings(), email, organization, full_name, password))
    typer.echo(f"admin {email} can now log in to organization '{slug}'")


@app.command()
def erd(
    document: Annotated[Path, typer.Option(help="The Markdown file whose generated section is rewritten")] = Path(
        "../../docs/data-model.md"
    ),
) -> None:
    """Regenerate the Mermaid ER diagram in docs/data-model.md from the models."""
    document.write_text(replace_generated(document.read_text(), render(metadata)))
    typer.echo(f"rewrote the ER diagram in {document}")


@app.command()
def openapi(
    output: Annotated[Path, typer.Option(help="Where to write the spec")] = Path(
        "../../packages/contracts/openapi.json"
    ),
) -> None:
    """Write the OpenAPI document that the contracts package and the generated clients are built from."""
    from sos.app import create_app

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_openapi(create_app(Settings(environment="test"))))
    typer.echo(f"wrote {output}")


@app.command("seed-demo")
def seed_demo(
    force: Annotated[bool, typer.Option(help="Seed even when the database already has organizations")] = False,
) -> None:
    """Seed a demo organization (teams, responders around Berlin, alerts in every state) and print its logins."""
    seeded = asyncio.run(seed(Settings(), force=force))
    typer.echo("demo organization seeded" if seeded else "database already has data; demo seed skipped")
    print_logins()


async def _run_scheduler(settings: Settings) -> None:
    configure_logging(settings.log_level)
    container = bootstrap(settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, container.scheduler.request_stop)
    typer.echo("scheduler running; SIGTERM or Ctrl-C stops it")
    try:
        await container.jobs.start()
        await container.scheduler.run_forever()
    finally:
        await container.dispose()


@app.command()
def scheduler() -> None:
    """Run escalation steps, check-in deadlines and notification sweeps when they fall due. Any number may run at
    once; SIGTERM stops one after the step in hand."""
    asyncio.run(_run_scheduler(Settings()))
    typer.echo("scheduler stopped")


async def _run_relay(settings: Settings) -> None:
    configure_logging(settings.log_level)
    container = bootstrap(settings)
    relay = container.relay
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, relay.request_stop)
    try:
        await container.jobs.start()
        await container.start_publisher()
        relay.wake()
        await relay.run()
    finally:
        await container.dispose()


@app.command()
def relay() -> None:
    """Publish outbox events to the event bus (Kafka with SOS_EVENT_BUS=kafka). Any number may run at once;
    SIGTERM stops one after its current batch."""
    settings = Settings()
    typer.echo(f"outbox relay running on the {settings.event_bus} bus; SIGTERM stops it")
    asyncio.run(_run_relay(settings))
    typer.echo("outbox relay stopped")


async def _outbox_status(settings: Settings) -> OutboxStatus:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            return await outbox_status(connection, utcnow())
    finally:
        await engine.dispose()


@outbox_cli.command("status")
def outbox_status_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """Show the relay's lag: pending, leased and failing events and the age of the oldest pending one."""
    status = asyncio.run(_outbox_status(Settings()))
    if as_json:
        typer.echo(json.dumps(status.as_json(), indent=2))
        return
    rows = [("ALL", status.total), *status.by_aggregate_type.items()]
    typer.echo(
        f"{'AGGREGATE TYPE':<24}{'PENDING':>9}{'LEASED':>8}{'FAILING':>9}{'PARKED':>8}{'LAG (S)':>10}  LAST ERROR"
    )
    for name, backlog in rows:
        error = (backlog.last_error or "-").splitlines()[0][:60]
        counts = f"{backlog.pending:>9}{backlog.leased:>8}{backlog.failing:>9}{backlog.parked:>8}"
        counts += f"{backlog.lag_seconds:>10.1f}"
        typer.echo(f"{name:<24}{counts}  {error}")
    for consumer, parked in status.dead_letters.items():
        typer.echo(f"consumer {consumer}: {parked} event(s) parked after repeated failures (table dead_letters)")


@app.command()
def consume(
    consumer: Annotated[
        list[str] | None, typer.Option("--consumer", help="Run only this consumer (repeatable); all by default")
    ] = None,
) -> None:
    """Run the event consumers as Kafka consumer groups (SOS_EVENT_BUS=kafka); SIGTERM stops them cleanly."""
    from sos.core.kafka_consumer import run_consumers

    settings = Settings()
    if settings.event_bus != "kafka":
        typer.echo("sos consume needs SOS_EVENT_BUS=kafka; the in-process bus consumes inside the API", err=True)
        raise typer.Exit(2)
    asyncio.run(run_consumers(settings, consumer or None))


@app.command()
def worker(
    queues: Annotated[
        list[str] | None, typer.Option("--queue", "-Q", help="A queue to consume (repeatable); all queues by default")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Worker processes; 1 runs tasks in this process")] = 1,
) -> None:
    """Run a Celery worker for the background jobs (SOS_JOB_RUNNER=celery): notifications, exports, webhooks."""
    from sos.core.celery_app import run_worker
    from sos.core.jobs import QUEUES

    run_worker(Settings(), queues or list(QUEUES), concurrency)
