"""The ``sos`` command line: serve, migrate, seed-demo, create-admin, the scheduler and the domain commands."""

from __future__ import annotations

import asyncio
import getpass
import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from sos.app import create_app
from sos.checkins.cli import app as checkins_cli
from sos.core import migrations
from sos.core.config import Settings
from sos.core.db import create_engine
from sos.core.erd import render, replace_generated
from sos.core.openapi import render_openapi
from sos.core.scheduler import Scheduler
from sos.demo.accounts import create_admin_account
from sos.demo.seed import print_logins, seed
from sos.escalation.cli import app as policies_cli
from sos.models import metadata
from sos.schedules.cli import app as schedules_cli
from sos.wiring import build_due_work

app = typer.Typer(no_args_is_help=True, help="SOS Platform")
app.add_typer(policies_cli, name="policies")
app.add_typer(schedules_cli, name="schedules")
app.add_typer(checkins_cli, name="checkins")


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
    from sos.core.uow import UnitOfWorkFactory

    engine = create_engine(settings)
    scheduler = Scheduler(
        build_due_work(UnitOfWorkFactory(engine)),
        poll_seconds=settings.scheduler_poll_seconds,
        batch_size=settings.scheduler_batch_size,
    )
    try:
        await scheduler.run_forever()
    finally:
        await engine.dispose()


@app.command()
def scheduler() -> None:
    """Run escalation steps and check-in deadlines when they fall due. Any number may run at once."""
    typer.echo("scheduler running; Ctrl-C stops it")
    asyncio.run(_run_scheduler(Settings()))
