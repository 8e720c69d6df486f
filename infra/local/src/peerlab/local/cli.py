"""The ``peerlab`` command: ``peerlab dev`` runs the embedded stack, ``peerlab token`` mints a dev JWT,
``peerlab ops ...`` are the operations commands (k8s manifests, prescale, rehearse, readiness)."""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.settings import DEV_JWT_SECRET
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Peerlab developer commands.", no_args_is_help=True)
console = Console()


def _add_ops() -> None:
    from peerlab.local.ops.cli import app as ops_app

    app.add_typer(ops_app, name="ops")


_add_ops()


@app.command()
def token(
    sub: Annotated[str, typer.Option(help="Subject (person id).")],
    role: Annotated[list[str], typer.Option(help="Role; repeat for several.")] = ["student"],
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds.")] = 3600,
    name: Annotated[str | None, typer.Option(help="Display name claim.")] = None,
    secret: Annotated[str, typer.Option(envvar="PEERLAB_DEV_JWT_SECRET", help="HS256 secret.")] = DEV_JWT_SECRET,
) -> None:
    """Print a development HS256 JWT that the services accept in dev and test."""
    typer.echo(mint_dev_token(sub=sub, roles=role, secret=secret, ttl_s=ttl, name=name))


@app.command()
def dev(
    data_dir: Annotated[Path, typer.Option(help="Where SQLite files, objects and logs go.")] = Path(".peerlab"),
    base_port: Annotated[int, typer.Option(help="First API port; services take consecutive ports.")] = 8000,
    broker_port: Annotated[int, typer.Option(help="Kafka (tansu) port.")] = 9092,
    seed: Annotated[bool, typer.Option("--seed/--no-seed", help="Seed a demo course.")] = True,
    term_start: Annotated[
        str | None,
        typer.Option(
            help="YYYY-MM-DD, a Monday: seed the same course shifted so that week 1 starts then (live deadlines "
            "for a demo). Default: the plan's 2021-08-30."
        ),
    ] = None,
    admin_ttl: Annotated[int, typer.Option(help="Lifetime of the printed admin token, seconds.")] = 7 * 24 * 3600,
    service: Annotated[
        list[str], typer.Option(help="NAME=PACKAGE to run instead of the default table; repeat for several.")
    ] = [],
) -> None:
    """Run the broker and every service (migrations, API, worker) until Ctrl-C."""
    from peerlab.local import first_hour
    from peerlab.local.seed import SeedOptions, seed_course
    from peerlab.local.services import SERVICES, ServiceSpec
    from peerlab.local.stack import DevStack, StackFailed

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("peerlab").setLevel(logging.INFO)
    try:
        specs = [ServiceSpec(*item.split("=", 1)) for item in service] or list(SERVICES)
    except TypeError:
        raise typer.BadParameter("--service takes NAME=PACKAGE") from None
    options = SeedOptions(term_start=_monday(term_start) if term_start else None)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, _interrupt)  # during start-up both signals abort at once
    stack = DevStack(data_dir=data_dir, base_port=base_port, broker_port=broker_port, services=specs, console=console)
    tokens = first_hour.demo_tokens(ttl_s=admin_ttl)
    admin_token = tokens["ADMIN"]
    try:
        stack.start()
        if seed:  # Ctrl-C while seeding still aborts at once (a half-seeded course is reported, not kept running)
            seeding_started = time.monotonic()
            seed_course(dict(stack.urls), admin_token, options)
            console.print(f"[green]✓[/] seeded in {time.monotonic() - seeding_started:.1f} s")
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        _print_summary(stack, admin_token)
        _print_first_hour(stack, tokens)
        while not stop.wait(1.0):
            stack.supervise()  # restarts what died; StackFailed once a child's restarts run out
    except StackFailed as exc:
        console.print(f"[red]✗[/] {exc}")
        raise typer.Exit(1) from exc
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    finally:
        with console.status("stopping"):
            stack.stop()
        console.print("stopped")


def _monday(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("--term-start takes YYYY-MM-DD") from None
    if day.weekday() != 0:
        raise typer.BadParameter(f"--term-start {value} is not a Monday")
    return day


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _print_summary(stack, admin_token: str) -> None:
    table = Table(title="peerlab dev")
    table.add_column("component")
    table.add_column("address")
    table.add_row("kafka (tansu)", stack.broker.bootstrap)
    for name, url in stack.urls.items():
        table.add_row(name, url)
    table.add_row("data", str(stack.data_dir.resolve()))
    console.print(table)
    console.print("dev admin token (roles admin, teacher):")
    console.print(admin_token, soft_wrap=True, highlight=False)


def _print_first_hour(stack, tokens: dict[str, str]) -> None:
    """Ready-to-paste exports (also written to <data-dir>/env.sh), then the time to the first
    GraphQL answer, then the line that tells the user (and the tests) the stack is up."""
    from peerlab.local import first_hour

    lines = first_hour.export_lines(stack.urls, tokens)
    (stack.data_dir / "env.sh").write_text("\n".join(lines) + "\n")
    console.print(f"Paste into your shell (or: source {stack.data_dir / 'env.sh'}):")
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False, markup=False)
    if "gateway" in stack.urls:
        console.print(
            f"The course at a glance: {stack.urls['gateway']}/#token={tokens['ADMIN']}",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )
        elapsed = first_hour.first_graphql_call(stack.urls["gateway"], tokens["STUDENT"])
        if elapsed is None:
            console.print("[yellow]![/] the gateway did not answer a GraphQL query")
        else:
            console.print(f"first GraphQL answer {elapsed:.1f} s after start")
    console.print("Ctrl-C stops everything.")
