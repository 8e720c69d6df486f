"""The project phase's group hand-ins: a synopsis reaches the supervisors as synopsis.received.v1
(with the group's project) and is checked for its five sections (warnings, not refusals); a report
must link a well-formed GitHub repository and keep to 6 pages plus references; a poster is required
of a group with a presenting (non-PhD) member, not of an all-PhD group."""

from __future__ import annotations

from datetime import UTC, datetime

from peerlab.contracts.events.projects import GroupFormedV1, ProjectAssignedV1
from peerlab.contracts.events.roster import PersonEnrolledV1

SYNOPSIS_TEXT = "Dreaming cats\nMotivation\nwhy\nBackground\nwhat\nMilestones\nweek 10\nReferences\n[1] x"
REPO = "https://github.com/dtu-students/dreaming-cats"


def _group(calendar_feed, group_id: str, members: dict[str, str]) -> None:
    now = datetime.now(UTC)
    for person, programme in members.items():
        assert (
            calendar_feed.deliver(
                PersonEnrolledV1(person_id=person, roles=["student"], programme=programme, enrolled_at=now),
                source="gateway",
                subject=person,
            )
            == "handled"
        )
    assert (
        calendar_feed.deliver(
            GroupFormedV1(group_id=group_id, member_ids=list(members), formed_at=now),
            source="projects",
            subject=group_id,
        )
        == "handled"
    )


def test_a_synopsis_reaches_the_supervisors_with_the_groups_project(stack, calendar_feed, make_text_pdf):
    _group(calendar_feed, "g-1", {"alice": "msc", "bob": "msc"})
    calendar_feed.deliver(
        ProjectAssignedV1(group_id="g-1", project_id="p-2021-05", assigned_at=datetime.now(UTC)),
        source="projects",
        subject="g-1",
    )
    stack.assignment("synopsis", kind="synopsis")
    r = stack.hand_in("synopsis", "alice", make_text_pdf(SYNOPSIS_TEXT), name="synopsis.pdf")
    assert r.status_code == 201, r.text
    assert r.json()["warnings"] == []
    events = stack.outbox("synopsis.received.v1")
    assert len(events) == 1 and events[0].subject == "g-1"
    assert {k: events[0].data[k] for k in ("group_id", "project_id", "submission_id", "version", "warnings")} == {
        "group_id": "g-1",
        "project_id": "p-2021-05",
        "submission_id": r.json()["submission"]["id"],
        "version": 1,
        "warnings": [],
    }

    thin = stack.hand_in("synopsis", "bob", make_text_pdf("Dreaming cats\nMotivation\nwhy"), name="synopsis.pdf")
    assert thin.status_code == 201  # missing sections are warnings, not refusals
    assert [w["code"] for w in thin.json()["warnings"]] == ["sections_missing"]
    assert thin.json()["warnings"][0]["details"]["missing"] == ["background", "milestones", "references"]
    second = stack.outbox("synopsis.received.v1")[-1].data
    assert second["version"] == 2 and second["warnings"] == ["sections_missing"]
    two_pages = stack.hand_in("synopsis", "bob", make_text_pdf(SYNOPSIS_TEXT, "more"), name="synopsis.pdf")
    assert (two_pages.status_code, two_pages.json()["code"]) == (422, "too_many_pages")
    assert len(stack.outbox("synopsis.received.v1")) == 2


def test_a_report_needs_a_repository_and_six_pages_plus_references(stack, calendar_feed, make_text_pdf):
    _group(calendar_feed, "g-2", {"carol": "phd", "dave": "phd"})
    stack.assignment("report", kind="report")
    pages = [f"{n} Section {n}\nText." for n in range(1, 7)]
    pages[0] += f"\nCode: {REPO}"
    pages[-1] += "\nReferences\n[1] A."
    ok = stack.hand_in("report", "carol", make_text_pdf(*pages, "[2] B.", "[3] C."), name="report.pdf")
    assert ok.status_code == 201, ok.text
    assert ok.json()["warnings"] == []  # 8 pages, the last two references only; all PhD: no poster wanted
    long = pages[:5] + ["6 Section 6\nText.", "7 Section 7\nText.\nReferences\n[1] A."]
    refused = stack.hand_in("report", "carol", make_text_pdf(*long), name="report.pdf")
    assert (refused.status_code, refused.json()["code"]) == (422, "too_many_pages")
    no_repo = [p.replace(f"Code: {REPO}", "Code: https://github.com/dtu-students") for p in pages]
    missing = stack.hand_in("report", "carol", make_text_pdf(*no_repo), name="report.pdf")
    assert (missing.status_code, missing.json()["code"]) == (422, "missing_repository_url")


def test_a_poster_is_required_of_a_group_with_a_presenting_member_only(stack, calendar_feed, make_text_pdf, make_pdf):
    _group(calendar_feed, "g-mixed", {"erin": "msc", "frank": "phd"})
    _group(calendar_feed, "g-phd", {"gina": "phd", "hugo": "phd"})
    stack.assignment("report", kind="report")
    stack.assignment("poster", kind="poster")

    def status(group_id: str, who: str) -> dict:
        r = stack.client.get(f"/v1/groups/{group_id}/project-hand-ins", headers=stack.auth(who))
        assert r.status_code == 200, r.text
        return {i["kind"]: i for i in r.json()["items"]} | {"presenting": r.json()["presenting_members"]}

    mixed, phd = status("g-mixed", "frank"), status("g-phd", "gina")
    assert mixed["poster"]["required"] is True and mixed["presenting"] == ["erin"]
    assert phd["poster"]["required"] is False and phd["presenting"] == [] and "PhD" in phd["poster"]["reason"]
    assert mixed["report"]["required"] and mixed["report"]["handed_in"] is False
    assert stack.client.get("/v1/groups/g-mixed/project-hand-ins", headers=stack.auth("gina")).status_code == 404
    assert stack.client.get("/v1/groups/g-mixed/project-hand-ins", headers=stack.auth("ta-1", "ta")).status_code == 200

    report = make_text_pdf(f"1 Intro\n{REPO}\nReferences\n[1] A.")
    early = stack.hand_in("report", "erin", report, name="report.pdf")
    assert [w["code"] for w in early.json()["warnings"]] == ["poster_missing"]
    assert stack.hand_in("report", "gina", report, name="report.pdf").json()["warnings"] == []
    poster = stack.hand_in("poster", "erin", make_pdf(1, size=(1684, 2384)), name="poster.pdf")
    assert poster.status_code == 201, poster.text
    assert stack.hand_in("report", "erin", report, name="report.pdf").json()["warnings"] == []
    assert status("g-mixed", "erin")["poster"]["handed_in"] is True
