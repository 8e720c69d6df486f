"""The eligibility rule as properties (pure: no database)."""

from hypothesis import given
from hypothesis import strategies as st

from peerlab.review.service.eligibility import decide
from peerlab.review.service.lab_status import LabState

STATUSES = ["not_handed_in", "pending", "passed", "failed", "resubmitted"]


def _states(entries):
    return [
        LabState(
            student_id="s",
            lab_number=i + 1,
            assignment=None,
            status=status,
            hand_in=None,
            late=False,
            verdict=None,
            open=status in ("pending", "resubmitted") or (status == "not_handed_in" and not_closed),
        )
        for i, (status, not_closed) in enumerate(entries)
    ]


labs = st.lists(st.tuples(st.sampled_from(STATUSES), st.booleans()), min_size=1, max_size=12)


@given(labs, st.integers(min_value=0, max_value=12))
def test_the_three_outcomes_follow_the_counts(entries, threshold):
    states = _states(entries)
    result = decide("s", states, threshold=threshold)
    passed = sum(s.status == "passed" for s in states)
    still_open = sum(s.open for s in states)
    assert (result.labs_passed, result.labs_open, result.total_labs) == (passed, still_open, len(states))
    if passed >= threshold:
        assert result.status == "eligible"
    elif passed + still_open < threshold:
        assert result.status == "not_eligible"
    else:
        assert result.status == "undecided"


@given(labs, st.integers(min_value=0, max_value=12), st.data())
def test_passing_an_open_lab_never_makes_a_student_less_eligible(entries, threshold, data):
    rank = {"not_eligible": 0, "undecided": 1, "eligible": 2}
    states = _states(entries)
    open_ones = [i for i, s in enumerate(states) if s.open]
    if not open_ones:
        return
    i = data.draw(st.sampled_from(open_ones))
    before = decide("s", states, threshold=threshold).status
    states[i] = LabState(
        student_id="s",
        lab_number=i + 1,
        assignment=None,
        status="passed",
        hand_in=None,
        late=False,
        verdict=None,
        open=False,
    )
    after = decide("s", states, threshold=threshold).status
    assert rank[after] >= rank[before]
    if before == "not_eligible":  # passed + open is unchanged, so the verdict against stands
        assert after == "not_eligible"


def test_six_of_eight_is_the_course_rule():
    six = _states([("passed", False)] * 6 + [("failed", False)] * 2)
    assert decide("s", six, threshold=6).status == "eligible"
    five = _states([("passed", False)] * 5 + [("failed", False)] * 2 + [("pending", False)])
    assert decide("s", five, threshold=6).status == "undecided"
    stuck = _states([("passed", False)] * 5 + [("failed", False)] * 2 + [("not_handed_in", False)])
    assert decide("s", stuck, threshold=6).status == "not_eligible"
