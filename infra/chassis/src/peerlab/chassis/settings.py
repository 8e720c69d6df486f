"""Settings every service shares; each service subclasses with its own env prefix.

A service's settings come from environment variables named ``PEERLAB_<SERVICE>_<FIELD>``
(for example ``PEERLAB_SUBMISSIONS_DATABASE_URL``). Outside ``dev`` and ``test`` the
development defaults for secrets are refused, so a production pod cannot start with them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "peerlab-dev-secret-change-me-0123456789abcdef"
DEV_S3_ACCESS_KEY = "peerlab"
DEV_S3_SECRET_KEY = "peerlab-secret"
DEV_STORAGE_SIGNING_SECRET = "peerlab-dev-url-signing-secret-change-me"


@dataclass(frozen=True)
class DevDefault:
    """A setting whose value in dev is a published default that production must not run with.

    ``in_use`` says when the setting matters (the S3 secret only with the S3 backend, the JWT
    secret only without a JWKS URL); a default that is not used is not refused.
    """

    field: str
    value: Any
    in_use: Callable[[Any], bool] = lambda _settings: True


class Environment(StrEnum):
    DEV = "dev"
    TEST = "test"
    PRODUCTION = "production"


class StorageBackend(StrEnum):
    FILESYSTEM = "fs"
    S3 = "s3"


class ServiceSettings(BaseSettings):
    """Fields every service has. Subclasses set ``model_config`` with their own ``env_prefix``."""

    model_config = SettingsConfigDict(env_prefix="PEERLAB_", extra="ignore")

    service_name: str = "peerlab"
    environment: Environment = Environment.DEV
    course_id: str = Field(default="02456-2021", description="The course this deployment serves.")
    course_timezone: str = "Europe/Copenhagen"

    database_url: str = "sqlite:///./peerlab.db"
    database_pool_size: int = Field(default=10, ge=1, description="Connections kept open per process.")
    database_max_overflow: int = Field(default=10, ge=0, description="Extra connections under load.")
    database_pool_timeout_s: float = Field(
        default=10.0, gt=0, description="Longest wait for a pooled connection; then 503 database_busy."
    )
    request_threads: int | None = Field(
        default=None, ge=1, description="Threads that run sync endpoints (unset: anyio's default, 40)."
    )
    database_sessions: int | None = Field(
        default=None,
        ge=1,
        description="Request sessions open at once (unset: database_pool_size); more requests wait "
        "for a turn in the event loop, so they never time out waiting for a pooled connection.",
    )
    sqlite_begin_immediate: bool = Field(
        default=True,
        description="SQLite: every transaction takes the write lock at BEGIN, so concurrent writers "
        "queue (busy_timeout) instead of failing with 'database is locked'.",
    )
    database_echo: bool = False

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_client_id: str | None = None
    relay_in_process: bool = Field(
        default=True,
        description="Run the outbox relay inside the API process (dev); production runs the worker.",
    )
    relay_batch_size: int = 1000
    relay_poll_interval_s: float = Field(
        default=0.05, description="The relay's idle poll on SQLite (and on PostgreSQL while it cannot LISTEN)."
    )
    relay_listen: bool = Field(
        default=True, description="PostgreSQL: wake the relay at commit (LISTEN/NOTIFY) instead of polling."
    )
    relay_listen_poll_s: float = Field(
        default=1.0, description="The relay's fallback poll while it LISTENs (rows written without NOTIFY)."
    )

    storage_backend: StorageBackend = StorageBackend.FILESYSTEM
    storage_fs_root: str = "./data/objects"
    storage_s3_endpoint: str = "127.0.0.1:9000"
    storage_s3_secure: bool = False
    storage_s3_access_key: str = DEV_S3_ACCESS_KEY
    storage_s3_secret_key: str = DEV_S3_SECRET_KEY
    storage_s3_region: str = "us-east-1"
    storage_bucket: str = "peerlab"
    storage_signing_secret: str = Field(
        default=DEV_STORAGE_SIGNING_SECRET,
        description="HMAC secret of the filesystem store's presigned URLs (never the JWT secret).",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="How clients reach this service; used for filesystem-store presigned URLs.",
    )

    jwt_secret: str = DEV_JWT_SECRET
    jwt_jwks_url: str | None = None
    jwt_issuer: str = "peerlab"
    jwt_audience: str = "peerlab"

    worker_metrics_port: int | None = Field(
        default=None, description="Port of the worker's /metrics, /healthz and /readyz (none: not served)."
    )
    worker_metrics_host: str = "127.0.0.1"
    consumer_lag_interval_s: float = Field(default=15.0, gt=0, description="How often a worker samples its lag.")
    max_json_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest JSON request body a route parses (413 too_large); streamed uploads excepted.",
    )

    tracing_enabled: bool = Field(
        default=False,
        description="OpenTelemetry traces (OTLP/HTTP, configured by the standard OTEL_* variables).",
    )

    test_clock_file: str | None = Field(
        default=None,
        description="Tests only: a file holding seconds added to the server clock (refused in production).",
    )

    log_level: str = "INFO"
    log_json: bool = True

    # Every development default production refuses; a subclass adds its own with
    # ``dev_defaults = ServiceSettings.dev_defaults + (DevDefault("my_secret", DEV_MY_SECRET),)``.
    # A service that opens an object store says so; the storage secrets matter only there
    # (``make_object_store`` refuses them in production too, whatever the flag says).
    uses_object_store: ClassVar[bool] = False
    dev_defaults: ClassVar[tuple[DevDefault, ...]] = (
        DevDefault("jwt_secret", DEV_JWT_SECRET, lambda s: s.jwt_jwks_url is None),
        DevDefault(
            "storage_s3_secret_key",
            DEV_S3_SECRET_KEY,
            lambda s: s.uses_object_store and s.storage_backend == StorageBackend.S3,
        ),
        DevDefault(
            "storage_signing_secret",
            DEV_STORAGE_SIGNING_SECRET,
            lambda s: s.uses_object_store and s.storage_backend == StorageBackend.FILESYSTEM,
        ),
    )

    def dev_defaults_in_use(self) -> list[str]:
        """Names of the settings that still hold a development default this deployment uses."""
        return [d.field for d in self.dev_defaults if getattr(self, d.field, None) == d.value and d.in_use(self)]

    @model_validator(mode="after")
    def _refuse_dev_defaults_in_production(self) -> "ServiceSettings":
        if self.environment == Environment.PRODUCTION:
            prefix = self.model_config.get("env_prefix", "")
            if self.test_clock_file:
                raise ValueError(
                    f"test_clock_file ({prefix}TEST_CLOCK_FILE) refused in production: "
                    "the server clock is the wall clock"
                )
            found = self.dev_defaults_in_use()
            if found:
                names = ", ".join(f"{name} ({prefix}{name.upper()})" for name in found)
                raise ValueError(f"development default(s) refused in production: {names}; set real values")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def request_sessions(self) -> int:
        return self.database_sessions or self.database_pool_size
