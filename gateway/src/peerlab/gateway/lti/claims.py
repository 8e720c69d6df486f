"""LTI 1.3 claim names and role vocabulary, and how a platform member becomes a roster message."""

from __future__ import annotations

from typing import Any

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
DEPLOYMENT_ID = LTI + "deployment_id"
ROLES = LTI + "roles"
CONTEXT = LTI + "context"
LIS = LTI + "lis"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
# Context roles (full URIs, or the short forms NRPS may use) -> Peerlab roles. Learners are students;
# teaching assistants are checked before instructors (their URI is a sub-role of Instructor).
_ROLE_MAP = (
    ("#Instructor#TeachingAssistant", "ta"),
    ("TeachingAssistant", "ta"),
    ("#Instructor", "teacher"),
    ("Instructor", "teacher"),
    ("#Learner", "student"),
    ("Learner", "student"),
)


def peerlab_roles(lti_roles: list[Any]) -> list[str]:
    roles: list[str] = []
    for role in lti_roles:
        if not isinstance(role, str) or (role.startswith("http") and not role.startswith(_MEMBERSHIP)):
            continue  # institution and system roles say nothing about this course
        for suffix, mapped in _ROLE_MAP:
            if role.endswith(suffix):
                if mapped not in roles:
                    roles.append(mapped)
                break
    return roles


def person_id_of(member: dict[str, Any], source: str) -> str | None:
    """The roster id of a launch's claims or an NRPS member: the LIS source id (the student number),
    or the platform's user id, by setting."""
    if source == "user_id":
        value = member.get("user_id") or member.get("sub")
    else:
        lis = member.get(LIS) if isinstance(member.get(LIS), dict) else {}
        value = member.get("lis_person_sourcedid") or lis.get("person_sourcedid")
    return value if isinstance(value, str) and value else None


def roster_message(member: dict[str, Any], person_id: str, *, active: bool = True) -> dict[str, Any] | None:
    """The same message the signed LMS push sends (``service.roster.apply_lms_message``); None for a
    member with no course role we know (a mentor, an observer)."""
    if not active:
        return {"type": "person.unenrolled", "data": {"person_id": person_id}}
    roles = peerlab_roles(member.get("roles") or member.get(ROLES) or [])
    if not roles:
        return None
    name = (
        member.get("name")
        or " ".join(str(member.get(k)) for k in ("given_name", "family_name") if member.get(k))
        or person_id
    )
    data = {"person_id": person_id, "name": name, "roles": roles}
    if isinstance(member.get("email"), str):
        data["email"] = member["email"]
    return {"type": "person.enrolled", "data": data}
