"""Concurrent uploads of one owner: versions stay dense and ordered, exactly one is current."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from peerlab.submissions.models import Submission, Version

pytestmark = pytest.mark.dialect_sensitive  # concurrent writers: locking


def test_concurrent_uploads_of_one_owner_get_ordered_versions_and_one_current(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    payloads = [make_notebook(cells=i + 1) for i in range(12)]
    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(lambda data: stack.hand_in("lab-1", "s1", data), payloads))
    assert [r.status_code for r in responses] == [201] * 12, [r.text for r in responses if r.status_code != 201]
    numbers = sorted(r.json()["version"]["version"] for r in responses)
    assert numbers == list(range(1, 13))
    with stack.session() as session:
        submissions = list(session.execute(select(Submission)).scalars())
        versions = list(session.execute(select(Version).order_by(Version.version)).scalars())
    assert len(submissions) == 1
    assert submissions[0].current_version == 12 == submissions[0].latest_version
    # versions are numbered in the order they were accepted
    accepted = [v.accepted_at for v in versions]
    assert accepted == sorted(accepted)
    events = stack.outbox("submission.received.v1")
    assert sorted(e.data["version"] for e in events) == list(range(1, 13))
    assert len(stack.objects()) == 12
    # each version's bytes are the ones its own response reported
    by_version = {r.json()["version"]["version"]: r.json()["version"]["sha256"] for r in responses}
    assert {v.version: v.sha256 for v in versions} == by_version


def test_many_owners_at_once_each_get_their_own_single_version(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda i: stack.hand_in("lab-1", f"s{i:03d}", make_notebook(cells=2)), range(24)))
    assert {r.status_code for r in responses} == {201}
    assert {r.json()["version"]["version"] for r in responses} == {1}
    assert stack.count(Submission) == 24 and stack.count(Version) == 24
