"""``peerlab ops rehearse`` against a real submissions service (API and worker processes on the test
database and broker): every hand-in is accepted and listed with its SHA-256, and the lag and
backlog are read from the processes' /metrics."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import httpx
import pytest

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.settings import DEV_JWT_SECRET
from peerlab.local.ops import notebooks, rehearse


def test_a_small_surge_is_accepted_and_nothing_is_lost(submissions, tmp_path):
    base_url, metrics = submissions
    report = rehearse.run(
        base_url=base_url,
        students=10,
        concurrency=4,
        deadline_in=timedelta(minutes=5),
        metrics_urls=metrics,
        max_mb=1.0,
        seed=7,
        secret=DEV_JWT_SECRET,
    )
    assert (report.accepted, report.refused, report.failed, report.lost) == (10, 0, 0, 0), report
    assert set(report.latency_ms) == {"p50", "p90", "p99", "max", "mean"} and report.handins_per_s > 0
    assert report.metrics["unreachable /metrics"] == 0
    assert "peak consumer lag" in report.metrics and report.metrics["new 5xx"] == 0
    # The service agrees: ten current versions, one per synthetic student, with the bytes sent.
    teacher = mint_dev_token(sub="t", roles=["teacher"], secret=DEV_JWT_SECRET, ttl_s=60)
    owners = [f"rh{report.run_id}-{i:05d}" for i in range(10)]
    listed = rehearse.listed_versions(
        httpx.Client(), base_url, report.assignment_id, token=teacher, owners=owners, chunk=3
    )  # four requests: 3 + 3 + 3 + 1
    assert sorted(listed) == owners
    api_metrics = httpx.get(metrics[0]).text
    assert (
        'peerlab_http_requests_total{method="POST",route="/v1/assignments/{assignment_id}/submissions",'
        'service="submissions",status="201"} 10.0'
    ) in api_metrics  # what the alerts and dashboard query
    lag = httpx.get(metrics[1]).text
    assert "peerlab_consumer_lag{" in lag and "peerlab_event_handler_seconds" in lag


@pytest.mark.slow
def test_more_hand_ins_than_one_list_page_are_all_found(submissions):
    """The list endpoint answers at most 500 rows without saying so: 501 hand-ins, none lost."""
    base_url, _ = submissions
    report = rehearse.run(base_url=base_url, students=501, concurrency=8, max_mb=0.05, secret=DEV_JWT_SECRET)
    assert (report.accepted, report.lost) == (501, 0), report.refused_codes


def test_a_hand_in_the_service_does_not_list_counts_as_lost(submissions, monkeypatch):
    base_url, _ = submissions
    real = rehearse.listed_versions

    def drop_one(*args, **kwargs):
        listed = real(*args, **kwargs)
        listed.pop(sorted(listed)[0])
        return listed

    monkeypatch.setattr(rehearse, "listed_versions", drop_one)
    report = rehearse.run(base_url=base_url, students=3, concurrency=3, max_mb=0.2, secret=DEV_JWT_SECRET)
    assert (report.accepted, report.lost) == (3, 1) and len(report.lost_students) == 1


def test_a_wrong_secret_stops_at_the_teacher_and_a_late_hand_in_is_refused_with_its_code(submissions):
    base_url, _ = submissions
    with pytest.raises(httpx.HTTPStatusError):
        rehearse.run(
            base_url=base_url, students=2, concurrency=2, max_mb=0.2, secret="wrong-secret-0123456789abcdef0123"
        )
    teacher = mint_dev_token(sub="t", roles=["teacher"], secret=DEV_JWT_SECRET, ttl_s=60)
    with httpx.Client() as client:
        closed = rehearse.open_assignment(client, base_url, token=teacher, deadline_in=timedelta(seconds=-1))
        token = mint_dev_token(sub="late", roles=["student"], secret=DEV_JWT_SECRET, ttl_s=60)
        outcome = rehearse.hand_in(
            client, base_url, closed, student="late", token=token, body=notebooks.for_student(1, seed=1, max_mb=0.1)
        )
    assert outcome.status == 409 and outcome.code == "deadline_passed"


def test_the_notebooks_are_valid_v4_with_a_course_like_size_mix():
    import nbformat

    sizes = []
    for i in range(40):
        body = notebooks.for_student(i, seed=3, max_mb=5)
        nb = nbformat.reads(body.decode(), as_version=4) if i < 5 else json.loads(body)
        if i < 5:
            nbformat.validate(nb)
        assert nb["nbformat"] == 4
        sizes.append(len(body))
    assert min(sizes) < 600 * 1024 and max(sizes) > 1024 * 1024 and max(sizes) <= 5.3 * 1024 * 1024
    rng = random.Random(0)
    assert all(notebooks.size_mix(rng, max_mb=0.5) <= 0.5 * 2**20 for _ in range(100))


def test_percentiles():
    p = rehearse.percentiles([float(i) for i in range(1, 101)])
    assert (p["p50"], p["p90"], p["p99"], p["max"]) == (50.0, 90.0, 99.0, 100.0)
    assert rehearse.percentiles([]) == {}
