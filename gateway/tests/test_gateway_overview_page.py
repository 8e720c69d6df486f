"""``GET /``: the read-only course page, served in dev only."""

import re

from fastapi.testclient import TestClient

from peerlab.gateway.main import create_app


def test_the_course_page_is_served_in_dev(make_settings):
    with TestClient(create_app(make_settings(environment="dev"))) as client:
        response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "labOverview(labNumber:" in response.text and 'fetch("/graphql"' in response.text


def test_every_section_of_the_page_has_its_loader_and_every_operation_it_sends_is_in_the_page(make_settings):
    with TestClient(create_app(make_settings(environment="dev"))) as client:
        page = client.get("/").text
    sections = re.findall(r'<section id="(\w+)" hidden>', page)
    assert sections == ["labs", "eligibility", "groups", "exam"]
    loaders = re.findall(r"^  async (\w+)\(tbody", page, flags=re.M)
    assert loaders == sections  # the page fills its sections in this order
    headings = dict(re.findall(r'<section id="(\w+)" hidden>\s*<h2>([^<]+)</h2>', page))
    assert headings["groups"] == "Groups and projects" and headings["exam"] == "Poster exam"
    sent = set(re.findall(r'graphql\("(\w+)"', page))
    documents = set(re.findall(r'<script type="application/graphql" data-operation="(\w+)">', page))
    assert sent == documents == {"CourseLabs", "LabOverview", "CourseEligibility", "CourseGroups", "CourseExamDays"}
    for field in ("members", "rank", "capacity", "booked", "freePlaces"):
        assert f'"{field}"' in page, field  # each number of the new sections has its data-field


def test_the_course_page_is_not_served_outside_dev(client):
    response = client.get("/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
