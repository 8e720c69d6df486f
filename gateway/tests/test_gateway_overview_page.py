"""``GET /``: the read-only course page, served in dev only."""

from fastapi.testclient import TestClient

from peerlab.gateway.main import create_app


def test_the_course_page_is_served_in_dev(make_settings):
    with TestClient(create_app(make_settings(environment="dev"))) as client:
        response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "labOverview(labNumber:" in response.text and 'fetch("/graphql"' in response.text


def test_the_course_page_is_not_served_outside_dev(client):
    response = client.get("/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
