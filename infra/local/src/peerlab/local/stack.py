"""The embedded stack behind ``peerlab dev``: tansu (its log kept on a moto S3 server, so that a
restarted broker still has every topic), then per service migrations, API and worker; a
supervisor restarts whatever dies."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from peerlab.local.launchers import MotoS3Server, TansuBroker
from peerlab.local.ports import free_port
from peerlab.local.process import ServiceProcess
from peerlab.local.services import SERVICES, ServiceSpec, module_exists, service_env
from peerlab.local.supervisor import Child, RestartsExhausted, Supervisor
from rich.console import Console

MIGRATE_TIMEOUT_S = 300.0
BROKER_BUCKET = "tansu"
API_READY_TIMEOUT_S = 90.0


class StackFailed(RuntimeError):
    """A component did not start; the message carries the tail of its log."""


@dataclass
class DevStack:
    data_dir: Path
    base_port: int = 8000
    broker_port: int = 9092
    services: Sequence[ServiceSpec] = SERVICES
    console: Console = field(default_factory=Console)
    max_restarts: int = 5
    restart_backoff_s: float = 1.0
    broker: TansuBroker | None = None
    broker_store: MotoS3Server | None = None
    urls: dict[str, str] = field(default_factory=dict)
    _processes: list[ServiceProcess] = field(default_factory=list)
    supervisor: Supervisor | None = None

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    def start(self) -> None:
        """Start everything in order; on any failure stop what was started and raise."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.supervisor = Supervisor(
            report=self.console.print, max_restarts=self.max_restarts, backoff_s=self.restart_backoff_s
        )
        try:
            self._start_broker()
            for index, spec in enumerate(self.services):
                self._start_service(spec, self.base_port + index)
        except BaseException:
            self.stop()
            raise

    def _start_broker(self) -> None:
        with self.console.status("starting tansu broker (log kept on a moto S3 server)"):
            self.broker_store = MotoS3Server(port=free_port(), workdir=self.log_dir)
            try:
                self.broker_store.start()
            except Exception as exc:
                raise StackFailed(f"moto S3 (the broker's storage) failed to start\n{exc}") from exc
            self.broker = TansuBroker(
                port=self.broker_port,
                workdir=self.log_dir,
                storage_url=f"s3://{BROKER_BUCKET}/",
                s3_endpoint=self.broker_store.endpoint,
            )
            try:
                self.broker.start()
            except Exception as exc:
                raise StackFailed(f"tansu failed to start on :{self.broker_port}\n{exc}") from exc
        store, broker = self.broker_store, self.broker
        self.supervisor.add(
            Child(
                "broker-store (moto S3)",
                start=store.start,
                alive=lambda: store.running,
                describe=lambda: f"(log: {store.workdir / 'moto-s3.log'})",
                on_restart=self._broker_lost_its_log,
            )
        )
        self.supervisor.add(
            Child(
                "broker (tansu)",
                start=broker.start,
                alive=lambda: broker.running,
                describe=lambda: f"(log: {broker.log_path})",
            )
        )
        self.console.print(f"[green]✓[/] broker      {self.broker.bootstrap}")

    def _broker_lost_its_log(self) -> None:
        """moto keeps objects in memory: after its restart the broker's topics are gone."""
        self.console.print(
            "[bold red]! the broker's storage restarted empty: earlier events are lost; restarting the broker[/]"
        )
        if self.broker is not None:
            self.broker.stop()

    def _start_service(self, spec: ServiceSpec, port: int) -> None:
        if not module_exists(spec.main_module):
            self.console.print(f"[yellow]![/] {spec.name:<11} skipped: {spec.main_module} not found")
            return
        peers = self.urls if spec.name == "gateway" else None
        env = service_env(spec, port=port, data_dir=self.data_dir, bootstrap=self.broker.bootstrap, peer_urls=peers)
        (self.data_dir / "objects" / spec.name).mkdir(parents=True, exist_ok=True)
        if module_exists(spec.migrate_module):
            with self.console.status(f"migrating {spec.name}"):
                self._migrate(spec, env)
        else:
            self.console.print(f"[yellow]![/] {spec.name:<11} no {spec.migrate_module}; not migrated")
        with self.console.status(f"starting {spec.name} API on :{port}, waiting for /readyz"):
            api = ServiceProcess.uvicorn(
                spec.app,
                port=port,
                log_path=self.log_dir / f"{spec.name}-api.log",
                ready_path="/readyz",
                env=env,
                name=f"{spec.name}-api",
                ready_timeout=API_READY_TIMEOUT_S,
            )
            self._launch(api)
        self.urls[spec.name] = api.url
        worker_note = ""
        if module_exists(spec.worker_module):
            worker = ServiceProcess(
                [sys.executable, "-m", spec.worker_module],
                env=env,
                log_path=self.log_dir / f"{spec.name}-worker.log",
                name=f"{spec.name}-worker",
                ready_timeout=5,
            )
            self._launch(worker)
            worker_note = f" + worker (pid {worker.pid})"
        self.console.print(f"[green]✓[/] {spec.name:<11} {api.url}{worker_note}")

    def _launch(self, proc: ServiceProcess) -> None:
        self._processes.append(proc)
        try:
            proc.start()
        except Exception as exc:
            raise StackFailed(f"{proc.name} failed to start (log: {proc.log_path})\n{exc}") from exc
        self.supervisor.add(
            Child(
                proc.name,
                start=proc.start,
                alive=lambda: proc.running,
                describe=lambda: f"(exit {proc.returncode}; log: {proc.log_path})",
            )
        )

    def supervise(self) -> None:
        """Restart children that died (backoff, bounded); ``StackFailed`` once restarts run out."""
        if self.supervisor is None:
            return
        try:
            self.supervisor.check()
        except RestartsExhausted as exc:
            raise StackFailed(str(exc)) from exc

    def _migrate(self, spec: ServiceSpec, env: dict[str, str]) -> None:
        log_path = self.log_dir / f"{spec.name}-migrate.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            done = subprocess.run(
                [sys.executable, "-m", spec.migrate_module],
                env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=MIGRATE_TIMEOUT_S,
            )
        if done.returncode != 0:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
            raise StackFailed(f"{spec.migrate_module} exited with {done.returncode}\n{tail}")

    def dead_processes(self) -> list[ServiceProcess]:
        """Processes that were started and have since exited."""
        return [p for p in self._processes if p.pid is not None and not p.running]

    def stop(self) -> None:
        """Stop workers and APIs in reverse start order, then the broker."""
        while self._processes:
            self._processes.pop().stop()
        self.supervisor = None
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
        if self.broker_store is not None:
            self.broker_store.stop()
            self.broker_store = None
