"""The bounds a notebook must keep to be checked at all (settings of an assignment's rules)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MIB = 1024 * 1024


class NotebookLimits(BaseModel):
    """Bounds on what a notebook may contain. All are settings; defaults suit the course."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_bytes: int = Field(default=25 * MIB, gt=0)
    max_depth: int = Field(default=64, ge=4, le=512)
    max_containers: int = Field(default=1_000_000, gt=0)
    max_values: int = Field(default=2_000_000, gt=0)
    max_cells: int = Field(default=2_000, gt=0)
    max_outputs_per_cell: int = Field(default=1_000, gt=0)
    max_total_outputs: int = Field(default=10_000, gt=0)
    # Characters of text in one output (a base64 image counts one per character).
    max_output_bytes: int = Field(default=10 * MIB, gt=0)
    # True accepts unknown keys (as Jupyter tolerates) while checking everything known.
    relax_additional_properties: bool = False
