"""External supervisors' read links: teachers create, list and revoke them; the holder of a token
reads the group's current synopsis and report without logging in."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter

from peerlab.chassis.auth import TeacherPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.submissions.models import ExternalLink
from peerlab.submissions.routers.deps import ReceivedAt, RuntimeDep, SettingsDep
from peerlab.submissions.schemas import (
    DownloadLink,
    ExternalDocument,
    ExternalLinkCreate,
    ExternalLinkCreated,
    ExternalLinkPublic,
    ExternalView,
)
from peerlab.submissions.service import external_links

router = APIRouter(prefix="/v1", tags=["external links"])


def _public(row: ExternalLink, at) -> ExternalLinkPublic:
    return ExternalLinkPublic(
        id=row.id,
        group_id=row.group_id,
        note=row.note,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        active=external_links.is_active(row, at),
    )


@router.post("/groups/{group_id}/external-links", response_model=ExternalLinkCreated, status_code=201)
def create_link(
    group_id: str,
    body: ExternalLinkCreate,
    session: SessionDep,
    settings: SettingsDep,
    principal: TeacherPrincipal,
    at: ReceivedAt,
) -> ExternalLinkCreated:
    """A read link to the group's synopsis and report for an external supervisor (no account).
    The token is in this answer only; 404 for a group this service has not heard of."""
    row, token = external_links.create(
        session,
        course_id=settings.course_id,
        group_id=group_id,
        expires_at=body.expires_at,
        note=body.note,
        principal=principal,
        now=at,
    )
    return ExternalLinkCreated(**_public(row, at).model_dump(), token=token, path=f"/v1/external/{token}")


@router.get("/groups/{group_id}/external-links", response_model=list[ExternalLinkPublic])
def list_links(
    group_id: str, session: SessionDep, settings: SettingsDep, _: TeacherPrincipal, at: ReceivedAt
) -> list[ExternalLinkPublic]:
    """The group's links (tokens are never shown again)."""
    return [_public(r, at) for r in external_links.listed(session, course_id=settings.course_id, group_id=group_id)]


@router.post("/external-links/{link_id}/revoke", response_model=ExternalLinkPublic)
def revoke_link(
    link_id: str, session: SessionDep, settings: SettingsDep, principal: TeacherPrincipal, at: ReceivedAt
) -> ExternalLinkPublic:
    """The link stops working now (idempotent)."""
    row = external_links.revoke(session, course_id=settings.course_id, link_id=link_id, principal=principal, now=at)
    return _public(row, at)


@router.get("/external/{token}", response_model=ExternalView)
def read_external(
    token: str, session: SessionDep, settings: SettingsDep, rt: RuntimeDep, at: ReceivedAt
) -> ExternalView:
    """No login: the token is the credential. The group's current synopsis and report with
    presigned GETs of ``download_url_expiry_s``; unknown, expired and revoked tokens are all 404."""
    row, docs = external_links.documents(session, course_id=settings.course_id, token=token, now=at)
    expiry = settings.download_url_expiry_s
    return ExternalView(
        group_id=row.group_id,
        expires_at=row.expires_at,
        documents=[
            ExternalDocument(
                assignment_id=d.assignment_id,
                kind=d.kind,
                title=d.title,
                version=d.version,  # type: ignore[arg-type]
                accepted_at=d.accepted_at,
                download=DownloadLink(
                    url=rt.store.presigned_get(d.object_key, expires_s=expiry, download_name=d.file_name),
                    file_name=d.file_name,
                    expires_at=at + timedelta(seconds=expiry),
                    size=d.size,
                    sha256=d.sha256,
                ),
            )
            for d in docs
        ],
    )
