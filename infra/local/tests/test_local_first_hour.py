"""What ``peerlab dev`` prints for the first hour: tokens of people on the seeded roster, exports."""

import shlex

import jwt
from peerlab.chassis.settings import DEV_JWT_SECRET
from peerlab.local import first_hour
from peerlab.local.seed_course_data import demo_people
from peerlab.local.seed_demo import DEV_ADMIN


def test_every_printed_token_belongs_to_a_person_on_the_seeded_roster_with_that_role():
    roster = dict(demo_people())
    roster[DEV_ADMIN[0]] = DEV_ADMIN[1]
    tokens = first_hour.demo_tokens(ttl_s=60)
    assert set(tokens) == {"STUDENT", "TA", "TEACHER", "ADMIN"}
    for token in tokens.values():
        claims = jwt.decode(token, DEV_JWT_SECRET, algorithms=["HS256"], audience="peerlab")
        assert claims["sub"] in roster, claims["sub"]
        assert set(claims["roles"]) <= set(roster[claims["sub"]]["roles"])
    admin = jwt.decode(tokens["ADMIN"], DEV_JWT_SECRET, algorithms=["HS256"], audience="peerlab")
    assert "admin" in admin["roles"]


def test_export_lines_are_shell_assignments_with_the_real_urls():
    urls = {"submissions": "http://127.0.0.1:9000", "gateway": "http://127.0.0.1:9004"}
    lines = first_hour.export_lines(urls, {"STUDENT": "a.b.c"})
    assert [shlex.split(line) for line in lines] == [
        ["export", "PEERLAB_SUBMISSIONS=http://127.0.0.1:9000", "PEERLAB_GATEWAY=http://127.0.0.1:9004"],
        ["export", "STUDENT=a.b.c"],
    ]


def test_started_at_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PEERLAB_DEV_STARTED_AT", "123.5")
    assert first_hour.started_at() == 123.5
    monkeypatch.setenv("PEERLAB_DEV_STARTED_AT", "garbage")
    assert first_hour.started_at() == first_hour._IMPORTED_AT
