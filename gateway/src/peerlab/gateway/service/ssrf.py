"""SSRF guard for every URL the gateway calls out to (webhook endpoints, LTI platforms): only
public addresses, checked after DNS resolution.

Checked at registration and again before every request, and the request then connects to the
address that was checked (``pin``), so a DNS answer that changes in between cannot redirect it
inward.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

from peerlab.chassis.errors import ProblemError

# Cloud metadata services that are not covered by "not global" on every platform.
_METADATA = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}


class UnsafeAddress(Exception):
    """The URL resolves to an address the gateway may not reach."""


def check_url_shape(url: str) -> tuple[str, str, int]:
    """Scheme http/https, a host, no credentials; returns (scheme, host, port)."""
    if len(url) > 2000 or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise ProblemError(422, "invalid_url", "The URL is too long or holds whitespace or control characters.")
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 - parses the netloc: "http://[::1" fails here
    except ValueError as exc:
        raise ProblemError(422, "invalid_url", "The URL cannot be parsed.") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProblemError(422, "invalid_url", "The endpoint URL must be http(s) with a host.")
    if parts.username or parts.password:
        raise ProblemError(422, "invalid_url", "Credentials in the URL are not allowed.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ProblemError(422, "invalid_url", "The URL's port is not valid.") from exc
    return parts.scheme, parts.hostname, port


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in _METADATA:
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:  # gaierror, and names IDNA cannot encode ("a..b")
        raise UnsafeAddress(f"{host} does not resolve") from exc
    return sorted({info[4][0] for info in infos})


def safe_addresses(url: str, *, allow_private: bool) -> list[str]:
    """The resolved addresses of ``url``'s host, all public unless ``allow_private``."""
    _, host, port = check_url_shape(url)
    addresses = resolve(host, port)
    if not addresses:
        raise UnsafeAddress(f"{host} has no address")
    if not allow_private:
        refused = [a for a in addresses if not address_is_public(a)]
        if refused:
            raise UnsafeAddress(f"{host} resolves to a non-public address ({refused[0]})")
    return addresses


def check_registration(url: str, *, allow_private: bool, what: str = "Webhook URL", field: str | None = None) -> None:
    """Refuse a URL at registration with a clear problem (``field`` names the refused field)."""
    try:
        safe_addresses(url, allow_private=allow_private)
    except UnsafeAddress as exc:
        extra = {"field": field} if field else None
        raise ProblemError(422, "unsafe_url", f"{what} refused: {exc}.", extra=extra) from exc


def pin(url: str, address: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """The request that goes to the checked ``address`` for ``url``: the URL with that address as its
    host, the Host header naming the original host, and (https) the TLS server name to verify."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if ":" in address else address
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), {"host": host_header}, extensions
