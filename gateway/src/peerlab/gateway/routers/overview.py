"""``GET /`` in dev: a read-only page with the course at a glance (plain HTML and JS, fed by the
GraphQL API with the token given in the address's fragment). Not served outside dev."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from peerlab.chassis.errors import not_found
from peerlab.chassis.settings import Environment

router = APIRouter(tags=["overview"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def overview_page(request: Request) -> HTMLResponse:
    if request.app.state.settings.environment != Environment.DEV:
        raise not_found("page")
    return HTMLResponse(files("peerlab.gateway").joinpath("static/overview.html").read_text(encoding="utf-8"))
