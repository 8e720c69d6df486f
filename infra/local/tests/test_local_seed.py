import logging

from peerlab.local import seed_steps as seed


def test_seed_without_steps_says_so(monkeypatch, caplog):
    monkeypatch.setattr(seed, "_STEPS", [])
    with caplog.at_level(logging.WARNING, logger="peerlab.local.seed"):
        assert seed.seed_course({"review": "http://127.0.0.1:1"}, "tok") == []
    assert "no seed steps registered" in caplog.text


def test_registered_steps_run_in_order_with_urls_and_token(monkeypatch):
    monkeypatch.setattr(seed, "_STEPS", [])
    calls = []

    @seed.seed_step
    def first(urls, token, options):
        calls.append(("first", urls["review"], token))

    @seed.seed_step
    def second(urls, token, options):
        calls.append(("second", urls["review"], token))

    assert seed.seed_course({"review": "http://r"}, "tok") == ["first", "second"]
    assert calls == [("first", "http://r", "tok"), ("second", "http://r", "tok")]


def test_term_start_shifts_the_whole_course_by_whole_weeks():
    from datetime import date

    import pytest

    from peerlab.local.seed_course_data import EXAM_DAYS, TERM, shifted_plan

    assert shifted_plan(None) == (TERM, EXAM_DAYS)
    term, days = shifted_plan(date(2026, 11, 2))  # 270 weeks later: every day moves by as much
    assert term["first_monday"] == "2026-11-02"
    assert term["breaks"][0]["starts_on"] == "2026-12-21" and term["breaks"][0]["ends_on"] == "2026-12-25"
    assert term["report_due_on"] == "2027-03-09" and days["poster-2021"]["day"] == "2027-02-10"
    assert {k: v for k, v in term.items() if k not in ("first_monday", "breaks", "report_due_on")} == {
        k: v for k, v in TERM.items() if k not in ("first_monday", "breaks", "report_due_on")
    }
    with pytest.raises(ValueError, match="not a Monday"):
        shifted_plan(date(2026, 11, 3))


def test_the_history_pattern_has_full_late_missing_and_ineligible_students():
    from peerlab.local.seed_history import LATE, labs_handed_in

    handed_in = {n: labs_handed_in(n) for n in range(1, 41)}
    assert handed_in[1] == list(range(1, 9))
    assert all(8 not in handed_in[n] for n in LATE)  # refused after the deadline
    short = [n for n, labs in handed_in.items() if len(labs) < 6]
    assert short == list(range(33, 41))  # 8 of the 40 fall short of the 6 labs eligibility needs
    assert sum(len(labs) == 7 for labs in handed_in.values()) >= 10  # missed one lab, still eligible
