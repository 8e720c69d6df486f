"""Authentication (JWT: HS256 in dev, RS256 via JWKS in production), roles, object-level checks.

Services verify the caller's own token (the gateway forwards it), so every service enforces
least privilege itself rather than trusting the edge.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Annotated

import jwt
from fastapi import Depends, Request

from peerlab.chassis.errors import ProblemError
from peerlab.chassis.settings import ServiceSettings


class Role(StrEnum):
    STUDENT = "student"
    TA = "ta"
    TEACHER = "teacher"
    SUPERVISOR = "supervisor"
    EXAMINER = "examiner"
    ADMIN = "admin"
    INTEGRATION = "integration"


STAFF_ROLES = frozenset({Role.TA, Role.TEACHER, Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    sub: str
    roles: frozenset[Role]
    name: str | None = None
    claims: dict = field(default_factory=dict, compare=False, hash=False)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_teacher(self) -> bool:
        return self.has(Role.TEACHER, Role.ADMIN)


def unauthorized(detail: str, code: str = "unauthorized") -> ProblemError:
    return ProblemError(401, code, detail, headers={"WWW-Authenticate": "Bearer"})


def mint_dev_token(
    *,
    sub: str,
    roles: Iterable[str],
    secret: str,
    ttl_s: int = 3600,
    issuer: str = "peerlab",
    audience: str = "peerlab",
    name: str | None = None,
) -> str:
    """An HS256 token for development and tests. Production tokens come from the identity provider."""
    now = int(time.time())
    claims = {"sub": sub, "roles": sorted(set(roles)), "iss": issuer, "aud": audience, "iat": now, "exp": now + ttl_s}
    if name:
        claims["name"] = name
    return jwt.encode(claims, secret, algorithm="HS256")


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=600)


# Verified tokens by (token, key settings): a client sends the same token with every request, and
# checking its signature again costs more than the rest of a simple read's authentication. A hit is
# still refused once the token has expired; only successes are kept, and only this many.
_VERIFIED_MAX = 4096
_verified: dict[tuple, tuple[Principal, float]] = {}


def verify_token(token: str, settings: ServiceSettings) -> Principal:
    """Decode and check signature, expiry, issuer and audience; raise 401 problems otherwise."""
    key = (token, settings.jwt_secret, settings.jwt_jwks_url, settings.jwt_audience, settings.jwt_issuer)
    hit = _verified.get(key)
    if hit is not None:
        principal, expires = hit
        if time.time() < expires:
            return principal
        _verified.pop(key, None)
    principal = _verify(token, settings)
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[key] = (principal, float(principal.claims["exp"]) + TOKEN_LEEWAY_S)
    return principal


TOKEN_LEEWAY_S = 10


def _verify(token: str, settings: ServiceSettings) -> Principal:
    try:
        if settings.jwt_jwks_url:
            key = _jwks_client(settings.jwt_jwks_url).get_signing_key_from_jwt(token).key
            algorithms = ["RS256"]
        else:
            key, algorithms = settings.jwt_secret, ["HS256"]
        claims = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "sub"]},
            leeway=TOKEN_LEEWAY_S,
        )
    except jwt.ExpiredSignatureError as exc:
        raise unauthorized("The token has expired.", "token_expired") from exc
    except jwt.PyJWTError as exc:
        raise unauthorized("The token is not valid.", "invalid_token") from exc
    roles: set[Role] = set()
    for raw in claims.get("roles", []):
        try:
            roles.add(Role(raw))
        except ValueError:
            continue
    return Principal(sub=str(claims["sub"]), roles=frozenset(roles), name=claims.get("name"), claims=claims)


def get_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("A bearer token is required.")
    return verify_token(token.strip(), request.app.state.settings)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role):  # returns a FastAPI dependency
    """Dependency: the caller must hold at least one of ``roles``."""

    def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.has(*roles):
            raise ProblemError(403, "forbidden", "Your role may not do this.")
        return principal

    return dependency


StaffPrincipal = Annotated[Principal, Depends(require_roles(Role.TA, Role.TEACHER, Role.ADMIN))]
TeacherPrincipal = Annotated[Principal, Depends(require_roles(Role.TEACHER, Role.ADMIN))]


def ensure_self_or_staff(principal: Principal, person_id: str) -> None:
    """Students may act on their own records only; staff on anyone's."""
    if principal.sub != person_id and not principal.is_staff:
        raise ProblemError(403, "forbidden", "You may only access your own records.")
