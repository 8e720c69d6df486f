"""The group rules as pure functions: the eligibility gate and the group state."""

from datetime import UTC, datetime, timedelta

import pytest

from peerlab.projects.rules import eligibility_refusal, group_state
from peerlab.projects.settings import ProjectsSettings

LABS_END = datetime(2021, 11, 1, 22, 59, tzinfo=UTC)
BEFORE, AFTER = LABS_END - timedelta(minutes=1), LABS_END


@pytest.mark.parametrize(
    ("status", "now", "expected"),
    [
        ("eligible", BEFORE, None),
        ("eligible", AFTER, None),
        ("undecided", BEFORE, None),
        (None, BEFORE, None),
        ("undecided", AFTER, "eligibility_undecided"),
        (None, AFTER, "eligibility_undecided"),
        ("not_eligible", BEFORE, "not_eligible"),
        ("not_eligible", AFTER, "not_eligible"),
    ],
)
def test_eligibility_gate(status, now, expected):
    assert eligibility_refusal(status, now=now, labs_end=LABS_END) == expected


@pytest.mark.parametrize(
    ("count", "exempt", "expected"),
    [
        (0, False, "dissolved"),
        (0, True, "dissolved"),
        (1, False, "forming"),
        (1, True, "formed"),
        (2, False, "formed"),
        (4, False, "formed"),
    ],
)
def test_group_state_needs_two_members_or_an_exemption(count, exempt, expected):
    assert group_state(count, exempt=exempt, min_size=2) == expected


def test_the_dates_come_from_the_calendar_not_from_settings():
    settings = ProjectsSettings()
    assert not hasattr(settings, "selection_deadline") and not hasattr(settings, "labs_end")
    assert (settings.min_group_size, settings.catalogue_year) == (2, 2021)
    # until the calendar says when the labs end, they have not ended
    assert eligibility_refusal(None, now=datetime(2030, 1, 1, tzinfo=UTC), labs_end=None) is None
