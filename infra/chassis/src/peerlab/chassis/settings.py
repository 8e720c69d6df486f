"""Settings every service shares; each service subclasses with its own env prefix.

A service's settings come from environment variables named ``PEERLAB_<SERVICE>_<FIELD>``
(for example ``PEERLAB_SUBMISSIONS_DATABASE_URL``). Outside ``dev`` and ``test`` the
development defaults for secrets are refused, so a production pod cannot start with them.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "peerlab-dev-secret-change-me-0123456789abcdef"


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
    database_pool_size: int = 10
    database_echo: bool = False

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_client_id: str | None = None
    relay_in_process: bool = Field(
        default=True,
        description="Run the outbox relay inside the API process (dev); production runs the worker.",
    )
    relay_batch_size: int = 1000
    relay_poll_interval_s: float = 0.05

    storage_backend: StorageBackend = StorageBackend.FILESYSTEM
    storage_fs_root: str = "./data/objects"
    storage_s3_endpoint: str = "127.0.0.1:9000"
    storage_s3_secure: bool = False
    storage_s3_access_key: str = "peerlab"
    storage_s3_secret_key: str = "peerlab-secret"
    storage_s3_region: str = "us-east-1"
    storage_bucket: str = "peerlab"
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

    tracing_enabled: bool = Field(
        default=False,
        description="OpenTelemetry traces (OTLP/HTTP, configured by the standard OTEL_* variables).",
    )

    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _refuse_dev_secrets_outside_dev(self) -> "ServiceSettings":
        if self.environment == Environment.PRODUCTION:
            if self.jwt_jwks_url is None and self.jwt_secret == DEV_JWT_SECRET:
                raise ValueError(
                    "jwt_secret is the development default; set a real secret or jwt_jwks_url"
                )
            if self.storage_s3_secret_key == "peerlab-secret" and self.storage_backend == "s3":
                raise ValueError("storage_s3_secret_key is the development default")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
