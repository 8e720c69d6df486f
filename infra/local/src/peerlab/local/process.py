"""A child process with a log file, a bounded readiness wait and a clean (or hard) stop.

Used for the broker, the S3 server and the services' APIs and workers (PostgreSQL is driven
by ``pg_ctl`` instead). Each child gets its own session (process group), so a stop reaches
whatever it forked. The children still running when the parent exits are stopped: at exit, and
on a SIGTERM or SIGHUP (which skip ``atexit``) when nobody else handles those signals.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

_RUNNING: "weakref.WeakSet[ServiceProcess]" = weakref.WeakSet()


class ProcessFailed(RuntimeError):
    """The child exited, or never became ready, within its bounded wait."""


def http_ok(url: str, timeout: float = 1.0) -> bool:
    """True when GET ``url`` answers 2xx."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return 200 <= resp.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


class ServiceProcess:
    """Run ``argv`` with output appended to ``log_path``; ``start()`` returns once ready."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        log_path: str | os.PathLike[str],
        name: str | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        ready_url: str | None = None,
        ready_check: Callable[[], bool] | None = None,
        ready_timeout: float = 30.0,
        stop_timeout: float = 10.0,
        base_url: str | None = None,
    ) -> None:
        self.argv = [str(a) for a in argv]
        self.name = name or Path(self.argv[0]).name
        self.log_path = Path(log_path)
        self.env = dict(env or {})
        self.cwd = cwd
        self.ready_url = ready_url
        self.ready_check = ready_check
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self.url = base_url
        self._proc: subprocess.Popen[bytes] | None = None

    @classmethod
    def uvicorn(
        cls,
        app: str,
        *,
        port: int,
        log_path: str | os.PathLike[str],
        ready_path: str = "/healthz",
        host: str = "127.0.0.1",
        **kwargs,
    ) -> "ServiceProcess":
        """An ASGI app (``"pkg.main:app"``) under uvicorn on ``host:port``, ready when ``ready_path`` is 2xx."""
        base = f"http://{host}:{port}"
        argv = [sys.executable, "-m", "uvicorn", app, "--host", host, "--port", str(port)]
        kwargs.setdefault("name", app)
        return cls(argv, log_path=log_path, ready_url=base + ready_path, base_url=base, **kwargs)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc else None

    def start(self) -> "ServiceProcess":
        if self.running:
            return self
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        with open(self.log_path, "ab") as log:
            log.write(f"--- start {self.name}: {' '.join(self.argv)}\n".encode())
            log.flush()
            self._proc = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=self.cwd,
                start_new_session=True,
            )
        _RUNNING.add(self)
        _stop_children_on_signals()
        try:
            self.wait_ready(self.ready_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def is_ready(self) -> bool:
        if not self.running:
            return False
        if self.ready_url and not http_ok(self.ready_url):
            return False
        return self.ready_check() if self.ready_check else True

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.is_ready():
            if not self.running:
                raise ProcessFailed(f"{self.name} exited with {self.returncode}\n{self.log_tail()}")
            if time.monotonic() >= deadline:
                raise ProcessFailed(f"{self.name} not ready after {timeout:.1f}s\n{self.log_tail()}")
            time.sleep(0.05)

    def _signal(self, sig: int) -> None:
        try:
            os.killpg(self._proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, timeout: float | None = None) -> int | None:
        """SIGTERM, then SIGKILL if still alive after ``timeout``; return the exit code."""
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._signal(signal.SIGTERM)
            self._signal(signal.SIGCONT)  # a paused child would not see the SIGTERM
            try:
                self._proc.wait(timeout=self.stop_timeout if timeout is None else timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self._proc.wait(timeout=10)
        _RUNNING.discard(self)
        return self._proc.returncode

    def kill(self) -> int | None:
        """Hard kill (SIGKILL) without a chance to clean up, as a crash would."""
        if self._proc is None:
            return None
        self._signal(signal.SIGKILL)
        self._proc.wait(timeout=10)
        _RUNNING.discard(self)
        return self._proc.returncode

    def pause(self) -> None:
        """SIGSTOP the process group: alive, its sockets open, answering nothing (a hung broker)."""
        if self.running:
            self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT after :meth:`pause`."""
        if self._proc is not None:
            self._signal(signal.SIGCONT)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> "ServiceProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"ServiceProcess({self.name!r}, pid={self.pid}, running={self.running})"


@atexit.register
def _stop_leftovers() -> None:
    running = list(_RUNNING)
    for proc in running:  # all at once, then wait for each
        if proc.running:
            proc._signal(signal.SIGTERM)
            proc._signal(signal.SIGCONT)
    for proc in running:
        proc.stop(timeout=3)


def _stop_children_then_die(signum: int, _frame: object) -> None:
    _stop_leftovers()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)  # die of the signal, as without this handler


def _stop_children_on_signals() -> None:
    """Install :func:`_stop_children_then_die` for SIGTERM and SIGHUP where they are unhandled
    (a test runner killed by CI, a closed terminal); only the main thread may install handlers."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, _stop_children_then_die)
