"""Rubric shapes: scored criteria and free-text questions (shared by student and staff views)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class RubricCriterion(BaseModel):
    """A criterion scored on an integer scale ``min_score..max_score``."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    min_score: int = Field(default=1, ge=0, le=100)
    max_score: int = Field(default=5, ge=1, le=100)
    labels: dict[str, str] = Field(default_factory=dict, description="Score -> label, e.g. {'1': 'missing'}.")

    @model_validator(mode="after")
    def _scale(self) -> "RubricCriterion":
        if self.min_score >= self.max_score:
            raise ValueError("min_score must be below max_score")
        return self


class RubricQuestion(BaseModel):
    """A free-text question of the rubric."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    prompt: str = Field(min_length=1, max_length=2000)
    required: bool = True
    max_length: int = Field(default=5000, ge=1, le=20000)


class RubricUpdate(BaseModel):
    """A new version of a round's rubric."""

    model_config = ConfigDict(extra="forbid")

    criteria: list[RubricCriterion] = Field(default_factory=list, max_length=30)
    questions: list[RubricQuestion] = Field(default_factory=list, max_length=30)

    @model_validator(mode="after")
    def _unique_keys(self) -> "RubricUpdate":
        keys = [c.key for c in self.criteria] + [q.key for q in self.questions]
        if len(keys) != len(set(keys)):
            raise ValueError("criterion and question keys must be unique")
        if not keys:
            raise ValueError("a rubric needs at least one criterion or question")
        return self


class RubricPublic(RubricUpdate):
    version: int


def default_rubric() -> RubricUpdate:
    """The rubric of a round nobody configured: one overall score and two questions."""
    return RubricUpdate(
        criteria=[
            RubricCriterion(
                key="overall",
                title="Overall quality of the hand-in",
                min_score=1,
                max_score=5,
                labels={"1": "missing or wrong", "3": "mostly right", "5": "complete and clear"},
            )
        ],
        questions=[
            RubricQuestion(key="strengths", prompt="What was done well?"),
            RubricQuestion(key="improvements", prompt="What could be improved, and how?"),
        ],
    )
