"""Settings of the submissions service (environment variables ``PEERLAB_SUBMISSIONS_*``)."""

from __future__ import annotations

from functools import lru_cache

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from peerlab.chassis.settings import DevDefault, ServiceSettings


class SubmissionsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PEERLAB_SUBMISSIONS_", extra="ignore")

    service_name: str = "submissions"
    storage_bucket: str = "peerlab-submissions"
    storage_s3_public_endpoint: str | None = Field(
        default=None, description="host:port clients use for presigned S3 URLs, if not the service's."
    )

    data_dir: str = Field(default="./data/submissions", description="Where dev keys are kept.")
    receipt_signing_key: str | None = Field(
        default=None,
        description="Ed25519 private key (PEM, or base64 of the 32 raw bytes) that signs receipts. "
        "Required in production; in dev/test one is generated into data_dir.",
    )

    download_url_expiry_s: int = Field(default=120, ge=10, le=3600)
    upload_url_expiry_s: int = Field(default=900, ge=60, le=3600)
    close_grace_s: int = Field(
        default=900,
        ge=0,
        description="How long after a deadline an upload that began in time may still finish; "
        "the assignment is closed (assignment.closed.v1) once this has passed.",
    )
    validation_timeout_s: float = Field(default=10.0, gt=0)
    validation_workers: int = Field(default=1, ge=1)
    validation_warm_up: bool = Field(
        default=True, description="Start a validation worker at startup rather than on the first hand-in."
    )
    validation_memory_limit_mb: int = Field(default=1024, ge=128)
    max_uploads_in_flight: int = Field(
        default=64, ge=1, description="Concurrent streaming uploads per process; more get 503."
    )
    max_concurrent_puts: int = Field(
        default=8,
        ge=1,
        description="Streamed hand-ins holding their file in memory at once (read, validated and "
        "written to the store in one piece); the others wait with their bodies unread.",
    )
    report_soft_max_pages: int = 6
    synopsis_max_pages: int = 1
    stale_upload_after_s: int = Field(
        default=3600, ge=60, description="Staged objects of uploads never accepted are removed after this."
    )
    closer_interval_s: float = 5.0
    janitor_interval_s: float = 60.0

    uses_object_store: ClassVar[bool] = True
    # Without a key, dev generates one into data_dir; production must bring its own.
    dev_defaults: ClassVar[tuple[DevDefault, ...]] = (
        *ServiceSettings.dev_defaults,
        DevDefault("receipt_signing_key", None),
    )


@lru_cache
def get_settings() -> SubmissionsSettings:
    return SubmissionsSettings()
