"""The catalogue: the bundled 2021 and 2020 catalogues, idempotent imports and PUTs, edits by teachers only."""

import json
from importlib import resources

from projects_testkit import project_body

from peerlab.projects.service.catalogue import bundled_catalogue, bundled_years


def test_bundled_catalogues_of_2021_and_2020():
    assert bundled_years() == [2020, 2021]
    for year, count in ((2021, 25), (2020, 28)):
        projects = dict(bundled_catalogue(year))
        assert sorted(projects) == list(range(1, count + 1))
        assert projects[1].title == "Come with your own project" and projects[1].own_project
        assert not any(p.own_project for n, p in projects.items() if n != 1)
    p2021 = dict(bundled_catalogue(2021))
    assert [s.letter for s in p2021[18].subprojects] == list("abcdefg")
    assert [(s.name, s.email) for s in p2021[18].supervisors] == [
        ("Paolo Marcatili", "pamar@dtu.dk"),
        ("Ole Winther", "olwi@dtu.dk"),
        ("Felix Pacheco Pastor", "felix.pastor@cpr.ku.dk"),
    ]
    corti = p2021[5].supervisors[0]
    assert (corti.organisation, corti.internal) == ("Corti", False)
    p2020 = dict(bundled_catalogue(2020))
    assert p2020[14].slack_channel == "#project14-probabilistic-deep-generative-models"
    assert p2020[15].requirements == "Good coding skills. Basics in VAEs."


def test_bundled_file_names_its_year():
    for year in (2020, 2021):
        text = resources.files("peerlab.projects").joinpath("data", f"catalogue-{year}.json").read_text("utf-8")
        assert json.loads(text)["year"] == year


def test_import_bundled_is_idempotent(stack):
    client = stack.client()
    teacher = stack.auth("t1", "teacher")
    assert client.post("/v1/catalogues/2021/import-bundled", headers=stack.auth("s210001")).status_code == 403
    first = client.post("/v1/catalogues/2021/import-bundled", headers=teacher).json()
    assert len(first["created"]) == 25 and first["updated"] == first["unchanged"] == []
    again = client.post("/v1/catalogues/2021/import-bundled", headers=teacher).json()
    assert again["created"] == [] and len(again["unchanged"]) == 25
    client.post("/v1/catalogues/2020/import-bundled", headers=teacher)
    years = client.get("/v1/catalogues", headers=stack.auth("s210001")).json()
    assert years == [{"year": 2020, "projects": 28}, {"year": 2021, "projects": 25}]
    own = client.get("/v1/catalogues/2021/projects/1", headers=stack.auth("s210001")).json()
    assert own["project_id"] == "p-2021-01" and own["effective_capacity"] is None
    assert client.post("/v1/catalogues/1999/import-bundled", headers=teacher).status_code == 422
    assert client.post("/v1/catalogues/2019/import-bundled", headers=teacher).json()["code"] == "no_bundled_catalogue"


def test_put_project_creates_replaces_and_repeats_without_change(stack):
    client = stack.client()
    teacher = stack.auth("t1", "teacher")
    body = project_body("Graph networks", letters="ab")
    created = client.put("/v1/catalogues/2021/projects/30", json=body, headers=teacher)
    assert created.status_code == 201 and created.json()["effective_capacity"] == 4
    same = client.put("/v1/catalogues/2021/projects/30", json=body, headers=teacher)
    assert same.status_code == 200 and same.json()["revision"] == 1
    edited = {
        **body,
        "capacity": 2,
        "subprojects": [{"letter": "c", "title": "Only c)"}],
        "supervisors": [{"name": "Grace Hopper", "organisation": "Navy", "internal": False}],
    }
    changed = client.put("/v1/catalogues/2021/projects/30", json=edited, headers=teacher).json()
    assert changed["revision"] == 2 and changed["effective_capacity"] == 2
    assert [s["letter"] for s in changed["subprojects"]] == ["c"]
    assert changed["supervisors"] == [
        {"name": "Grace Hopper", "email": None, "organisation": "Navy", "internal": False}
    ]
    assert client.put("/v1/catalogues/2021/projects/31", json=body, headers=stack.auth("ta1", "ta")).status_code == 403
    dup = client.put(
        "/v1/catalogues/2021/projects/32",
        json={**body, "subprojects": [{"letter": "a", "title": "x"}, {"letter": "a", "title": "y"}]},
        headers=teacher,
    )
    assert dup.status_code == 422 and dup.json()["code"] == "duplicate_subproject"
    assert client.delete("/v1/catalogues/2021/projects/30", headers=teacher).status_code == 204
    assert client.get("/v1/catalogues/2021/projects/30", headers=teacher).status_code == 404
