"""The SSRF guard on platform URLs, the webhook guard's (``service.ssrf``) applied to LTI: https
unless ``lti_allow_http``, public addresses only unless ``lti_allow_private`` (both dev and tests
only). Checked when an admin registers a platform, when a launch hands over its AGS and NRPS
endpoints, and before every request to a platform (JWKS, token, roster, line items, scores), which
then connects to the address that was checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from peerlab.chassis.errors import ProblemError
from peerlab.gateway.service import ssrf

if TYPE_CHECKING:
    from peerlab.gateway.settings import GatewaySettings


class UnsafeUrl(Exception):
    """A platform URL the gateway may not call (not https, or not a public address)."""


@dataclass(frozen=True)
class UrlPolicy:
    allow_http: bool = False
    allow_private: bool = False

    @classmethod
    def of(cls, settings: GatewaySettings) -> UrlPolicy:
        return cls(allow_http=settings.lti_allow_http, allow_private=settings.lti_allow_private)

    @property
    def schemes(self) -> tuple[str, ...]:
        return ("https", "http") if self.allow_http else ("https",)


def check(url: str, *, field: str, policy: UrlPolicy) -> str:
    """Refuse a platform URL with a 422 problem naming ``field``: ``invalid_url`` (shape, scheme) or
    ``unsafe_url`` (resolves to a non-public address or not at all)."""
    try:
        scheme, _, _ = ssrf.check_url_shape(url)
    except ProblemError as exc:
        raise ProblemError(422, "invalid_url", f"{field}: {exc.detail}", extra={"field": field}) from exc
    if scheme not in policy.schemes:
        raise ProblemError(422, "invalid_url", f"{field} must be an https URL.", extra={"field": field})
    ssrf.check_registration(url, allow_private=policy.allow_private, what=field, field=field)
    return url


def target(url: str, *, policy: UrlPolicy) -> tuple[str, dict[str, str], dict[str, str]]:
    """Just before a request: ``ssrf.pin`` of ``url`` to its checked address, or ``UnsafeUrl``."""
    try:
        scheme, _, _ = ssrf.check_url_shape(url)
        if scheme not in policy.schemes:
            raise UnsafeUrl(f"{url[:200]} is not an https URL")
        addresses = ssrf.safe_addresses(url, allow_private=policy.allow_private)
    except ssrf.UnsafeAddress as exc:
        raise UnsafeUrl(str(exc)) from exc
    except ProblemError as exc:
        raise UnsafeUrl(exc.detail) from exc
    return ssrf.pin(url, addresses[0])
