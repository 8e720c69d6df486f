"""LTI 1.3 Advantage endpoints (mounted when ``lti_enabled``): the tool's JWKS, OIDC login
initiation and the launch (public: the platform and the browser call them), and the admin API for
platforms, NRPS roster pulls and the grade passback log."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlmodel import select

from peerlab.chassis.auth import Principal, Role, require_roles
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import ProblemError
from peerlab.chassis import clock
from peerlab.gateway.limits import UTF8, media_type
from peerlab.gateway import lti_keys as keys
from peerlab.gateway.lti import launch, registration
from peerlab.gateway.lti.claims import roster_message, person_id_of
from peerlab.gateway.lti.models import LtiPassback, LtiPassbackAttempt, LtiPlatform
from peerlab.gateway.lti.platform_api import PlatformClient
from peerlab.gateway.lti.url_guard import UrlPolicy
from peerlab.gateway.lti.schemas import PassbackAttemptOut, PassbackOut, PlatformIn, PlatformOut, RosterSyncOut
from peerlab.gateway.service import roster

router = APIRouter(prefix="/v1/lti", tags=["lti"])
AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
STATE_COOKIE = "peerlab_lti_state"


def _settings(request: Request):
    return request.app.state.settings


async def _params(request: Request) -> dict[str, str]:
    """Query string (GET) or form body (POST, application/x-www-form-urlencoded, UTF-8)."""
    pairs = list(request.query_params.multi_items())
    if request.method == "POST":
        kind, charset = media_type(request.headers.get("content-type"))
        if kind != "application/x-www-form-urlencoded":
            raise ProblemError(415, "unsupported_media_type", "LTI messages are posted as a form.")
        if charset not in UTF8:
            raise ProblemError(415, "unsupported_charset", "LTI forms are UTF-8.")
        try:
            pairs += parse_qsl((await request.body()).decode("utf-8"), max_num_fields=50)
        except (UnicodeDecodeError, ValueError) as exc:
            raise ProblemError(400, "invalid_form", "The form is not UTF-8 url-encoded fields.") from exc
    return {k: v for k, v in pairs if "\x00" not in v}


@router.get("/jwks")
def tool_jwks(request: Request) -> JSONResponse:
    settings = _settings(request)
    return JSONResponse(keys.jwks(settings.lti_private_key, settings.lti_key_id))


@router.api_route("/login", methods=["GET", "POST"])
async def login(request: Request, session: SessionDep) -> RedirectResponse:
    """OIDC third-party initiated login: remember a state and nonce, send the browser to the platform."""
    settings = _settings(request)
    url, state = launch.login(
        session,
        params=await _params(request),
        now=clock.now(),
        redirect_uri=settings.lti_base_url.rstrip("/") + "/v1/lti/launch",
    )
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=int(settings.lti_state_ttl_s),
        httponly=True,
        secure=settings.is_production,
        samesite="none" if settings.is_production else "lax",
        path="/v1/lti",
    )
    return response


@router.post("/launch")
async def launch_(request: Request, session: SessionDep) -> RedirectResponse:
    """The platform's form post with the id_token: verified, recorded, the learner enrolled."""
    settings = _settings(request)
    form = await _params(request)
    platform, token = launch.launch(
        session,
        id_token=form.get("id_token", ""),
        state=form.get("state", ""),
        cookie_state=request.cookies.get(STATE_COOKIE),
        ttl_s=settings.lti_state_ttl_s,
        policy=UrlPolicy.of(settings),
        now=clock.now(),
    )
    launch.record_context(session, platform=platform, token=token, policy=UrlPolicy.of(settings), now=clock.now())
    person_id = person_id_of(token, settings.lti_person_id_from)
    message = roster_message(token, person_id) if person_id is not None else None
    if message is not None:
        try:
            with session.begin_nested():
                roster.apply_lms_message(
                    session,
                    course_id=settings.course_id,
                    message=message,
                    may_grant_staff_roles=settings.lms_may_grant_staff_roles,
                )
            linked = True
        except ProblemError as exc:  # a staff member's launch: an admin manages their roles, the account links
            linked = exc.code == "staff_role_not_allowed"
        if linked:
            launch.link_account(session, platform_id=platform.id, lti_user_id=token["sub"], person_id=person_id)
    response = RedirectResponse(settings.lti_launch_redirect_url, status_code=303)
    response.delete_cookie(STATE_COOKIE, path="/v1/lti")
    return response


def _out(platform: LtiPlatform, base: str) -> PlatformOut:
    base = base.rstrip("/")
    return PlatformOut(
        **{
            k: getattr(platform, k)
            for k in (
                "id",
                "issuer",
                "client_id",
                "auth_login_url",
                "auth_token_url",
                "jwks_url",
                "enabled",
                "created_at",
            )
        },
        deployment_ids=platform.deployment_ids.split(","),
        tool_login_url=f"{base}/v1/lti/login",
        tool_launch_url=f"{base}/v1/lti/launch",
        tool_jwks_url=f"{base}/v1/lti/jwks",
    )


@router.post("/platforms", response_model=PlatformOut, status_code=201)
def register_platform(body: PlatformIn, request: Request, session: SessionDep, admin: AdminPrincipal) -> PlatformOut:
    settings = _settings(request)
    platform = registration.register(
        session, **body.model_dump(), by=admin.sub, policy=UrlPolicy.of(settings), now=clock.now()
    )
    return _out(platform, settings.lti_base_url)


@router.get("/platforms", response_model=list[PlatformOut])
def list_platforms(request: Request, session: SessionDep, _: AdminPrincipal) -> list[PlatformOut]:
    platforms = session.exec(select(LtiPlatform).order_by(LtiPlatform.created_at))
    return [_out(p, _settings(request).lti_base_url) for p in platforms]


@router.post("/platforms/{platform_id}/roster-sync", response_model=RosterSyncOut)
def roster_sync(platform_id: str, request: Request, session: SessionDep, _: AdminPrincipal) -> RosterSyncOut:
    """Pull the members of the platform's courses (NRPS) into the roster, like a push per member."""
    settings = _settings(request)
    client = PlatformClient(
        private_key=settings.lti_private_key,
        key_id=settings.lti_key_id,
        policy=UrlPolicy.of(settings),
        timeout_s=settings.lti_timeout_s,
    )
    try:
        report = registration.pull_roster(
            session,
            platform_id=platform_id,
            course_id=settings.course_id,
            client=client,
            person_id_from=settings.lti_person_id_from,
            may_grant_staff_roles=settings.lms_may_grant_staff_roles,
        )
    finally:
        client.close()
    return RosterSyncOut(**report.__dict__)


@router.get("/passbacks", response_model=list[PassbackOut])
def passbacks(
    session: SessionDep,
    _: AdminPrincipal,
    status: str | None = Query(default=None, max_length=20),
    limit: int = Query(default=100, ge=1, le=500),
) -> list[PassbackOut]:
    """The grade passback log, newest first, each with its attempts."""
    query = select(LtiPassback).order_by(LtiPassback.created_at.desc()).limit(limit)
    if status:
        query = query.where(LtiPassback.status == status)
    rows = list(session.exec(query))
    attempts: dict[str, list[PassbackAttemptOut]] = {r.id: [] for r in rows}
    for a in session.exec(
        select(LtiPassbackAttempt)
        .where(LtiPassbackAttempt.passback_id.in_(list(attempts)))
        .order_by(LtiPassbackAttempt.id)
    ):
        attempts[a.passback_id].append(PassbackAttemptOut.model_validate(a, from_attributes=True))
    return [
        PassbackOut(
            **{
                k: getattr(r, k)
                for k in (
                    "id",
                    "event_id",
                    "platform_id",
                    "context_id",
                    "person_id",
                    "key",
                    "score_given",
                    "score_maximum",
                    "status",
                )
            },
            attempts=attempts[r.id],
        )
        for r in rows
    ]
