"""Settings of the review service (environment variables ``PEERLAB_REVIEW_<FIELD>``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from peerlab.chassis.settings import ServiceSettings


class ReviewSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PEERLAB_REVIEW_", extra="ignore")

    service_name: str = "review"

    default_reviews_per_person: int = Field(default=3, ge=1, le=20, description="k of a new round.")
    default_review_window_days: int = Field(default=7, ge=0, le=60, description="Review window after the deadline.")
    default_peer_grading_required: bool = Field(
        default=False, description="peer_grading_required_to_pass of a new round (the course plan: false)."
    )
    total_labs: int = Field(default=8, ge=1, le=20, description="Labs in the course (1..total_labs).")
    eligibility_threshold: int = Field(default=6, ge=0, le=20, description="Labs passed for project access.")
    flags_to_withdraw: int = Field(
        default=3, ge=1, le=20, description="Distinct reviewer flags that withdraw a submission."
    )
    tas_may_set_verdicts: bool = Field(default=False, description="Whether TAs (not only teachers) may judge labs.")
    window_job_interval_s: float = Field(default=60.0, gt=0, description="How often the worker closes ended windows.")
    window_job_batch: int = Field(default=20, ge=1, description="Rounds closed per run of the window job.")
    batch_read_limit: int = Field(default=500, ge=1, description="Most ids one batch read may ask for.")


@lru_cache
def get_settings() -> ReviewSettings:
    return ReviewSettings()
