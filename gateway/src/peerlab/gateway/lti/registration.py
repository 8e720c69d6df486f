"""Platforms registered by admins, and the NRPS roster pull that turns a platform course's members
into the same roster changes as the signed LMS push (students only unless staff roles are allowed).
Every platform URL passes the SSRF guard (``url_guard``) at registration and before each request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from peerlab.chassis.errors import ProblemError, not_found
from peerlab.gateway.lti import claims, url_guard
from peerlab.gateway.lti.launch import link_account
from peerlab.gateway.lti.models import LtiContext, LtiPassback, LtiPlatform
from peerlab.gateway.lti.platform_api import PlatformClient, PlatformError
from peerlab.gateway.lti.url_guard import UrlPolicy
from peerlab.gateway.service import roster


def register(
    session: Session,
    *,
    issuer: str,
    client_id: str,
    deployment_ids: list[str],
    auth_login_url: str,
    auth_token_url: str,
    jwks_url: str,
    by: str,
    policy: UrlPolicy,
    now: datetime,
) -> LtiPlatform:
    for name, url in (("auth_login_url", auth_login_url), ("auth_token_url", auth_token_url), ("jwks_url", jwks_url)):
        url_guard.check(url, field=name, policy=policy)
    if not deployment_ids or any("," in d or not d for d in deployment_ids):
        raise ProblemError(422, "invalid_deployment_ids", "deployment_ids: one or more ids without commas.")
    taken = session.exec(select(LtiPlatform).where(LtiPlatform.issuer == issuer, LtiPlatform.client_id == client_id))
    if taken.first() is not None:
        raise ProblemError(409, "platform_exists", "This issuer and client id are registered already.")
    platform = LtiPlatform(
        id=f"plt_{uuid.uuid4().hex[:16]}",
        issuer=issuer,
        client_id=client_id,
        deployment_ids=",".join(deployment_ids),
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        jwks_url=jwks_url,
        created_by=by,
        created_at=now,
    )
    session.add(platform)
    return platform


@dataclass
class SyncReport:
    contexts: int = 0
    members: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    skipped: list[dict] = field(default_factory=list)


def pull_roster(
    session: Session,
    *,
    platform_id: str,
    course_id: str,
    client: PlatformClient,
    person_id_from: str,
    may_grant_staff_roles: bool,
) -> SyncReport:
    """Every member of every launched context of the platform, applied like a push message each."""
    platform = session.get(LtiPlatform, platform_id)
    if platform is None:
        raise not_found("Platform")
    contexts = [
        c for c in session.exec(select(LtiContext).where(LtiContext.platform_id == platform_id)) if c.memberships_url
    ]
    if not contexts:
        raise ProblemError(409, "no_roster_service", "No launch from this platform offered a roster service yet.")
    report = SyncReport(contexts=len(contexts))
    for context in contexts:
        try:
            members = client.memberships(platform, context.memberships_url, [claims.SCOPE_NRPS])
        except PlatformError as exc:
            if exc.code == "unsafe_url":
                raise ProblemError(422, "unsafe_url", f"A platform URL is refused: {exc}") from exc
            raise ProblemError(502, "platform_error", f"The platform's roster service failed: {exc}") from exc
        for member in members:
            report.members += 1
            _apply_member(
                session,
                member,
                platform=platform,
                course_id=course_id,
                person_id_from=person_id_from,
                may_grant_staff_roles=may_grant_staff_roles,
                report=report,
            )
    return report


def _apply_member(
    session: Session,
    member: dict,
    *,
    platform: LtiPlatform,
    course_id: str,
    person_id_from: str,
    may_grant_staff_roles: bool,
    report: SyncReport,
) -> None:
    user_id, person_id = member.get("user_id"), claims.person_id_of(member, person_id_from)
    if not isinstance(user_id, str) or not 0 < len(user_id) <= 255 or person_id is None:
        report.skipped.append({"user_id": str(user_id)[:100], "reason": "no_person_id"})
        return
    message = claims.roster_message(member, person_id, active=member.get("status", "Active") == "Active")
    if message is None:
        report.skipped.append({"user_id": user_id, "reason": "no_course_role"})
        return
    try:
        with session.begin_nested():
            outcome = roster.apply_lms_message(
                session, course_id=course_id, message=message, may_grant_staff_roles=may_grant_staff_roles
            )
    except ProblemError as exc:  # one member's refusal (a staff role, a bad name) skips that member only
        report.skipped.append({"user_id": user_id, "person_id": person_id, "reason": exc.code})
        return
    report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
    link_account(session, platform_id=platform.id, lti_user_id=user_id, person_id=person_id)
    # Scores held back for want of an account on this platform may go now.
    session.execute(
        update(LtiPassback)
        .where(
            LtiPassback.platform_id == platform.id, LtiPassback.person_id == person_id, LtiPassback.status == "unmapped"
        )
        .values(status="pending", next_attempt_at=None)
    )
