"""The README's "Using the API" walkthrough, run verbatim against a freshly started ``peerlab dev``.

The fenced bash blocks are read from README.md itself and run in one bash, after the ``export``
lines the dev stack printed (real ports, tokens of people on the seeded roster), so the README and
the code cannot drift apart.
"""

from __future__ import annotations

import html
import json
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from peerlab.local.ports import free_port, free_port_block

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 900  # five services, migrations and the seed, on a loaded machine
MARKER = "=== README block"


def readme_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Using the API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.S)


def test_the_readme_has_the_walkthrough_blocks():
    blocks = readme_blocks()
    assert len(blocks) >= 3
    assert all("uv run" not in b and "127.0.0.1:800" not in b for b in blocks)  # ports come from variables


@dataclass
class DevRun:
    lines: list[str]
    exports: list[str]
    env: dict[str, str]
    data_dir: Path


@pytest.fixture(scope="module")
def dev_run(tmp_path_factory) -> Iterator[DevRun]:
    """``peerlab dev`` (seeded) on free ports and a temporary data directory, until the module ends."""
    base, broker_port = free_port_block(5), free_port()
    data_dir = tmp_path_factory.mktemp("dev")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "peerlab"),
            "dev",
            "--data-dir",
            str(data_dir),
            "--base-port",
            str(base),
            "--broker-port",
            str(broker_port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not any("Ctrl-C stops everything" in ln for ln in lines):
            assert proc.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "dev stack did not come up\n" + "".join(lines)
            time.sleep(0.5)
        exports = [ln.strip() for ln in lines if ln.startswith("export ")]
        env = dict(item.split("=", 1) for line in exports for item in shlex.split(line)[1:])
        yield DevRun(lines=lines, exports=exports, env=env, data_dir=data_dir)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_dev_prints_exports_and_the_time_to_the_first_graphql_answer(dev_run):
    startup = "".join(dev_run.lines)
    assert len(dev_run.exports) == 2, startup
    assert {"PEERLAB_GATEWAY", "PEERLAB_SUBMISSIONS", "STUDENT", "TA", "TEACHER", "ADMIN"} <= set(dev_run.env)
    assert (dev_run.data_dir / "env.sh").read_text().splitlines() == dev_run.exports
    assert re.search(r"first GraphQL answer \d+\.\d s after start", startup), startup
    # the admin token's subject is a person of the course
    me = httpx.get(
        dev_run.env["PEERLAB_GATEWAY"] + "/v1/people/me",
        headers={"Authorization": f"Bearer {dev_run.env['ADMIN']}"},
        timeout=30,
    )
    assert me.status_code == 200, me.text


def test_readme_walkthrough_runs_verbatim_against_a_fresh_dev_stack(dev_run):
    if shutil.which("curl") is None:
        pytest.skip("the README's walkthrough uses curl, which this machine lacks")
    blocks = readme_blocks()
    script = (
        "\n".join(dev_run.exports)
        + "\n"
        + "".join(f"echo '{MARKER} {i}'\n{block}\necho\n" for i, block in enumerate(blocks))
    )
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    outputs = [part.split("\n", 1)[1] for part in done.stdout.split(MARKER)[1:]]
    me = json.loads(outputs[0])
    assert "errors" not in me, me
    assert me["data"]["me"]["person"]["name"] == "Demo Student 01"
    assert len(me["data"]["me"]["labs"]) >= 8
    other = json.loads(outputs[1])
    assert other["data"]["me"]["person"]["name"] == "Demo Student 02"
    put, handed_in = json.JSONDecoder().raw_decode(outputs[2])[0], outputs[2]
    assert put["id"] == "try-lab" and put["closed"] is False
    assert '"receipt"' in handed_in and '"owner_id":"s210001"' in handed_in.replace(" ", "")
    assert int(outputs[3].strip()) > 10  # the secret calendar feed: sessions and exam days


def _rest(env: dict[str, str], service: str, path: str, **params):
    """A staff (admin) REST read of one service of the dev stack."""
    response = httpx.get(
        env[f"PEERLAB_{service.upper()}"] + path,
        params=params,
        headers={"Authorization": f"Bearer {env['ADMIN']}"},
        timeout=30,
    )
    assert response.status_code == 200, f"{path}: {response.text}"
    return response.json()


def _course_state(env: dict[str, str]) -> dict:
    """What the seed writes, as the staff's REST reads show it."""
    from peerlab.local.seed_history import RESUBMISSION

    def get(service: str, path: str, **params):
        return _rest(env, service, path, **params)

    rounds = get("review", "/v1/rounds")
    roster = get("gateway", "/v1/roster", limit=1000)["items"]
    students = ",".join(p["id"] for p in roster if "student" in p["roles"])
    return {
        "roster": sorted((p["id"], tuple(p["roles"])) for p in roster),
        "assignments": sorted(
            (a["id"], a["revision"], a["closed"], a.get("close_grace_s"))
            for a in get("submissions", "/v1/assignments")["items"]
        ),
        "hand_ins": {
            lab: sorted(
                (s["owner_id"], s["current_version"])
                for s in get("submissions", "/v1/submissions", assignment_id=lab)["items"]
            )
            for lab in ("lab-1", "lab-3", "lab-8", RESUBMISSION, "demo-open-lab", "demo-review-lab", "demo-synopsis")
        },
        "eligibility": sorted(
            (e["student_id"], e["status"], e["labs_passed"])
            for e in get("review", "/v1/eligibility", student_ids=students)
        ),
        "date_changes": len(get("scheduling", "/v1/courses/02456-2021/calendar/date-changes")),
        "rounds": sorted(((r["lab_number"], r["status"]) for r in rounds), key=str),
        "reviews": {
            r["lab_number"]: sorted(
                (x["reviewer_id"], x["status"]) for x in get("review", f"/v1/rounds/{r['id']}/reviews")
            )
            for r in rounds
        },
        "queue": sorted(q["kind"] for q in get("review", "/v1/teacher/queue")),
        "bookings": sorted((b["group_id"], b["slot_id"]) for b in get("scheduling", "/v1/courses/02456-2021/bookings")),
        "examiners": sorted(e["person_id"] for e in get("scheduling", "/v1/courses/02456-2021/examiners")),
        "plan": (lambda p: (p["state"], p["revision"], sum(p["loads"].values())))(
            get("scheduling", "/v1/courses/02456-2021/exam-days/poster-2021/plan")
        ),
    }


def _settled_state(env: dict[str, str], *, quiet_s: float = 2.0, timeout_s: float = 90.0) -> dict:
    """The course state once two reads ``quiet_s`` apart agree: the services apply events after the
    requests that caused them (the walkthrough's own hand-ins and assignments may still be on
    their way to review), and the second seed must be compared with a state that has settled."""
    deadline = time.monotonic() + timeout_s
    state = _course_state(env)
    while True:
        time.sleep(quiet_s)
        again = _course_state(env)
        if again == state:
            return state
        assert time.monotonic() < deadline, "the course state did not settle"
        state = again


def test_the_demo_course_is_alive_and_a_second_seed_changes_nothing(dev_run):
    from peerlab.local import seed
    from peerlab.local.seed_history import RESUBMISSION, labs_handed_in

    first = _settled_state(dev_run.env)
    students = [pid for pid, roles in first["roster"] if "student" in roles]
    assert len(students) == 40
    assert len(first["hand_ins"]["demo-open-lab"]) == 25
    assert len(first["hand_ins"]["demo-review-lab"]) == 36
    assert len(first["hand_ins"]["demo-synopsis"]) == 2  # two groups' synopses, for the supervisors' view
    closed = {a: c for a, _, c, _ in first["assignments"]}
    assert closed["demo-review-lab"] is True and closed["demo-open-lab"] is False
    grace = {a: g for a, _, _, g in first["assignments"]}
    assert grace["demo-open-lab"] == 60 and grace["demo-review-lab"] == 0  # a demo closes within a minute
    assert (9, "allocated") in first["rounds"]
    assert "allocation_failed" not in {status for _, status in first["rounds"]}
    assert len([r for r in first["reviews"][9] if r[1] == "submitted"]) >= 24
    assert "allocation_failed" not in first["queue"] and "review_flagged" in first["queue"]
    assert len(first["bookings"]) == 5
    assert len(first["examiners"]) >= 4  # teachers, examiners and a group's supervisor
    assert first["plan"] == ("published", 1, 10)  # 5 booked groups, 2 examiners each
    # fall 2021 as history: hand-ins (some twice, some missing), a fail re-submitted, eligibility decided
    for k in (1, 3, 8):
        assert len(first["hand_ins"][f"lab-{k}"]) == sum(k in labs_handed_in(n) for n in range(1, 41)), k
    assert ("s210001", 2) in first["hand_ins"]["lab-1"] and first["hand_ins"][RESUBMISSION] == [("s210007", 1)]
    assert closed["lab-1"] is True and closed["lab-8"] is True
    passed = {student: (status, labs) for student, status, labs in first["eligibility"]}
    assert passed["s210007"] == ("eligible", 7) and passed["s210008"] == ("eligible", 6)  # fail, re-submission
    assert passed["s210040"] == ("not_eligible", 3) and passed["s210033"] == ("not_eligible", 5)
    assert {status for status, _ in passed.values()} == {"eligible", "not_eligible"}
    assert first["date_changes"] >= 8  # the history's deadlines moved back to 2021 by the calendar, audited

    urls = {
        name.removeprefix("PEERLAB_").lower(): url for name, url in dev_run.env.items() if name.startswith("PEERLAB_")
    }
    seed.seed_course(urls, dev_run.env["ADMIN"])
    assert _course_state(dev_run.env) == first


def _chromium() -> str | None:
    """Debian's headless Chromium (``scripts/browser`` installs it where it can), else None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _headless(chromium: str, profile: Path, *args: str) -> str:
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=30000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _page_rows(dom: str, key: str) -> dict[str, dict[str, int]]:
    """The page's table rows keyed by their ``data-<key>``: {row: {data-field: number}}."""
    return {
        m.group(1): {f: int(n) for f, n in re.findall(r'data-field="(\w+)"[^>]*>(\d+)<', m.group(2))}
        for m in re.finditer(rf'<tr data-{key}="([^"]+)">(.*?)</tr>', dom, flags=re.S)
    }


def _page_labels(dom: str, key: str) -> dict[str, dict[str, str]]:
    """The text cells (``data-label``) of the page's rows keyed by their ``data-<key>``."""
    return {
        m.group(1): {f: html.unescape(t) for f, t in re.findall(r'data-label="(\w+)"[^>]*>([^<]*)<', m.group(2))}
        for m in re.finditer(rf'<tr data-{key}="([^"]+)">(.*?)</tr>', dom, flags=re.S)
    }


def test_the_course_page_shows_the_seeded_numbers_in_a_headless_browser(dev_run, tmp_path):
    """The page at ``/`` in a real headless Chromium: a screenshot is taken, and every number in
    its tables (labs, eligibility, groups and projects, the poster exam's slots) equals what the API
    answers and what the seed played."""
    from peerlab.local.seed_history import labs_handed_in

    chromium = _chromium()
    if chromium is None:
        pytest.skip(
            "headless Chromium is not installed (scripts/browser installs Debian's chromium as root "
            "with apt-get); the page's route is tested in gateway/tests/test_gateway_overview_page.py"
        )
    env = dev_run.env
    url = f"{env['PEERLAB_GATEWAY']}/#token={env['ADMIN']}"
    shot = dev_run.data_dir / "course-page.png"
    _headless(chromium, tmp_path / "shot", "--window-size=1400,1400", f"--screenshot={shot}", url)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    dom = _headless(chromium, tmp_path / "dom", "--dump-dom", url)
    assert 'data-loaded="true"' in dom, dom[-3000:]

    def graphql(query: str) -> dict:
        answer = httpx.post(
            env["PEERLAB_GATEWAY"] + "/graphql",
            json={"query": query},
            timeout=60,
            headers={"Authorization": f"Bearer {env['ADMIN']}"},
        ).json()
        assert "errors" not in answer, answer
        return answer["data"]

    labs = _page_rows(dom, "lab")
    assert set(labs) >= {str(k) for k in range(1, 11)}
    fields = "handedIn late reviewsSubmitted reviewsMissing statuses { passed failed pending notHandedIn }"
    api = graphql("{ " + " ".join(f"l{k}: labOverview(labNumber: {k}) {{ {fields} }}" for k in labs) + " }")
    for k, shown in labs.items():
        o = api[f"l{k}"]
        assert shown == {
            **{f: o[f] for f in ("handedIn", "late", "reviewsSubmitted", "reviewsMissing")},
            **o["statuses"],
        }, k
    # what the seed played: fall 2021's hand-ins (one failed lab 3, re-submitted, passed), lab 9's reviews
    for k in range(1, 9):
        assert labs[str(k)]["handedIn"] == sum(k in labs_handed_in(n) for n in range(1, 41)), k
    assert labs["2"]["failed"] == 1 and labs["9"]["reviewsSubmitted"] >= 24 and labs["10"]["handedIn"] == 25

    eligibility = _page_rows(dom, "eligibility")
    students = graphql("{ students(first: 500) { nodes { eligibility { status } } } }")["students"]["nodes"]
    statuses = [s["eligibility"]["status"] for s in students if s["eligibility"]]
    assert eligibility["course"] == {
        "students": len(students),
        "eligible": statuses.count("ELIGIBLE"),
        "notEligible": statuses.count("NOT_ELIGIBLE"),
        "undecided": statuses.count("UNDECIDED"),
    }
    eligible = sum(len(labs_handed_in(n)) - (n == 8) >= 6 for n in range(1, 41))  # student 8 failed lab 2
    assert eligibility["course"]["eligible"] == eligible

    # groups and projects: members as the projects service lists them, project and booking as GraphQL
    groups, group_labels = _page_rows(dom, "group"), _page_labels(dom, "group")
    rest_groups = {g["group_id"]: g for g in _rest(env, "projects", "/v1/groups")}
    assert set(groups) == set(group_labels) == set(rest_groups) and groups
    nodes = graphql(
        "{ course { groups(first: 500) { nodes { id assignment { rank } project { title } booking { startsAtLocal } } } } }"
    )["course"]["groups"]["nodes"]
    for g in nodes:
        shown, labels = groups[g["id"]], group_labels[g["id"]]
        assert shown["members"] == len(rest_groups[g["id"]]["members"]), g
        assert shown.get("rank") == (g["assignment"] or {}).get("rank"), g
        assert labels["project"] == (g["project"] or {}).get("title", ""), g
        booked = g["booking"]["startsAtLocal"].replace("T", " ")[:16] if g["booking"] else ""
        assert labels["booking"] == booked, g
    bookings = _rest(env, "scheduling", "/v1/courses/02456-2021/bookings")
    assert sorted(g for g, labels in group_labels.items() if labels["booking"]) == sorted(
        b["group_id"] for b in bookings
    )
    assert len(bookings) == 5 and sum(bool(labels["project"]) for labels in group_labels.values()) >= 5

    # the poster exam: every slot of every exam day, as the scheduling service counts its places
    slots = _page_rows(dom, "slot")
    days = _rest(env, "scheduling", "/v1/courses/02456-2021/exam-days")
    rest_slots = {
        s["slot_id"]: {"capacity": s["capacity"], "booked": s["booked"], "freePlaces": s["available"]}
        for d in days
        for s in _rest(env, "scheduling", f"/v1/courses/02456-2021/exam-days/{d['exam_day_id']}/slots")
    }
    assert slots == rest_slots and slots
    assert sum(s["booked"] for s in slots.values()) == len(bookings)
