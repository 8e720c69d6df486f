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
        default=40, ge=0, le=10_000,
        description="Posters printed for free per course, first come first served (the plan: 'a limited number').",
    )
    max_slots_per_day: int = Field(default=96, ge=1, le=288, description="Upper bound on the slots one exam day makes.")
    max_counted_weeks: int = Field(default=30, ge=1, le=60, description="Upper bound on a term's counted weeks.")


@lru_cache
def get_settings() -> SchedulingSettings:
    return SchedulingSettings()
