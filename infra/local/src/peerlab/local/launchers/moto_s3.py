"""moto's S3 server as a child process: the S3/MinIO API on loopback, in memory."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from peerlab.local.ports import LOOPBACK, free_port, wait_for_port_closed
from peerlab.local.process import ServiceProcess


class MotoS3Server:
    """``python -m moto.server`` on ``127.0.0.1:port``; keeps the port across ``stop()``/``start()``.

    Its state lives in memory, so a restart starts with no buckets.
    """

    access_key = "peerlab"
    secret_key = "peerlab-secret"
    region = "us-east-1"

    def __init__(self, port: int | None = None, workdir: str | Path | None = None) -> None:
        self.port = port or free_port()
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="peerlab-moto-"))
        self._proc = ServiceProcess(
            [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(self.port)],
            name="moto-s3",
            log_path=self.workdir / "moto-s3.log",
            ready_url=f"{self.url}/moto-api/",
            ready_timeout=30.0,
            stop_timeout=5.0,
            base_url=self.url,
        )

    @property
    def endpoint(self) -> str:
        """``host:port`` as the MinIO SDK wants it."""
        return f"{LOOPBACK}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc.running

    @property
    def pid(self) -> int | None:
        """The S3 server process (benchmarks read its CPU time)."""
        return self._proc.pid

    def start(self) -> "MotoS3Server":
        self._proc.start()
        return self

    def stop(self) -> None:
        self._proc.stop()
        wait_for_port_closed(LOOPBACK, self.port, timeout=10)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        self._proc.kill()
        wait_for_port_closed(LOOPBACK, self.port, timeout=10)

    def minio_client(self):
        """A MinIO SDK client for this server (plain HTTP, any credentials)."""
        from minio import Minio

        return Minio(
            self.endpoint, access_key=self.access_key, secret_key=self.secret_key, secure=False, region=self.region
        )

    def ensure_bucket(self, name: str) -> None:
        client = self.minio_client()
        if not client.bucket_exists(name):
            client.make_bucket(name)

    def __enter__(self) -> "MotoS3Server":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
