"""Checks a review's scores and answers against the rubric version it was started under."""

from __future__ import annotations

from peerlab.chassis.errors import ProblemError
from peerlab.review.schemas import ReviewContent, RubricPublic


def check_content(content: ReviewContent, rubric: RubricPublic, *, complete: bool) -> None:
    """422 for unknown keys, scores off the scale, answers too long; with ``complete`` also for
    any criterion not scored or required question not answered."""
    criteria = {c.key: c for c in rubric.criteria}
    questions = {q.key: q for q in rubric.questions}
    unknown = sorted(set(content.scores) - set(criteria)) + sorted(set(content.answers) - set(questions))
    if unknown:
        raise ProblemError(
            422, "unknown_rubric_key", "The review names keys its rubric does not have.", extra={"keys": unknown}
        )
    for key, score in content.scores.items():
        c = criteria[key]
        if not c.min_score <= score <= c.max_score:
            raise ProblemError(
                422,
                "score_out_of_range",
                f"{key} must be between {c.min_score} and {c.max_score}.",
                extra={"keys": [key]},
            )
    for key, answer in content.answers.items():
        if len(answer) > questions[key].max_length:
            raise ProblemError(
                422,
                "answer_too_long",
                f"{key} is longer than {questions[key].max_length} characters.",
                extra={"keys": [key]},
            )
    if complete:
        missing = [k for k in criteria if k not in content.scores]
        missing += [k for k, q in questions.items() if q.required and not content.answers.get(k, "").strip()]
        if missing:
            raise ProblemError(
                422,
                "review_incomplete",
                "Score every criterion and answer every required question.",
                extra={"keys": missing},
            )
