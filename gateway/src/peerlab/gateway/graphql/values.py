"""Values the GraphQL modules share: timestamps from the services' JSON, download links."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime

import strawberry

from peerlab.gateway.clients.base import BackendError
from peerlab.gateway.clients.models import submissions as sm
from peerlab.gateway.graphql.errors import from_backend


def _dt(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@strawberry.type(description="A short-lived presigned GET of a stored file (fetch it at once).")
class DownloadLink:
    url: str
    file_name: str
    expires_at: datetime

    @classmethod
    def from_api(cls, row: sm.DownloadLink) -> DownloadLink:
        return cls(url=row.url, file_name=row.file_name, expires_at=row.expires_at)


async def download_link(call: Awaitable[sm.DownloadLink]) -> DownloadLink | None:
    """A service's download answer as a ``DownloadLink``; its 404 (nothing to download, or not
    the caller's to see) is null, other 4xx are visible errors, anything else is masked."""
    try:
        return DownloadLink.from_api(await call)
    except BackendError as exc:
        if exc.status == 404:
            return None
        raise from_backend(exc) from exc
