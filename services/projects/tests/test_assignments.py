"""Allocation over HTTP: capacities hold, ranks are honoured, dry runs save nothing, re-runs add
only new groups; manual assignments; ``project.assigned.v1``."""

from projects_testkit import project_body

ASSIGNED = "project.assigned.v1"


def _groups(stack, client, count):
    teacher = stack.auth("t1", "teacher")
    ids = []
    for i in range(count):
        a, b = f"s2100{2 * i:02d}", f"s2100{2 * i + 1:02d}"
        stack.enrol(a, b)
        ids.append(client.post("/v1/groups", json={"member_ids": [a, b]}, headers=teacher).json()["group_id"])
    return ids


def _choose(client, stack, gid, *project_ids, sub=None):
    choices = [{"project_id": p, "subproject": sub if n == 0 else None} for n, p in enumerate(project_ids)]
    response = client.put(f"/v1/groups/{gid}/selection", json={"choices": choices}, headers=stack.auth("ta1", "ta"))
    assert response.status_code in (200, 201), response.text


def test_allocation_respects_capacities_and_ranks(stack):
    client = stack.client()
    teacher = stack.auth("t1", "teacher")
    client.put("/v1/catalogues/2021/projects/1", json=project_body("Own", own=True), headers=teacher)
    client.put(
        "/v1/catalogues/2021/projects/2", json=project_body("Popular", capacity=2, letters="ab"), headers=teacher
    )
    client.put("/v1/catalogues/2021/projects/3", json=project_body("Other", capacity=1), headers=teacher)
    g = _groups(stack, client, 6)
    for gid in g[:4]:
        _choose(client, stack, gid, "p-2021-02", "p-2021-03", sub="a")
    _choose(client, stack, g[4], "p-2021-01")
    # g[5] does not choose
    dry = client.post("/v1/allocations", json={"dry_run": True}, headers=teacher).json()
    assert dry["dry_run"] and len(dry["assigned"]) == 4
    assert client.get("/v1/assignments", headers=teacher).json() == [] and stack.outbox(ASSIGNED) == []
    result = client.post("/v1/allocations", json={}, headers=teacher).json()
    per_project = {}
    for a in result["assigned"]:
        per_project[a["project_id"]] = per_project.get(a["project_id"], 0) + 1
    assert per_project == {"p-2021-02": 2, "p-2021-03": 1, "p-2021-01": 1}
    assert result["rank_counts"] == {"1": 3, "2": 1}
    assert len(result["unassigned"]) == 1 and result["without_choices"] == [g[5]]
    popular = [a for a in result["assigned"] if a["project_id"] == "p-2021-02"]
    assert all(a["subproject"] == "a" and a["rank"] == 1 for a in popular)
    events = stack.outbox(ASSIGNED)
    assert len(events) == 4 and {e.data["project_id"] for e in events} == {"p-2021-01", "p-2021-02", "p-2021-03"}
    rerun = client.post("/v1/allocations", json={}, headers=teacher).json()
    assert rerun["assigned"] == [] and len(rerun["unassigned"]) == 1
    assert len(stack.outbox(ASSIGNED)) == 4


def test_manual_assignment_within_capacity(stack):
    client = stack.client()
    teacher = stack.auth("t1", "teacher")
    client.put("/v1/catalogues/2021/projects/3", json=project_body("Small", capacity=1, letters="a"), headers=teacher)
    g1, g2 = _groups(stack, client, 2)
    _choose(client, stack, g1, "p-2021-03")
    first = client.put(
        f"/v1/groups/{g1}/assignment", json={"project_id": "p-2021-03", "subproject": "a"}, headers=teacher
    )
    assert first.status_code == 200 and first.json()["rank"] == 1 and first.json()["method"] == "manual"
    again = client.put(
        f"/v1/groups/{g1}/assignment", json={"project_id": "p-2021-03", "subproject": "a"}, headers=teacher
    )
    assert again.status_code == 200 and len(stack.outbox(ASSIGNED)) == 1
    full = client.put(f"/v1/groups/{g2}/assignment", json={"project_id": "p-2021-03"}, headers=teacher)
    assert full.status_code == 409 and full.json()["code"] == "project_full"
    assert (
        client.put(
            f"/v1/groups/{g2}/assignment", json={"project_id": "p-2021-03"}, headers=stack.auth("ta1", "ta")
        ).status_code
        == 403
    )
    mine = client.get(f"/v1/groups/{g1}/assignment", headers=stack.auth("s210000"))
    assert mine.status_code == 200 and mine.json()["project_id"] == "p-2021-03"
    assert stack.outbox(ASSIGNED)[0].data["subproject"] == "a"
    assert stack.outbox(ASSIGNED)[0].data["supervisor_emails"] == ["ada@dtu.dk"]  # scheduling keeps them off the poster


def test_allocation_is_rank_maximal_by_default_and_reports_the_profile(stack):
    """The probe's case: capacities [1, 1, 2, 1] and choices [[0,3,1,2],[1,2,3,0],[3,1],[0,1]] allow
    three first choices; min-sum (the old behaviour, still an option) gives two firsts and two seconds."""
    client = stack.client()
    teacher = stack.auth("t1", "teacher")
    numbers = [2, 3, 4, 5]  # projects 0..3 of the probe
    for number, cap in zip(numbers, [1, 1, 2, 1], strict=True):
        client.put(
            f"/v1/catalogues/2021/projects/{number}", json=project_body(f"P{number}", capacity=cap), headers=teacher
        )
    client.put("/v1/catalogues/2021/projects/6", json=project_body("Taken", capacity=1), headers=teacher)
    g = _groups(stack, client, 6)
    for gid, picks in zip(g, [[0, 3, 1, 2], [1, 2, 3, 0], [3, 1], [0, 1]], strict=False):
        _choose(client, stack, gid, *[f"p-2021-{numbers[i]:02d}" for i in picks])
    assert (
        client.put(f"/v1/groups/{g[4]}/assignment", json={"project_id": "p-2021-06"}, headers=teacher).status_code
        == 200
    )
    _choose(client, stack, g[5], "p-2021-06")  # its only choice is already full

    summed = client.post("/v1/allocations", json={"dry_run": True, "objective": "min_sum"}, headers=teacher).json()
    assert summed["objective"] == "min_sum"
    assert summed["profile"] == {"by_rank": [2, 2, 0, 0], "unassigned": 1}
    best = client.post("/v1/allocations", json={"dry_run": True}, headers=teacher).json()
    assert best["objective"] == "rank_maximal"
    assert best["profile"] == {"by_rank": [3, 0, 0, 1], "unassigned": 1}
    assert best["rank_counts"] == {"1": 3, "4": 1}
    assert best["unassigned"] == [g[5]]
    assert best["unassigned_reasons"] == [{"group_id": g[5], "reason": "no_feasible_choice"}]
    bad = client.post("/v1/allocations", json={"objective": "happiness"}, headers=teacher)
    assert bad.status_code == 422
    saved = client.post("/v1/allocations", json={}, headers=teacher).json()
    assert saved["profile"]["by_rank"] == [3, 0, 0, 1] and len(stack.outbox(ASSIGNED)) == 5
