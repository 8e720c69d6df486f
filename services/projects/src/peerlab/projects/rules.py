"""The group rules as pure functions: who may be in a group, and what state a group is in.

- Only students on the roster may be members (``require_roster``). Whatever that setting says,
  only a caller with the student role founds or joins a group as a member (403 ``students_only``);
  supervisors, examiners, teachers and TAs never become members that way.
- Eligibility gate (``eligibility_gate``): a student may create or join a group when the review
  service reports them ``eligible`` (6 of 8 labs passed), or while their eligibility is still
  ``undecided`` (or not yet reported) and the labs have not ended (``labs_end``, the deadline of
  lab 8, from the course calendar's ``labs-end``). A ``not_eligible`` student may never join; after ``labs_end`` an undecided one may not.
  A member who later becomes not eligible is not removed automatically: staff see it on the group.
- A group is *formed* with at least ``min_group_size`` members (2: "ideally 2 or more"), or with
  one member if staff set the exemption ("special circumstances"); otherwise it is *forming*, and
  an empty group is *dissolved*. PhD students may be in groups with MSc students.
"""

from __future__ import annotations

from datetime import datetime


def eligibility_refusal(status: str | None, *, now: datetime, labs_end: datetime | None) -> str | None:
    """None when the student may be in a group, else the problem code saying why not. ``labs_end``
    None: the calendar has not said when the labs end, so they have not."""
    if status == "eligible":
        return None
    if status == "not_eligible":
        return "not_eligible"
    return None if labs_end is None or now < labs_end else "eligibility_undecided"


def group_state(member_count: int, *, exempt: bool, min_size: int) -> str:
    if member_count == 0:
        return "dissolved"
    if member_count >= min_size or exempt:
        return "formed"
    return "forming"
