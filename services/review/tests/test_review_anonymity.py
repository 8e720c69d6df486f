"""A student never learns who reviews them or whom they review, through any student-facing route.

Every route of the app is either listed here as student-facing (and exercised, its responses
searched for any other student's id and any allocation id) or refuses students with 403.
"""

import typing
from datetime import timedelta

from pydantic import BaseModel
from review_testkit import now, run_lab, students

from peerlab.review.models import AllocationRow
from peerlab.review.schemas import STUDENT_RESPONSE_MODELS

STUDENT_ROUTES = {
    ("GET", "/v1/me/tasks"),
    ("GET", "/v1/tasks/{token}"),
    ("PUT", "/v1/tasks/{token}/review"),
    ("POST", "/v1/tasks/{token}/review/submit"),
    ("POST", "/v1/tasks/{token}/flag"),
    ("GET", "/v1/me/reviews"),
    ("PUT", "/v1/reviews/{review_id}/reaction"),
    ("POST", "/v1/reviews/{review_id}/flag"),
    ("GET", "/v1/me/labs"),
    ("GET", "/v1/me/eligibility"),
    ("GET", "/v1/students/{student_id}/labs"),
    ("GET", "/v1/lab-status"),
    ("GET", "/v1/eligibility"),
    ("GET", "/v1/labs/{lab_number}/round"),
    ("GET", "/v1/submissions/{submission_id}"),
}
IDENTITY_FIELDS = {
    "reviewer_id",
    "reviewee_id",
    "owner_id",
    "submission_id",
    "allocation_id",
    "flagged_by",
    "set_by",
    "submitted_by",
    "resolved_by",
}
FULL = {"scores": {"overall": 4}, "answers": {"strengths": "ok", "improvements": "more tests"}}


def _routes(app):
    """Every operation of the app, from its OpenAPI document (which lists every /v1 route)."""
    return {
        (method.upper(), path)
        for path, ops in app.openapi()["paths"].items()
        for method in ops
        if path.startswith("/v1")
    }


def _fields(model: type[BaseModel], seen=None) -> set[str]:
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    for field in model.model_fields.values():
        for arg in [field.annotation, *typing.get_args(field.annotation)]:
            for inner in [arg, *typing.get_args(arg)]:
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    names |= _fields(inner, seen)
    return names


def test_student_response_models_have_no_field_that_could_carry_the_other_side():
    for model in STUDENT_RESPONSE_MODELS:
        assert not _fields(model) & IDENTITY_FIELDS, model.__name__


def test_student_routes_answer_only_with_student_models(stack):
    app = stack.client().app
    allowed = {m.__name__ for m in STUDENT_RESPONSE_MODELS}
    spec = app.openapi()
    for method, path in STUDENT_ROUTES:
        responses = spec["paths"][path][method.lower()]["responses"]
        refs = {ref.rsplit("/", 1)[-1] for ref in _refs(responses.get("200", {}))}
        assert refs and refs <= allowed | {"SubmissionPublic"}, (method, path, refs)
    # the one staff model a student may get back is their own hand-in; it is only ever their own
    assert ("GET", "/v1/submissions/{submission_id}") in STUDENT_ROUTES


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        out = [node["$ref"]] if "$ref" in node else []
        for value in node.values():
            out += _refs(value)
        return out
    if isinstance(node, list):
        return [r for item in node for r in _refs(item)]
    return []


def test_every_other_route_refuses_students(stack):
    client = stack.client()
    app = client.app
    others = sorted(_routes(app) - STUDENT_ROUTES)
    assert STUDENT_ROUTES <= _routes(app), STUDENT_ROUTES - _routes(app)
    assert len(others) >= 14
    me = stack.auth("s210000")
    for method, path in others:
        url = path.replace("{round_id}", "r1").replace("{lab_number}", "1").replace("{student_id}", "s210001")
        url = url.replace("{item_id}", "i1")
        resp = client.request(method, url, headers=me, json={} if method in ("POST", "PUT", "PATCH") else None)
        assert resp.status_code == 403, (method, path, resp.status_code, resp.text)


def test_no_student_facing_response_names_the_other_side(stack):
    deadline = now() - timedelta(minutes=1)
    people = students(8)
    run_lab(stack, 1, people, deadline=deadline)
    client = stack.client()
    with stack.session() as s:
        allocations = s.query(AllocationRow).all()
    allocation_ids = {a.id for a in allocations}
    seen: dict[str, list[str]] = {p: [] for p in people}
    exercised: set[tuple[str, str]] = set()

    def call(student, method, template, url, **kw):
        resp = client.request(method, url, headers=stack.auth(student), **kw)
        assert resp.status_code < 300, (method, url, resp.status_code, resp.text)
        exercised.add((method, template))
        seen[student].append(resp.text)
        return resp.json()

    # reviewers work: drafts, submissions, one flag
    for i, p in enumerate(people):
        tasks = call(p, "GET", "/v1/me/tasks", "/v1/me/tasks")
        first = tasks[0]["task_token"]
        call(p, "GET", "/v1/tasks/{token}", f"/v1/tasks/{first}")
        call(p, "PUT", "/v1/tasks/{token}/review", f"/v1/tasks/{first}/review", json={"scores": {"overall": 3}})
        call(p, "POST", "/v1/tasks/{token}/review/submit", f"/v1/tasks/{first}/review/submit", json=FULL)
        if i == 0:
            call(
                p,
                "POST",
                "/v1/tasks/{token}/flag",
                f"/v1/tasks/{tasks[1]['task_token']}/flag",
                json={"reason": "wrong_lab"},
            )
    # authors read, rate and flag what they received
    teacher = stack.auth("staff-xq7", "teacher")
    client.put(
        f"/v1/students/{people[2]}/labs/1/verdict", json={"verdict": "fail", "comment": "see me"}, headers=teacher
    )
    for i, p in enumerate(people):
        received = call(p, "GET", "/v1/me/reviews", "/v1/me/reviews")
        for r in received:
            call(
                p,
                "PUT",
                "/v1/reviews/{review_id}/reaction",
                f"/v1/reviews/{r['review_id']}/reaction",
                json={"helpfulness": 4},
            )
        if i == 1 and received:
            call(
                p,
                "POST",
                "/v1/reviews/{review_id}/flag",
                f"/v1/reviews/{received[0]['review_id']}/flag",
                json={"reason": "inappropriate"},
            )
        call(p, "GET", "/v1/me/labs", "/v1/me/labs")
        call(p, "GET", "/v1/me/eligibility", "/v1/me/eligibility")
        call(p, "GET", "/v1/students/{student_id}/labs", f"/v1/students/{p}/labs")
        call(p, "GET", "/v1/lab-status", "/v1/lab-status", params={"student_ids": p})
        call(p, "GET", "/v1/eligibility", "/v1/eligibility", params={"student_ids": p})
        call(p, "GET", "/v1/labs/{lab_number}/round", "/v1/labs/1/round")
        call(p, "GET", "/v1/submissions/{submission_id}", f"/v1/submissions/s-1-{p}")
        # tasks again, now with reactions on them
        for t in call(p, "GET", "/v1/me/tasks", "/v1/me/tasks"):
            call(p, "GET", "/v1/tasks/{token}", f"/v1/tasks/{t['task_token']}")

    assert exercised == STUDENT_ROUTES
    for p, texts in seen.items():
        blob = "\n".join(texts)
        assert p in blob  # the caller's own id does appear (their lab status), so the search works
        others = [q for q in people if q != p and q in blob]
        assert not others, f"{p} saw {others}"
        assert not [a for a in allocation_ids if a in blob]
        assert "staff-xq7" not in blob  # nor the id of the teacher who judged a lab
