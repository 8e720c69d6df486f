"""Settings of the scheduling service (environment variables ``PEERLAB_SCHEDULING_<FIELD>``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from peerlab.chassis.settings import ServiceSettings


class SchedulingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PEERLAB_SCHEDULING_", extra="ignore")

    service_name: str = "scheduling"

    print_quota: int = Field(
        default=40,
        ge=0,
        le=10_000,
        description="Posters printed for free per course, first come first served (the plan: 'a limited number').",
    )
    max_slots_per_day: int = Field(default=96, ge=1, le=288, description="Upper bound on the slots one exam day makes.")
    max_counted_weeks: int = Field(default=30, ge=1, le=60, description="Upper bound on a term's counted weeks.")
    # --- examiners' visit plan ---
    examiners_per_group: int = Field(
        default=2, ge=1, le=10, description="k: examiners who visit each presenting group."
    )
    minutes_per_presenter: int = Field(
        default=2, ge=1, le=30, description="Presentation minutes per presenting member."
    )
    question_minutes: int = Field(default=2, ge=0, le=30, description="Minutes of questions per visit.")
    walking_gap_minutes: int = Field(
        default=1, ge=0, le=30, description="Free minutes between two visits of an examiner."
    )
    plan_time_limit_s: float = Field(default=10.0, gt=0, le=300, description="CP-SAT time limit per plan.")
    plan_seed: int = Field(default=0, ge=0, description="CP-SAT random seed (one worker: same input, same plan).")


@lru_cache
def get_settings() -> SchedulingSettings:
    return SchedulingSettings()
