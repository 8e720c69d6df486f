"""``peerlab ops ...``: manifests, deadline pre-scaling, the deadline rehearsal and the readiness report."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.settings import DEV_JWT_SECRET

app = typer.Typer(help="Operations: k8s manifests, deadline pre-scaling, rehearsal, readiness.", no_args_is_help=True)
k8s_app = typer.Typer(help="Generate, render and check the manifests in k8s/.", no_args_is_help=True)
app.add_typer(k8s_app, name="k8s")
console = Console()

OVERLAYS = ("dev", "prod")


def repo_root() -> Path:
    """The repository (the folder with k8s/ and the workspace pyproject.toml), from the cwd up."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "k8s").is_dir() and (folder / "pyproject.toml").exists():
            return folder
    raise typer.BadParameter("run this inside the repository (no k8s/ folder found)")


# --- k8s ---------------------------------------------------------------------------------------
@k8s_app.command("generate")
def k8s_generate() -> None:
    """Write k8s/base from the code (services, consumers, topics, settings)."""
    from peerlab.local.ops.manifests import write_base

    written = write_base(repo_root() / "k8s" / "base")
    for path in written:
        console.print(f"wrote {path}")
    console.print(f"{len(written)} file(s) changed")


@k8s_app.command("render")
def k8s_render(
    engine: Annotated[str, typer.Option(help="auto (kubectl when installed), kubectl or python.")] = "auto",
) -> None:
    """Render each overlay into k8s/rendered/<overlay>.yaml."""
    from peerlab.local.ops import render

    root = repo_root()
    out_dir = root / "k8s" / "rendered"
    out_dir.mkdir(exist_ok=True)
    for overlay in OVERLAYS:
        docs = render.render(root / "k8s" / "overlays" / overlay, engine=engine)
        (out_dir / f"{overlay}.yaml").write_text(render.dump(docs))
        console.print(f"k8s/rendered/{overlay}.yaml: {len(docs)} objects")


@k8s_app.command("validate")
def k8s_validate(
    path: Annotated[list[Path] | None, typer.Argument(help="Rendered files (default: both overlays).")] = None,
) -> None:
    """Validate rendered manifests: core kinds, operator kinds against their CRDs, house rules."""
    import yaml

    from peerlab.local.ops import render, validate

    root = repo_root()
    crd_dir = validate.find_crd_dir(root)
    crds = validate.load_crd_schemas(crd_dir) if crd_dir else None
    if crds is None:
        console.print("[yellow]CRD schemas not found: operator kinds are not checked[/]")
    sources = {str(p): [d for d in yaml.safe_load_all(p.read_text()) if d] for p in path or []} or {
        o: render.render(root / "k8s" / "overlays" / o) for o in OVERLAYS
    }
    failed = False
    for name, docs in sources.items():
        problems = validate.check(docs, crds)
        failed |= bool(problems)
        console.print(
            f"{'[red]✗' if problems else '[green]✓'}[/] {name}: {len(docs)} objects, {len(problems)} problem(s)"
        )
        for problem in problems:
            console.print(f"   {problem}", highlight=False)
    if failed:
        raise typer.Exit(1)


# --- prescale ----------------------------------------------------------------------------------
@app.command()
def prescale(
    submissions_url: Annotated[
        str, typer.Option(help="Submissions API (assignment deadlines, when the calendar has no term).")
    ] = "http://127.0.0.1:8000",
    scheduling_url: Annotated[
        str, typer.Option(help="Scheduling API (the calendar's deadlines; first choice).")
    ] = "http://127.0.0.1:8003",
    course_id: Annotated[str, typer.Option(help="Course whose deadlines count.")] = "02456-2021",
    deadlines_file: Annotated[
        Path | None,
        typer.Option(help="YAML/JSON list of {name, deadline, review_opens_at?}; used instead of the services."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Patch to write (default k8s/overlays/prod/prescale.yaml).")] = None,
    api_replicas: Annotated[int, typer.Option(help="Submissions API replicas around a deadline.")] = 8,
    worker_replicas: Annotated[int, typer.Option(help="Submissions worker replicas around a deadline.")] = 4,
    lead_minutes: Annotated[int, typer.Option(help="Raise this long before each deadline.")] = 30,
    settle_minutes: Annotated[int, typer.Option(help="After close grace, until review has opened.")] = 15,
    time_zone: Annotated[str, typer.Option(help="Time zone of the cron schedules.")] = "Europe/Copenhagen",
    token: Annotated[
        str | None, typer.Option(envvar="PEERLAB_OPS_TOKEN", help="Bearer token (default: a dev staff token).")
    ] = None,
) -> None:
    """Write KEDA cron triggers that raise the submissions API and workers before each deadline."""
    from peerlab.local.ops import deadlines as dl

    now = dl.now_utc()
    settle = timedelta(minutes=settle_minutes)
    if deadlines_file is not None:
        found = dl.from_file(deadlines_file)
    else:
        token = token or mint_dev_token(sub="ops-prescale", roles=["teacher"], secret=DEV_JWT_SECRET, ttl_s=300)
        found = dl.from_services(
            submissions_url=submissions_url, scheduling_url=scheduling_url, course_id=course_id, token=token
        )
    coming = dl.upcoming(found, now=now, settle=settle)
    docs = dl.prescale_patch(
        coming,
        api_replicas=api_replicas,
        worker_replicas=worker_replicas,
        lead=timedelta(minutes=lead_minutes),
        settle=settle,
        time_zone=time_zone,
    )
    target = out or repo_root() / "k8s" / "overlays" / "prod" / "prescale.yaml"
    dl.write_patch(target, docs, generated_at=now)
    table = Table(title=f"deadline pre-scaling ({len(coming)} of {len(found)} deadlines ahead)")
    for column in ("deadline", "at (UTC)", "raise at", "lower at", "source"):
        table.add_column(column)
    lead = timedelta(minutes=lead_minutes)
    for d in coming:
        table.add_row(
            d.name,
            d.at.isoformat(timespec="minutes"),
            (d.at - lead).isoformat(timespec="minutes"),
            d.lowered_at(settle).isoformat(timespec="minutes"),
            d.source,
        )
    console.print(table)
    console.print(f"wrote {target}")


# --- rehearse / readiness (see rehearse.py, readiness.py) ---------------------------------------
@app.command()
def rehearse(
    base_url: Annotated[str, typer.Option(help="Submissions API of the stack under test.")] = "http://127.0.0.1:8000",
    students: Annotated[int, typer.Option(help="Synthetic students, one hand-in each.")] = 50,
    concurrency: Annotated[int, typer.Option(help="Hand-ins in flight at once.")] = 32,
    deadline_minutes: Annotated[float, typer.Option(help="The rehearsal assignment's deadline, from now.")] = 5.0,
    metrics_url: Annotated[
        list[str] | None, typer.Option(help="/metrics to read lag and backlog from (repeat).")
    ] = None,
    max_mb: Annotated[float, typer.Option(help="Largest notebook, MB.")] = 5.0,
    seed: Annotated[int, typer.Option(help="Random seed of the notebook mix.")] = 2456,
    secret: Annotated[
        str, typer.Option(envvar="PEERLAB_DEV_JWT_SECRET", help="HS256 secret the stack accepts.")
    ] = DEV_JWT_SECRET,
    json_out: Annotated[Path | None, typer.Option(help="Also write the report as JSON here.")] = None,
) -> None:
    """Drive a deadline surge against a running stack and report accepted/refused/lost and latency."""
    import json

    from peerlab.local.ops import rehearse as rh

    report = rh.run(
        base_url=base_url,
        students=students,
        concurrency=concurrency,
        deadline_in=timedelta(minutes=deadline_minutes),
        metrics_urls=list(metrics_url or []),
        max_mb=max_mb,
        seed=seed,
        secret=secret,
        console=console,
    )
    rh.print_report(report, console)
    if json_out:
        json_out.write_text(json.dumps(report.as_dict(), indent=2))
    if report.lost:
        raise typer.Exit(2)


@app.command()
def readiness(
    submissions_url: Annotated[str, typer.Option(help="Submissions API.")] = "http://127.0.0.1:8000",
    scheduling_url: Annotated[str, typer.Option(help="Scheduling API.")] = "http://127.0.0.1:8003",
    gateway_url: Annotated[str | None, typer.Option(help="Gateway (enrolled students).")] = "http://127.0.0.1:8004",
    course_id: Annotated[str, typer.Option(help="Course.")] = "02456-2021",
    metrics_url: Annotated[list[str] | None, typer.Option(help="/metrics of workers and APIs (repeat).")] = None,
    deadlines_file: Annotated[Path | None, typer.Option(help="Deadlines instead of the services.")] = None,
    prescale_file: Annotated[
        Path | None, typer.Option(help="The prescale patch (default k8s/overlays/prod/prescale.yaml).")
    ] = None,
    token: Annotated[
        str | None, typer.Option(envvar="PEERLAB_OPS_TOKEN", help="Bearer token (default: a dev staff token).")
    ] = None,
) -> None:
    """For the next deadline: time left, expected hand-ins, replicas planned, lag and backlog, red flags."""
    from peerlab.local.ops import readiness as rd

    token = token or mint_dev_token(sub="ops-readiness", roles=["teacher", "admin"], secret=DEV_JWT_SECRET, ttl_s=300)
    if prescale_file is None:
        try:
            prescale_file = repo_root() / "k8s" / "overlays" / "prod" / "prescale.yaml"
        except typer.BadParameter:
            prescale_file = None
    report = rd.build(
        submissions_url=submissions_url,
        scheduling_url=scheduling_url,
        gateway_url=gateway_url,
        course_id=course_id,
        metrics_urls=list(metrics_url or []),
        deadlines_file=deadlines_file,
        prescale_file=prescale_file,
        token=token,
    )
    rd.print_report(report, console)
    if report.red_flags:
        raise typer.Exit(1)
