"""Per-assignment file rules: what a hand-in of each kind must look like.

The rules are data (stored with the assignment); ``default_rules_for`` gives the course's
defaults, which a teacher may override per assignment.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .notebook_limits import MIB, NotebookLimits

AssignmentKind = Literal["lab", "resubmission", "synopsis", "report", "poster"]
ContentKind = Literal["notebook", "pdf"]

NOTEBOOK_KINDS: frozenset[str] = frozenset({"lab", "resubmission"})
A1_MM = (594.0, 841.0)
SYNOPSIS_SECTIONS = ("title", "motivation", "background", "milestones", "references")


class AssignmentFileRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: AssignmentKind
    allowed_extensions: tuple[str, ...]
    # Case-sensitive: the course asks for "the one with EXE in its name".
    name_must_contain: str | None = None
    max_bytes: int = Field(gt=0)
    max_files: int = Field(default=1, ge=1)
    notebook: NotebookLimits | None = None
    # PDFs: more than max_pages is rejected; more than soft_max_pages is a warning.
    max_pages: int | None = Field(default=None, ge=1)
    soft_max_pages: int | None = Field(default=None, ge=1)
    require_repository_url: bool = False
    page_size_mm: tuple[float, float] | None = None
    # PDFs: headings looked for; a missing one is a warning (the synopsis's five sections).
    required_sections: tuple[str, ...] = ()

    @field_validator("allowed_extensions")
    @classmethod
    def _normalise_extensions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        normalised = tuple("." + ext.lower().lstrip(".") for ext in value)
        if not normalised or any(ext == "." for ext in normalised):
            raise ValueError("at least one non-empty extension is required")
        return normalised

    @model_validator(mode="before")
    @classmethod
    def _default_notebook_limits(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") in NOTEBOOK_KINDS and data.get("notebook") is None:
            if isinstance(data.get("max_bytes"), int):
                data = {**data, "notebook": NotebookLimits(max_bytes=data["max_bytes"])}
        return data

    @model_validator(mode="after")
    def _fits_content(self) -> AssignmentFileRules:
        if self.content == "pdf" and self.max_pages is None:
            raise ValueError("PDF assignments need max_pages")
        return self

    @property
    def content(self) -> ContentKind:
        return "notebook" if self.kind in NOTEBOOK_KINDS else "pdf"


def default_rules_for(kind: AssignmentKind) -> AssignmentFileRules:
    """The course defaults (see the course rules): one ``.ipynb`` with EXE in its name for
    labs and resubmissions; a one-page synopsis; a report of 6 pages plus references that
    links its GitHub repository; a one-page A1 poster."""
    if kind in NOTEBOOK_KINDS:
        return AssignmentFileRules(
            kind=kind,
            allowed_extensions=(".ipynb",),
            name_must_contain="EXE",
            max_bytes=25 * MIB,
            notebook=NotebookLimits(max_bytes=25 * MIB),
        )
    if kind == "synopsis":
        return AssignmentFileRules(
            kind=kind,
            allowed_extensions=(".pdf",),
            max_bytes=10 * MIB,
            max_pages=1,
            required_sections=SYNOPSIS_SECTIONS,
        )
    if kind == "report":
        return AssignmentFileRules(
            kind=kind,
            allowed_extensions=(".pdf",),
            max_bytes=50 * MIB,
            soft_max_pages=6,
            max_pages=30,
            require_repository_url=True,
        )
    if kind == "poster":
        return AssignmentFileRules(
            kind=kind,
            allowed_extensions=(".pdf",),
            max_bytes=100 * MIB,
            max_pages=1,
            page_size_mm=A1_MM,
        )
    raise ValueError(f"unknown assignment kind: {kind!r}")
