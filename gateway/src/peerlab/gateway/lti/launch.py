"""OIDC login initiation and the launch: the platform's id_token verified with pyjwt against the
platform's JWKS (signature, issuer, audience, expiry; fetched through the SSRF guard), the nonce
and state used once, the deployment registered; the AGS and NRPS endpoints a launch hands over
pass the guard before they are kept. Every refusal is a problem with a code; nothing is recorded for a refused
launch. Keyword-only functions; the caller's unit of work commits."""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import jwt
from sqlalchemy import update
from sqlmodel import Session, select

from peerlab.chassis.errors import ProblemError
from peerlab.gateway.lti import claims
from peerlab.gateway.lti import platform_api, url_guard
from peerlab.gateway.lti.models import LtiAccount, LtiContext, LtiLaunchState, LtiPlatform
from peerlab.gateway.lti.url_guard import UrlPolicy

MAX_ID_TOKEN_CHARS = 32 * 1024


def _refuse(status: int, code: str, message: str) -> ProblemError:
    return ProblemError(status, code, message)


def find_platform(session: Session, *, issuer: str, client_id: str | None) -> LtiPlatform:
    query = select(LtiPlatform).where(LtiPlatform.issuer == issuer, LtiPlatform.enabled == True)  # noqa: E712
    if client_id:
        query = query.where(LtiPlatform.client_id == client_id)
    platforms = list(session.exec(query))
    if len(platforms) != 1:
        raise _refuse(400, "unknown_platform", "No single registered platform has this issuer and client id.")
    return platforms[0]


def login(session: Session, *, params: dict[str, str], redirect_uri: str, now: datetime) -> tuple[str, str]:
    """OIDC third-party login initiation: (the platform's authorisation URL to redirect to, state)."""
    for required in ("iss", "login_hint", "target_link_uri"):
        if not params.get(required):
            raise _refuse(400, "invalid_login_request", f"The login request needs {required}.")
    platform = find_platform(session, issuer=params["iss"], client_id=params.get("client_id"))
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(LtiLaunchState(state=state, nonce=nonce, platform_id=platform.id, created_at=now))
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": redirect_uri,
        "login_hint": params["login_hint"],
        "state": state,
        "nonce": nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in platform.auth_login_url else "?"
    return platform.auth_login_url + separator + urlencode(query), state


class GuardedJWKClient(jwt.PyJWKClient):
    """pyjwt's JWKS client (key and key-set caches) fetching through the SSRF guard."""

    def __init__(self, url: str, *, policy: UrlPolicy) -> None:
        super().__init__(url, cache_keys=True, lifespan=300, timeout=15)
        self.policy = policy

    def fetch_data(self) -> Any:
        with platform_api.make_http(float(self.timeout)) as http:
            try:
                response = platform_api.request(http, "GET", self.uri, policy=self.policy)
                data = response.json()
            except platform_api.PlatformError as exc:
                if exc.code == "unsafe_url":
                    raise
                raise jwt.PyJWKClientConnectionError(f"Fail to fetch data from the url, err: {exc}") from exc
            except ValueError as exc:
                raise jwt.PyJWKClientError("The JWKS endpoint did not answer JSON") from exc
        self._last_successful_fetch = time.monotonic()  # pyjwt's refetch cooldown on an unknown kid
        return data


@lru_cache(maxsize=64)
def _jwks_client(url: str, policy: UrlPolicy) -> GuardedJWKClient:
    return GuardedJWKClient(url, policy=policy)


def _verify(id_token: str, platform: LtiPlatform, policy: UrlPolicy) -> dict[str, Any]:
    try:
        key = _jwks_client(platform.jwks_url, policy).get_signing_key_from_jwt(id_token)
        claims_ = jwt.decode(
            id_token,
            key.key,
            algorithms=["RS256"],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=30,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
        )
    except platform_api.PlatformError as exc:  # the guard refused the JWKS URL: nothing was fetched
        raise ProblemError(422, "unsafe_url", f"The platform's JWKS URL is refused: {exc}.") from exc
    except jwt.ExpiredSignatureError as exc:
        raise _refuse(401, "token_expired", "The id_token has expired.") from exc
    except jwt.InvalidAudienceError as exc:
        raise _refuse(401, "invalid_audience", "The id_token is not for this tool's client id.") from exc
    except jwt.InvalidIssuerError as exc:
        raise _refuse(401, "invalid_issuer", "The id_token is not from the platform of this login.") from exc
    except (jwt.InvalidSignatureError, jwt.PyJWKClientError) as exc:
        raise _refuse(401, "invalid_signature", "The id_token is not signed by a key of the platform.") from exc
    except jwt.PyJWTError as exc:
        raise _refuse(401, "invalid_id_token", f"The id_token is not valid: {exc}.") from exc
    aud = claims_["aud"]
    if isinstance(aud, list) and len(aud) > 1 and claims_.get("azp") != platform.client_id:
        raise _refuse(401, "invalid_audience", "azp must name this tool when the token has several audiences.")
    return claims_


def launch(
    session: Session,
    *,
    id_token: str,
    state: str,
    cookie_state: str | None,
    ttl_s: float,
    policy: UrlPolicy,
    now: datetime,
) -> tuple[LtiPlatform, dict[str, Any]]:
    """Verify a launch and use its state and nonce up; (platform, claims)."""
    if not id_token or not state or len(id_token) > MAX_ID_TOKEN_CHARS or len(state) > 64:
        raise _refuse(400, "invalid_launch_request", "A launch posts id_token and state.")
    row = session.get(LtiLaunchState, state)
    if row is None:
        raise _refuse(401, "invalid_state", "This launch does not follow a login of this tool.")
    if row.used_at is not None:
        raise _refuse(401, "nonce_replayed", "This login's state and nonce were used already.")
    if cookie_state != state:
        raise _refuse(401, "invalid_state", "The state does not match this browser's login.")
    if now - row.created_at > timedelta(seconds=ttl_s):
        raise _refuse(401, "invalid_state", "The login took too long; launch again.")
    platform = session.get(LtiPlatform, row.platform_id)
    if platform is None or not platform.enabled:
        raise _refuse(400, "unknown_platform", "The platform of this login is no longer registered.")
    token = _verify(id_token, platform, policy)
    if token["nonce"] != row.nonce:
        raise _refuse(401, "invalid_nonce", "The id_token's nonce is not the one of this login.")
    if not isinstance(token["sub"], str) or not 0 < len(token["sub"]) <= 255:
        raise _refuse(400, "invalid_id_token", "sub must be a string of 1 to 255 characters.")
    if token.get(claims.VERSION) != "1.3.0":
        raise _refuse(400, "invalid_lti_version", "Only LTI 1.3.0 launches are supported.")
    if token.get(claims.MESSAGE_TYPE) != "LtiResourceLinkRequest":
        raise _refuse(400, "unsupported_message_type", "Only resource link launches are supported.")
    if token.get(claims.DEPLOYMENT_ID) not in platform.deployment_ids.split(","):
        raise _refuse(401, "unknown_deployment", "The deployment is not registered for this platform.")
    used = session.execute(
        update(LtiLaunchState)
        .where(LtiLaunchState.state == state, LtiLaunchState.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:  # a concurrent launch with the same state won
        raise _refuse(401, "nonce_replayed", "This login's state and nonce were used already.")
    return platform, token


def record_context(
    session: Session, *, platform: LtiPlatform, token: dict[str, Any], policy: UrlPolicy, now: datetime
) -> LtiContext | None:
    """Keep the launch's course and its AGS/NRPS endpoints for passback and roster pulls; an
    endpoint the SSRF guard refuses refuses the launch (422 ``unsafe_url``/``invalid_url``)."""
    context = token.get(claims.CONTEXT)
    if not isinstance(context, dict) or not isinstance(context.get("id"), str) or not 0 < len(context["id"]) <= 255:
        return None
    row = session.get(LtiContext, (platform.id, context["id"])) or LtiContext(
        platform_id=platform.id, context_id=context["id"], deployment_id=token[claims.DEPLOYMENT_ID], updated_at=now
    )
    row.title = str(context.get("title") or "")[:500]
    ags = token.get(claims.AGS_ENDPOINT) if isinstance(token.get(claims.AGS_ENDPOINT), dict) else {}
    if isinstance(ags.get("lineitems"), str) and len(ags["lineitems"]) <= 2000:
        row.lineitems_url = url_guard.check(ags["lineitems"], field="lineitems", policy=policy)
        row.ags_scopes = " ".join(s for s in ags.get("scope", []) if isinstance(s, str))
    nrps = token.get(claims.NRPS) if isinstance(token.get(claims.NRPS), dict) else {}
    if isinstance(nrps.get("context_memberships_url"), str) and len(nrps["context_memberships_url"]) <= 2000:
        row.memberships_url = url_guard.check(
            nrps["context_memberships_url"], field="context_memberships_url", policy=policy
        )
    row.updated_at = now
    session.add(row)
    return row


def link_account(session: Session, *, platform_id: str, lti_user_id: str, person_id: str) -> None:
    account = session.get(LtiAccount, (platform_id, lti_user_id))
    if account is None:
        session.add(LtiAccount(platform_id=platform_id, lti_user_id=lti_user_id, person_id=person_id))
    elif account.person_id != person_id:
        account.person_id = person_id
        session.add(account)
