"""LTI 1.3 Advantage against a platform played by the test (``lti_platform``): registration by an
admin, OIDC login and launch (forged launches refused with a code), the NRPS roster pull as roster
events, and AGS grade passback from the worker over the real broker."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from lti_platform import Platform, new_key
from peerlab.chassis.db import make_engine
from peerlab.chassis.kafka import make_producer
from peerlab.chassis.outbox import OutboxEvent
from peerlab.contracts import Envelope
from peerlab.contracts.events.grades import GradeFinalisedV1, GradesReleasedV1
from peerlab.contracts.events.review import LabVerdictSetV1
from peerlab.gateway import repository, worker
from peerlab.gateway.lti import passback
from peerlab.gateway.main import create_app
from peerlab.gateway.settings import GatewaySettings

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


@pytest.fixture
def lti(make_settings, auth) -> Iterator[tuple[TestClient, Platform, GatewaySettings, str]]:
    course = f"c-{uuid.uuid4().hex[:8]}"
    settings = make_settings(
        lti_enabled=True,
        lti_allow_http=True,
        lti_allow_private=True,  # the platform played by the test listens on 127.0.0.1
        course_id=course,
        lti_base_url="http://testserver",
        lti_passback_interval_s=0.1,
    )
    with TestClient(create_app(settings)) as client:
        platform = Platform(tool_jwks=client.get("/v1/lti/jwks").json())
        try:
            created = client.post("/v1/lti/platforms", json=platform.registration(), headers=auth("t-admin", "admin"))
            assert created.status_code == 201, created.text
            assert created.json()["tool_launch_url"] == "http://testserver/v1/lti/launch"
            yield client, platform, settings, created.json()["id"]
        finally:
            platform.close()


def _login(client: TestClient, platform: Platform) -> tuple[str, str]:
    """OIDC login initiation; (state, nonce) the platform received in the redirect."""
    response = client.get(
        "/v1/lti/login",
        params={
            "iss": platform.issuer,
            "client_id": platform.client_id,
            "login_hint": "u-1",
            "target_link_uri": "http://testserver/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{platform.url}/auth"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["redirect_uri"] == "http://testserver/v1/lti/launch" and query["response_mode"] == "form_post"
    return query["state"], query["nonce"]


def _launch(client: TestClient, id_token: str, state: str):
    return client.post("/v1/lti/launch", data={"id_token": id_token, "state": state}, follow_redirects=False)


def test_a_launch_enrols_the_learner_and_forged_launches_are_refused(lti, auth) -> None:
    client, platform, _settings, _ = lti
    student = f"s{uuid.uuid4().hex[:6]}"
    state, nonce = _login(client, platform)
    token = platform.id_token(nonce=nonce, sub="lms-user-1", sourcedid=student)
    launched = _launch(client, token, state)
    assert launched.status_code == 303, launched.text
    me = client.get("/v1/people/me", headers=auth(student)).json()
    assert me["enrolled"] and me["roles"] == ["student"] and me["name"] == f"Student {student}"
    # The same launch again: its nonce (and state) are spent.
    replayed = _launch(client, token, state)
    assert (replayed.status_code, replayed.json()["code"]) == (401, "nonce_replayed")
    forgeries = {
        "invalid_signature": lambda n: platform.id_token(nonce=n, sub="u-2", sourcedid="s-forged", key=new_key()),
        "invalid_audience": lambda n: platform.id_token(nonce=n, sub="u-2", sourcedid="s-forged", aud="other-tool"),
        "invalid_issuer": lambda n: platform.id_token(nonce=n, sub="u-2", sourcedid="s-forged", iss="https://evil"),
        "invalid_nonce": lambda n: platform.id_token(nonce="not-" + n, sub="u-2", sourcedid="s-forged"),
        "token_expired": lambda n: platform.id_token(
            nonce=n, sub="u-2", sourcedid="s-forged", exp=int(time.time()) - 600
        ),
        "unknown_deployment": lambda n: platform.id_token(
            nonce=n, sub="u-2", sourcedid="s-forged", **{"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "x"}
        ),
    }
    for code, forge in forgeries.items():
        state, nonce = _login(client, platform)
        refused = _launch(client, forge(nonce), state)
        assert (refused.status_code, refused.json()["code"]) == (401, code), refused.text
    assert client.get("/v1/people/me", headers=auth("s-forged")).status_code == 404  # nobody enrolled
    state, nonce = _login(client, platform)
    client.cookies.clear()  # the launch comes back to another browser than the one that logged in
    client.cookies.set("peerlab_lti_state", "another-browser")
    stolen = _launch(client, platform.id_token(nonce=nonce, sub="u-2", sourcedid="s-forged"), state)
    assert (stolen.status_code, stolen.json()["code"]) == (401, "invalid_state")
    unknown = client.get(
        "/v1/lti/login",
        params={"iss": "https://unknown", "login_hint": "x", "target_link_uri": "y"},
        follow_redirects=False,
    )
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_platform")


def test_platforms_are_registered_by_admins_only(lti, auth) -> None:
    client, platform, _, _ = lti
    body = {**platform.registration(), "client_id": "second"}
    assert client.post("/v1/lti/platforms", json=body, headers=auth("t-ole", "teacher")).status_code == 403
    again = client.post("/v1/lti/platforms", json=platform.registration(), headers=auth("t-admin", "admin"))
    assert (again.status_code, again.json()["code"]) == (409, "platform_exists")
    listed = client.get("/v1/lti/platforms", headers=auth("t-admin", "admin")).json()
    assert [p["issuer"] for p in listed] == [platform.issuer]


def test_the_nrps_roster_pull_makes_the_same_roster_events_as_the_push(lti, auth) -> None:
    client, platform, settings, platform_id = lti
    ada, bob = f"s{uuid.uuid4().hex[:6]}", f"s{uuid.uuid4().hex[:6]}"
    admin = auth("t-admin", "admin")
    early = client.post(f"/v1/lti/platforms/{platform_id}/roster-sync", headers=admin)
    assert (early.status_code, early.json()["code"]) == (409, "no_roster_service")  # no launch yet
    state, nonce = _login(client, platform)
    assert _launch(client, platform.id_token(nonce=nonce, sub="u-ada", sourcedid=ada), state).status_code == 303
    platform.members = [
        {"user_id": "u-ada", "lis_person_sourcedid": ada, "name": "Ada L", "roles": [LEARNER], "status": "Active"},
        {
            "user_id": "u-bob",
            "lis_person_sourcedid": bob,
            "name": "Bob B",
            "email": f"{bob}@student.dtu.dk",
            "roles": ["Learner"],
            "status": "Active",
        },
        {"user_id": "u-ole", "lis_person_sourcedid": "t-ole", "name": "Ole W", "roles": [INSTRUCTOR]},
        {"user_id": "u-anon", "name": "No Id", "roles": [LEARNER]},
    ]
    synced = client.post(f"/v1/lti/platforms/{platform_id}/roster-sync", headers=admin)
    assert synced.status_code == 200, synced.text
    report = synced.json()
    assert report["members"] == 4 and report["outcomes"] == {"updated": 1, "enrolled": 1}
    assert sorted(s["reason"] for s in report["skipped"]) == ["no_person_id", "staff_role_not_allowed"]
    assert client.get("/v1/people/me", headers=auth(bob)).json()["enrolled"] is True
    engine = make_engine(settings)
    with Session(engine) as session:
        events = [
            Envelope.from_bytes(r.payload)
            for r in session.exec(select(OutboxEvent).where(OutboxEvent.event_type == "roster.person_enrolled.v1"))
        ]
    engine.dispose()
    bobs = [e.data for e in events if e.data["person_id"] == bob]
    assert len(bobs) == 1 and bobs[0]["roles"] == ["student"] and bobs[0]["email"] == f"{bob}@student.dtu.dk"
    # Bob leaves the course on the platform: the next pull unenrols him.
    platform.members[1]["status"] = "Inactive"
    assert (
        client.post(f"/v1/lti/platforms/{platform_id}/roster-sync", headers=admin).json()["outcomes"]["unenrolled"] == 1
    )
    assert client.get("/v1/people/me", headers=auth(bob)).json()["enrolled"] is False


def _publish(bootstrap: str, *envelopes: Envelope) -> None:
    producer = make_producer(bootstrap, client_id="test-lti")
    for envelope in envelopes:
        topic = "peerlab.review" if envelope.type.startswith("lab.") else "peerlab.scheduling"
        producer.send(topic, key=envelope.subject.encode(), value=envelope.to_bytes()).get(timeout=15)
    producer.close(timeout=5)


def _wait(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not in time: {what}"
        time.sleep(0.1)


@pytest.mark.timeout(240)
def test_lab_verdicts_and_released_final_grades_go_back_to_the_gradebook(lti, auth) -> None:
    client, platform, settings, _ = lti
    ada = f"s{uuid.uuid4().hex[:6]}"
    state, nonce = _login(client, platform)
    assert _launch(client, platform.id_token(nonce=nonce, sub="u-ada", sourcedid=ada), state).status_code == 303
    wrap = lambda e, subject: Envelope.wrap(e, source="test", subject=subject, course_id=settings.course_id)  # noqa: E731
    now = datetime.now(UTC)
    lab1 = wrap(
        LabVerdictSetV1(student_id=ada, assignment_id="a-1", lab_number=1, verdict="pass", set_by="t", set_at=now), ada
    )
    lab2 = wrap(
        LabVerdictSetV1(student_id=ada, assignment_id="a-2", lab_number=2, verdict="fail", set_by="t", set_at=now), ada
    )
    final = wrap(
        GradeFinalisedV1(
            student_id=ada, group_id="g-1", grade="10", how="agreed", decided_by=["t1", "t2"], finalised_at=now
        ),
        ada,
    )
    other_course = Envelope.wrap(
        LabVerdictSetV1(student_id=ada, assignment_id="a-3", lab_number=3, verdict="pass", set_by="t", set_at=now),
        source="test",
        subject=ada,
        course_id="other",
    )
    platform.fail_next_scores = 1  # the first score is refused once: an attempt is recorded, then retried
    engine = make_engine(settings)
    stop = threading.Event()
    threads = worker.start(settings, engine, stop)
    try:
        _publish(settings.kafka_bootstrap, lab1, lab2, lab1, final, other_course)  # lab1 twice: sent once
        _wait(lambda: len(platform.scores) >= 2, "the two lab scores")
        time.sleep(1.0)  # nothing else goes out: the final grade is held until the release
        assert sorted((s["lineItem"], s["scoreGiven"], s["userId"]) for s in platform.scores) == [
            ("lab-1", 1.0, "u-ada"),
            ("lab-2", 0.0, "u-ada"),
        ]
        _publish(settings.kafka_bootstrap, wrap(GradesReleasedV1(final_grades=1, released_at=now), settings.course_id))
        _wait(lambda: len(platform.scores) >= 3, "the final grade")
        score = platform.scores[-1]
        assert (score["lineItem"], score["scoreGiven"], score["scoreMaximum"]) == ("final", 10.0, 12.0)
        assert score["gradingProgress"] == "FullyGraded" and score["comment"] == "7-step grade 10"
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
        engine.dispose()
    assert sorted(i["resourceId"] for i in platform.line_items.values()) == ["final", "lab-1", "lab-2"]
    assert sorted(i["scoreMaximum"] for i in platform.line_items.values()) == [1, 1, 12]
    log = client.get("/v1/lti/passbacks", headers=auth("t-admin", "admin")).json()
    mine = [p for p in log if p["person_id"] == ada]
    assert sorted(p["key"] for p in mine) == ["final", "lab-1", "lab-2"] and {p["status"] for p in mine} == {
        "succeeded"
    }
    outcomes = sorted(a["outcome"] for p in mine for a in p["attempts"])
    assert outcomes == ["failed", "succeeded", "succeeded", "succeeded"], mine
    assert any(a["status_code"] == 503 for p in mine for a in p["attempts"])
    assert client.get("/v1/lti/passbacks", headers=auth(ada)).status_code == 403


def test_a_grade_held_while_the_release_was_being_recorded_goes_out_on_the_next_round(lti) -> None:
    """Two workers: one records the grade (the release not yet committed: held), the other the
    release (its update of held rows saw no grade yet). The passback's next round sends it."""
    client, platform, settings, _ = lti
    ada = f"s{uuid.uuid4().hex[:6]}"
    state, nonce = _login(client, platform)
    assert _launch(client, platform.id_token(nonce=nonce, sub="u-ada", sourcedid=ada), state).status_code == 303
    now = datetime.now(UTC)
    final = Envelope.wrap(
        GradeFinalisedV1(student_id=ada, group_id="g-1", grade="7", how="agreed", decided_by=["t1"], finalised_at=now),
        source="test",
        subject=ada,
        course_id=settings.course_id,
    )
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            passback.on_grade_finalised(session, final, final.data)
            session.commit()
        with Session(engine) as session:
            repository.record_grades_release(session, course_id=settings.course_id, released_at=now)
            session.commit()
        with Session(engine) as session:
            worker.passback_job(settings).run(session)
            session.commit()
    finally:
        engine.dispose()
    assert [(s["lineItem"], s["scoreGiven"]) for s in platform.scores] == [("final", 7.0)]


def test_lti_is_not_served_unless_enabled(client) -> None:
    assert client.get("/v1/lti/jwks").status_code == 404


def test_bad_lti_requests_are_clear_4xx(lti, auth) -> None:
    client, platform, _, _ = lti
    cases = [
        (
            dict(content=b'{"id_token": "x"}', headers={"content-type": "application/json"}),
            415,
            "unsupported_media_type",
        ),
        (
            dict(content=b"id_token=\xff\xfe&state=x", headers={"content-type": "application/x-www-form-urlencoded"}),
            400,
            "invalid_form",
        ),
        (dict(data={"state": "x"}), 400, "invalid_launch_request"),
        (dict(data={"id_token": "not.a.jwt", "state": "unknown"}), 401, "invalid_state"),
    ]
    for kwargs, status, code in cases:
        response = client.post("/v1/lti/launch", follow_redirects=False, **kwargs)
        assert (response.status_code, response.json()["code"]) == (status, code), (kwargs, response.text)
    state, _ = _login(client, platform)
    garbage = _launch(client, "not.a.jwt", state)
    assert (garbage.status_code, garbage.json()["code"]) == (401, "invalid_id_token"), garbage.text
    missing = client.get("/v1/lti/login", params={"iss": platform.issuer}, follow_redirects=False)
    assert (missing.status_code, missing.json()["code"]) == (400, "invalid_login_request")
    admin = auth("t-admin", "admin")
    for change, code in (
        ({"jwks_url": "ftp://x/jwks"}, "invalid_url"),
        ({"issuer": "a\x00b"}, "validation_error"),
        ({"deployment_ids": []}, "validation_error"),
        ({"client_id": "x" * 201}, "validation_error"),
    ):
        response = client.post(
            "/v1/lti/platforms", json={**platform.registration(), "client_id": "c2", **change}, headers=admin
        )
        assert response.status_code == 422 and response.json()["code"] == code, (change, response.text)


@pytest.mark.parametrize(
    "field,url",
    [
        ("jwks_url", "http://127.0.0.1:9/jwks"),
        ("auth_token_url", "http://localhost/token"),  # a name resolving to loopback: checked after DNS
        ("auth_login_url", "http://10.1.2.3/auth"),
        ("jwks_url", "http://169.254.169.254/latest/meta-data"),
        ("auth_token_url", "http://[::1]:8080/token"),
        ("jwks_url", "http://[::ffff:127.0.0.1]/jwks"),
    ],
)
def test_platform_urls_on_non_public_addresses_are_refused_at_registration(make_settings, auth, field, url) -> None:
    settings = make_settings(lti_enabled=True, lti_allow_http=True, lti_allow_private=False)
    with TestClient(create_app(settings)) as client:
        public = "https://1.1.1.1"  # a public address literal: no DNS needed, and nothing is fetched
        body = {
            "issuer": "https://lms.example.org",
            "client_id": "c-1",
            "deployment_ids": ["d-1"],
            "auth_login_url": f"{public}/auth",
            "auth_token_url": f"{public}/token",
            "jwks_url": f"{public}/jwks",
            field: url,
        }
        refused = client.post("/v1/lti/platforms", json=body, headers=auth("t-admin", "admin"))
        assert refused.status_code == 422, refused.text
        assert (refused.json()["code"], refused.json()["field"]) == ("unsafe_url", field), refused.text
        assert client.get("/v1/lti/platforms", headers=auth("t-admin", "admin")).json() == []
        accepted = client.post(
            "/v1/lti/platforms", json={**body, field: f"{public}/x"}, headers=auth("t-admin", "admin")
        )
        assert accepted.status_code == 201, accepted.text


def test_platform_urls_are_checked_again_before_every_request(lti, auth) -> None:
    """Registered while allowed (or the DNS answer changed since): the JWKS fetch of a launch, the
    token and roster requests and the AGS endpoints a launch hands over are refused before any
    request goes out."""
    client, platform, settings, platform_id = lti
    state, nonce = _login(client, platform)
    assert _launch(client, platform.id_token(nonce=nonce, sub="u-1", sourcedid="s-ssrf1"), state).status_code == 303
    strict = settings.model_copy(update={"lti_allow_private": False})
    platform.requests.clear()
    with TestClient(create_app(strict)) as guarded:
        state, nonce = _login(guarded, platform)
        launched = _launch(guarded, platform.id_token(nonce=nonce, sub="u-2", sourcedid="s-ssrf2"), state)
        assert (launched.status_code, launched.json()["code"]) == (422, "unsafe_url"), launched.text
        synced = guarded.post(f"/v1/lti/platforms/{platform_id}/roster-sync", headers=auth("t-admin", "admin"))
        assert (synced.status_code, synced.json()["code"]) == (422, "unsafe_url"), synced.text
    assert platform.requests == []  # neither the JWKS nor the token endpoint was called
    assert client.get("/v1/people/me", headers=auth("s-ssrf2")).status_code == 404  # the launch recorded nothing
    # The grade passback's client refuses the same way (the worker records a failed attempt).
    from peerlab.gateway.lti.models import LtiPlatform
    from peerlab.gateway.lti.platform_api import PlatformClient, PlatformError
    from peerlab.gateway.lti.url_guard import UrlPolicy

    engine = make_engine(settings)
    with Session(engine) as session:
        row = session.get(LtiPlatform, platform_id)
        passback = PlatformClient(
            private_key=settings.lti_private_key, key_id=settings.lti_key_id, policy=UrlPolicy.of(strict)
        )
        with pytest.raises(PlatformError) as refused:
            passback.post_score(row, f"{platform.url}/ags/ctx/lineitems/x", ["s"], {"scoreGiven": 1})
        passback.close()
        assert refused.value.code == "unsafe_url"
        # A launch's AGS endpoint on a non-public address is refused (verified here after the JWKS).
        from peerlab.chassis.errors import ProblemError
        from peerlab.gateway.lti import launch

        token = {
            "https://purl.imsglobal.org/spec/lti/claim/deployment_id": platform.deployment_id,
            "https://purl.imsglobal.org/spec/lti/claim/context": {"id": "ctx-ssrf"},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "lineitems": "https://169.254.169.254/latest/meta-data",
                "scope": [],
            },
        }
        with pytest.raises(ProblemError) as unsafe:
            launch.record_context(session, platform=row, token=token, policy=UrlPolicy(), now=datetime.now(UTC))
        assert (unsafe.value.status, unsafe.value.code, unsafe.value.extra) == (
            422,
            "unsafe_url",
            {"field": "lineitems"},
        )
    engine.dispose()
    assert platform.requests == []
