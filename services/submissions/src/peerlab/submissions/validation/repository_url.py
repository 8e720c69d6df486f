"""Finding the project's GitHub repository link in a report's text or link annotations."""

from __future__ import annotations

import re

_GITHUB = re.compile(
    r"(?:https?://)?(?:www\.)?github\.com/"
    r"(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/(?P<repo>[A-Za-z0-9._-]{1,100})",
    re.IGNORECASE,
)
# Paths on github.com that are not user or organisation accounts.
_NOT_OWNERS = frozenset(
    {
        "about",
        "collections",
        "features",
        "login",
        "marketplace",
        "orgs",
        "pricing",
        "settings",
        "signup",
        "site",
        "sponsors",
        "topics",
        "trending",
        "users",
    }
)
# PDF text extraction breaks long links across lines; rejoin after '/', '.', '-' or '_'.
_WRAPPED = re.compile(r"(?<=[/._-])\s+")


def find_repository_url(text: str) -> str | None:
    """The first ``https://github.com/<owner>/<repo>`` in ``text``, normalised, or None."""
    for candidate in (text, _WRAPPED.sub("", text)):
        for match in _GITHUB.finditer(candidate):
            owner, repo = match.group("owner"), match.group("repo")
            repo = repo.rstrip(".")
            if repo.lower().endswith(".git"):
                repo = repo[:-4]
            if owner.lower() in _NOT_OWNERS or not repo or repo.strip(".") == "":
                continue
            return f"https://github.com/{owner}/{repo}"
    return None
