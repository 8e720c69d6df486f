"""The 02456 Deep Learning fall-2021 course as the dev stack seeds it (from the public course plan).

Values the plan does not give are marked as demo values: room capacities, Slack channel names,
Zoom links, the extra exam date and the people.
"""

from __future__ import annotations

from datetime import date, timedelta

COURSE_ID = "02456-2021"
TIME_ZONE = "Europe/Copenhagen"
CATALOGUE_YEARS = (2021, 2020)

TERM = {
    "title": "02456 Deep learning, fall 2021",
    "first_monday": "2021-08-30",
    "counted_weeks": 13,
    "lab_weeks": 8,
    "time_zone": TIME_ZONE,
    "sessions": [{"weekday": 0, "start": "13:00", "end": "17:00"}],  # Mondays 13-17
    "breaks": [{"starts_on": "2021-10-18", "ends_on": "2021-10-22", "label": "Fall break (not counted)"}],
    "deadline_time": "23:59",
    "report_due_on": "2022-01-04",  # the plan: final report 4 January 23:59
}
TERM_START = date(2021, 8, 30)

# Capacities, channels and links are demo values; the plan names the rooms only.
ROOMS = {
    "B303A-HOEST": {
        "name": "Building 303A, auditorium east",
        "capacity": 120,
        "slack_channel": "#room-b303a-hoest",
        "zoom_url": "https://zoom.example.org/j/02456-hoest",
    },
    "B303A-A042": {
        "name": "Building 303A, room 042",
        "capacity": 60,
        "slack_channel": "#room-b303a-a042",
        "zoom_url": None,
    },
    "B303A-A048": {
        "name": "Building 303A, room 048",
        "capacity": 60,
        "slack_channel": "#room-b303a-a048",
        "zoom_url": None,
    },
    "B303A-HVEST": {
        "name": "Building 303A, auditorium west",
        "capacity": 120,
        "slack_channel": "#room-b303a-hvest",
        "zoom_url": "https://zoom.example.org/j/02456-hvest",
    },
}

EXAM_DAYS = {
    "poster-2021": {
        "kind": "poster",
        "title": "Poster session",
        "day": "2021-12-08",
        "start": "09:00",
        "end": "17:00",
        "time_zone": TIME_ZONE,
        "location": "SkyLab",
        "slot_minutes": 30,
        "slot_capacity": 10,
    },
    # The plan promises an extra exam date without giving it; this one is a demo value.
    "extra-2021": {
        "kind": "extra",
        "title": "Extra exam date",
        "day": "2021-12-15",
        "start": "09:00",
        "end": "12:00",
        "time_zone": TIME_ZONE,
        "location": "B303A-A042",
        "slot_minutes": 30,
        "slot_capacity": 4,
    },
}

# The project phase's group hand-ins; each follows the calendar's date of the same key.
PROJECT_HANDINS = {
    "synopsis": "Project synopsis (at most one page: title, motivation, background, milestones, references)",
    "report": "Final report (6 pages plus references; link the project's GitHub repository)",
    "poster": "Poster (A1; groups with a member who presents)",
}
# Week k's topic from the plan's "Detailed content"; labs 3, 4, 7 and 8 add one exercise of the
# student's own choice from the course material of the weeks named.
LAB_TOPICS = {
    1: ("Feed-forward neural networks - do it yourself pen and paper", None),
    2: ("Feed-forward neural networks - do it yourself in NumPy", None),
    3: ("Feed-forward neural networks in PyTorch", "week 1"),
    4: ("Convolutional neural networks", "weeks 1-2"),
    5: ("Recurrent neural networks", None),
    6: ("Tricks of the trade and data science challenge", None),
    7: ("Un- and semi-supervised learning", "weeks 1-3"),
    8: ("Reinforcement learning", "weeks 1-3"),
}


def lab_title(k: int) -> str:
    topic, own_choice = LAB_TOPICS[k]
    title = f"Lab {k}: week {k} computer exercise - {topic}"
    if own_choice:
        title += f" + 1 exercise of your own choice from the course material of {own_choice}"
    return title


def demo_people() -> list[tuple[str, dict]]:
    """(person id, roster body): 11 MSc students, 1 PhD student, 2 TAs, 2 teachers (one admin)."""
    people = []
    for n in range(1, 13):
        pid = f"s2100{n:02d}"
        people.append(
            (
                pid,
                {
                    "name": f"Demo Student {n:02d}",
                    "email": f"{pid}@example.org",
                    "roles": ["student"],
                    "programme": "phd" if n == 12 else "msc",
                },
            )
        )
    for n in (1, 2):
        people.append(
            (
                f"demo-ta-{n}",
                {"name": f"Demo TA {n}", "email": f"demo-ta-{n}@example.org", "roles": ["ta"], "programme": "other"},
            )
        )
    people.append(
        (
            "demo-teacher-1",
            {
                "name": "Demo Teacher 1",
                "email": "demo-teacher-1@example.org",
                "roles": ["teacher", "admin"],
                "programme": None,
            },
        )
    )
    people.append(
        (
            "demo-teacher-2",
            {"name": "Demo Teacher 2", "email": "demo-teacher-2@example.org", "roles": ["teacher"], "programme": None},
        )
    )
    return people


def _shift(day: str, by: timedelta) -> str:
    return (date.fromisoformat(day) + by).isoformat()


def shifted_plan(term_start: date | None) -> tuple[dict, dict[str, dict]]:
    """(term, exam days) of the same course moved so that week 1 starts on ``term_start`` (a Monday):
    every day of the plan moves by the same number of weeks, so a demo has live deadlines. The
    dates themselves are derived by the scheduling service from the term, not here."""
    if term_start is None or term_start == TERM_START:
        return TERM, EXAM_DAYS
    if term_start.weekday() != 0:
        raise ValueError(f"--term-start {term_start} is not a Monday")
    by = term_start - TERM_START
    term = {
        **TERM,
        "first_monday": term_start.isoformat(),
        "report_due_on": _shift(TERM["report_due_on"], by),
        "breaks": [
            {**b, "starts_on": _shift(b["starts_on"], by), "ends_on": _shift(b["ends_on"], by)} for b in TERM["breaks"]
        ],
    }
    days = {exam_day_id: {**body, "day": _shift(body["day"], by)} for exam_day_id, body in EXAM_DAYS.items()}
    return term, days
