"""What ``peerlab dev`` prints for the first hour: one token per role for people on the seeded
roster, ``export`` lines with the real URLs, and the time from start to the first GraphQL answer.

The start is ``PEERLAB_DEV_STARTED_AT`` (epoch seconds, set by ``scripts/dev`` before it installs
anything), else the moment this module was imported.
"""

from __future__ import annotations

import os
import shlex
import time

import httpx
from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.settings import DEV_JWT_SECRET

_IMPORTED_AT = time.time()

# (variable, person id, roles, name); every person is on the seeded roster (seed_course_data and
# seed_demo's dev admin).
DEMO_IDENTITIES = (
    ("STUDENT", "s210001", ["student"], "Demo Student 01"),
    ("TA", "demo-ta-1", ["ta"], "Demo TA 1"),
    ("TEACHER", "demo-teacher-2", ["teacher"], "Demo Teacher 2"),
    ("ADMIN", "dev-admin", ["admin", "teacher"], "Dev Admin"),
)

FIRST_QUERY = "{ me { person { name } } }"


def demo_tokens(*, ttl_s: int) -> dict[str, str]:
    return {
        var: mint_dev_token(sub=sub, roles=roles, secret=DEV_JWT_SECRET, ttl_s=ttl_s, name=name)
        for var, sub, roles, name in DEMO_IDENTITIES
    }


def export_lines(urls: dict[str, str], tokens: dict[str, str]) -> list[str]:
    """``export PEERLAB_<SERVICE>=<url> ...`` and ``export STUDENT=<token> ...``."""
    url_vars = " ".join(f"PEERLAB_{name.upper()}={shlex.quote(url)}" for name, url in urls.items())
    token_vars = " ".join(f"{var}={shlex.quote(token)}" for var, token in tokens.items())
    return [f"export {url_vars}", f"export {token_vars}"]


def started_at() -> float:
    try:
        return float(os.environ["PEERLAB_DEV_STARTED_AT"])
    except (KeyError, ValueError):
        return _IMPORTED_AT


def first_graphql_call(gateway_url: str, token: str, *, attempts: int = 20) -> float | None:
    """Seconds from the start until the gateway answered ``FIRST_QUERY`` without errors; None if it
    never did (a few retries while the gateway's clients warm up)."""
    for _ in range(attempts):
        try:
            response = httpx.post(
                f"{gateway_url}/graphql",
                json={"query": FIRST_QUERY},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            if response.status_code == 200 and not response.json().get("errors"):
                return time.time() - started_at()
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return None
