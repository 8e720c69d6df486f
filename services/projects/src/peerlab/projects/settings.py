"""Settings of the projects service (environment variables ``PEERLAB_PROJECTS_<FIELD>``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from peerlab.chassis.settings import ServiceSettings


class ProjectsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PEERLAB_PROJECTS_", extra="ignore")

    service_name: str = "projects"

    catalogue_year: int = Field(default=2021, ge=2000, le=2100, description="The catalogue groups choose from.")
    eligibility_gate: bool = Field(
        default=True, description="Only eligible (or, before labs_end, undecided) students may be in a group."
    )
    require_roster: bool = Field(default=True, description="Group members must be enrolled students.")
    min_group_size: int = Field(default=2, ge=1, le=10, description="Below this a group needs an exemption.")
    max_group_size: int = Field(default=4, ge=1, le=20)
    max_choices: int = Field(default=5, ge=1, le=50, description="Ranked project choices a group may give.")
    default_project_capacity: int = Field(
        default=4, ge=1, le=1000, description="Groups per project unless the project sets its own."
    )


@lru_cache
def get_settings() -> ProjectsSettings:
    return ProjectsSettings()
