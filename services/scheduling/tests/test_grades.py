"""Grades over the API: the 7-step scale, who may grade whom, report graded first, agreement or a
teacher's settlement, events, release to students, the registrar's CSV."""

from __future__ import annotations

import csv
import io

import pytest

from exam_testkit import BASE, ExamKit

FINALISED, RELEASED = "grade.finalised.v1", "grades.released.v1"


@pytest.fixture
def kit(stack) -> ExamKit:
    """g-1 (s1, s2, PhD p3) presents at 09:00 and is visited by two of e1..e3 (published); g-phd
    (p4, p5) does not present; e9 is an examiner who visits nobody."""
    built = ExamKit(stack)
    built.exam_day()
    built.group("g-1", ["s1", "s2", "p3"], "0900", phd=("p3",))
    built.group("g-phd", ["p4", "p5"], None, phd=("p4", "p5"))
    for eid in ("e1", "e2", "e3", "e9"):
        built.examiner(eid, [("09:00", "09:30")] if eid != "e9" else [("12:00", "13:00")])
    assert built.plan().status_code == 200 and built.publish().status_code == 200
    return built


def _visitors(kit) -> list[str]:
    return sorted(v["examiner_id"] for v in kit.client.get(f"{BASE}/groups/g-1/visits", headers=kit.staff).json())


def _grade(kit, examiner: str, student: str, grade):
    return kit.client.put(
        f"{BASE}/students/{student}/grade", json={"grade": grade}, headers=kit.stack.auth(examiner, "examiner")
    )


def _report(kit, group: str, examiners: list[str]):
    r = kit.client.put(f"{BASE}/groups/{group}/report-assessment", json={"examiner_ids": examiners}, headers=kit.staff)
    assert r.status_code == 200, r.text


def test_two_examiners_agree_then_the_grade_is_final_and_published(kit):
    a, b = _visitors(kit)
    refused = _grade(kit, a, "s1", "12")
    assert refused.status_code == 409 and refused.json()["code"] == "report_not_graded"
    _report(kit, "g-1", [])
    first = _grade(kit, a, "s1", "10")
    assert first.status_code == 200 and first.json()["status"] == "pending"
    assert kit.stack.outbox(FINALISED) == []
    second = _grade(kit, b, "s1", "10")
    assert second.json()["status"] == "final" and second.json()["grade"] == "10" and second.json()["how"] == "agreed"
    (event,) = kit.stack.outbox(FINALISED)
    assert event.data["student_id"] == "s1" and event.data["grade"] == "10" and event.data["decided_by"] == [a, b]
    again = _grade(kit, a, "s1", "7")
    assert again.status_code == 409 and again.json()["code"] == "grade_final"


def test_disagreement_waits_for_the_teacher(kit):
    a, b = _visitors(kit)
    _report(kit, "g-1", [])
    _grade(kit, a, "s2", "7")
    split = _grade(kit, b, "s2", "4")
    assert split.json()["status"] == "disagreement" and split.json()["grade"] is None
    ta = kit.client.put(f"{BASE}/students/s2/final-grade", json={"grade": "7"}, headers=kit.stack.auth("ta1", "ta"))
    assert ta.status_code == 403
    settled = kit.client.put(f"{BASE}/students/s2/final-grade", json={"grade": "7"}, headers=kit.staff)
    assert settled.status_code == 200 and settled.json()["how"] == "settled"
    assert kit.stack.outbox(FINALISED)[-1].data["how"] == "settled"


@pytest.mark.parametrize("grade", ["11", "0", "2", "-4", "A", "", "007", 12])
def test_a_grade_off_the_scale_is_422(kit, grade):
    a, _ = _visitors(kit)
    _report(kit, "g-1", [])
    answer = _grade(kit, a, "s1", grade)
    assert answer.status_code == 422 and answer.json()["code"] in ("grade_not_on_scale", "validation_error")
    if isinstance(grade, str):
        assert answer.json()["code"] == "grade_not_on_scale"


def test_only_examiners_assigned_to_the_group_grade(kit):
    _report(kit, "g-1", [])
    outsider = _grade(kit, "t7", "s1", "7")  # not registered as an examiner
    assert outsider.status_code == 403 and outsider.json()["code"] == "not_an_examiner"
    (not_visiting,) = {"e1", "e2", "e3"} - set(_visitors(kit))  # available at 09:00, but not g-1's examiner
    for examiner in (not_visiting, "e9"):
        unassigned = _grade(kit, examiner, "s1", "7")
        assert unassigned.status_code == 403 and unassigned.json()["code"] == "not_assigned_examiner"
    student = kit.client.put(f"{BASE}/students/s2/grade", json={"grade": "12"}, headers=kit.stack.auth("s1"))
    assert student.status_code == 403
    unknown = _grade(kit, _visitors(kit)[0], "nobody", "7")
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_student"


def test_a_phd_only_group_is_graded_after_its_report_by_the_examiners_who_read_it(kit):
    early = _grade(kit, "e9", "p4", "12")
    assert early.status_code == 409 and early.json()["code"] == "report_not_graded"
    _report(kit, "g-phd", ["e9", "e1"])
    assert _grade(kit, "e9", "p4", "12").status_code == 200
    assert _grade(kit, "e2", "p4", "12").json()["code"] == "not_assigned_examiner"
    assert _grade(kit, "e1", "p4", "12").json()["status"] == "final"
    bad = kit.client.put(f"{BASE}/groups/g-phd/report-assessment", json={"examiner_ids": ["zz"]}, headers=kit.staff)
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_examiner"


def test_students_see_their_own_grade_only_after_release_and_the_registrar_gets_csv(kit):
    a, b = _visitors(kit)
    _report(kit, "g-1", [])
    for student, grade in (("s1", "12"), ("s2", "02")):
        _grade(kit, a, student, grade)
        _grade(kit, b, student, grade)
    s1 = kit.stack.auth("s1")
    before = kit.client.get(f"{BASE}/students/s1/grade", headers=s1)
    assert before.status_code == 403 and before.json()["code"] == "grades_not_released"
    other = kit.client.get(f"{BASE}/students/s2/grade", headers=s1)
    assert other.status_code == 403 and other.json()["code"] == "not_your_grade"
    assert kit.client.post(f"{BASE}/grades/release", headers=kit.stack.auth("ta1", "ta")).status_code == 403
    released = kit.client.post(f"{BASE}/grades/release", headers=kit.staff)
    assert released.status_code == 200 and released.json()["final_grades"] == 2
    assert len(kit.stack.outbox(RELEASED)) == 1
    mine = kit.client.get(f"{BASE}/students/s1/grade", headers=s1)
    assert mine.status_code == 200 and mine.json()["grade"] == "12" and mine.json()["proposals"] is None
    assert kit.client.get(f"{BASE}/students/s2/grade", headers=s1).json()["code"] == "not_your_grade"
    none_yet = kit.client.get(f"{BASE}/students/p3/grade", headers=kit.stack.auth("p3"))
    assert none_yet.status_code == 404 and none_yet.json()["code"] == "no_final_grade"

    export = kit.client.get(f"{BASE}/grades.csv", headers=kit.staff)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows == [["student_id", "name", "grade"], ["s1", "Student s1", "12"], ["s2", "Student s2", "02"]]
    assert kit.client.get(f"{BASE}/grades.csv", headers=s1).status_code == 403
    staff_list = kit.client.get(f"{BASE}/grades", headers=kit.staff).json()
    assert [(g["student_id"], g["grade"], len(g["proposals"])) for g in staff_list] == [
        ("s1", "12", 2),
        ("s2", "02", 2),
    ]
