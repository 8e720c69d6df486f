"""The projects service's REST API as the gateway uses it (routes under /v1), answering the models
generated from its ``openapi.json`` (``clients/models/projects.py``)."""

from __future__ import annotations

from typing import Any

from peerlab.gateway.clients.base import ServiceClient
from peerlab.gateway.clients.models import projects as m
from peerlab.gateway.clients.typed import many, one

CATALOGUES = "/v1/catalogues"
PROJECTS = "/v1/catalogues/{year}/projects"
PROJECT = "/v1/catalogues/{year}/projects/{number}"
GROUPS = "/v1/groups"
MY_GROUP = "/v1/groups/mine"
JOIN = "/v1/groups/join"
GROUP = "/v1/groups/{group_id}"
LEAVE = "/v1/groups/{group_id}/leave"
MEMBER = "/v1/groups/{group_id}/members/{person_id}"
EXEMPTION = "/v1/groups/{group_id}/exemption"
SELECTION = "/v1/groups/{group_id}/selection"
SELECTIONS = "/v1/selections"
WINDOW = "/v1/selection-window"
ALLOCATIONS = "/v1/allocations"
ASSIGNMENTS = "/v1/assignments"
GROUP_ASSIGNMENT = "/v1/groups/{group_id}/assignment"
COMMENTS = "/v1/groups/{group_id}/comments"
SUPERVISED_GROUPS = "/v1/supervision/groups"
SUPERVISED_PROJECTS = "/v1/supervision/projects"
SUPERVISION_COMMENTS = "/v1/supervision/groups/{group_id}/comments"


def _group(group_id: str) -> dict[str, str]:
    return {"group_id": group_id}


class ProjectsClient:
    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    # --- catalogue -------------------------------------------------------------------------
    async def catalogues(self) -> list[m.CatalogueSummary]:
        return many(m.CatalogueSummary, await self.client.get(CATALOGUES))

    async def projects(self, *, year: int) -> list[m.ProjectPublic]:
        return many(m.ProjectPublic, await self.client.get(PROJECTS, path_params={"year": year}))

    async def project(self, *, year: int, number: int) -> m.ProjectPublic:
        return one(m.ProjectPublic, await self.client.get(PROJECT, path_params={"year": year, "number": number}))

    # --- groups ----------------------------------------------------------------------------
    async def groups(self, *, state: str | None = None) -> list[m.GroupPublic]:
        params = {"state": state} if state else None
        return many(m.GroupPublic, await self.client.get(GROUPS, params=params))

    async def group(self, *, group_id: str) -> m.GroupPublic:
        return one(m.GroupPublic, await self.client.get(GROUP, path_params=_group(group_id)))

    async def my_group(self) -> m.GroupPublic:
        return one(m.GroupPublic, await self.client.get(MY_GROUP))

    async def found_group(self, *, body: dict[str, Any]) -> m.GroupPublic:
        return one(
            m.GroupPublic,
            await self.client.post(
                GROUPS, json=m.GroupCreate.model_validate(body).model_dump(mode="json", exclude_unset=True)
            ),
        )

    async def join_group(self, *, join_code: str) -> m.GroupPublic:
        return one(m.GroupPublic, await self.client.post(JOIN, json={"join_code": join_code}))

    async def leave_group(self, *, group_id: str) -> m.GroupPublic:
        return one(m.GroupPublic, await self.client.post(LEAVE, path_params=_group(group_id)))

    async def add_member(self, *, group_id: str, person_id: str, override_reason: str | None) -> m.GroupPublic:
        body = {"override_eligibility": True, "override_reason": override_reason} if override_reason else {}
        return one(
            m.GroupPublic,
            await self.client.put(MEMBER, path_params={**_group(group_id), "person_id": person_id}, json=body),
        )

    async def remove_member(self, *, group_id: str, person_id: str) -> m.GroupPublic:
        return one(
            m.GroupPublic, await self.client.delete(MEMBER, path_params={**_group(group_id), "person_id": person_id})
        )

    async def set_exemption(self, *, group_id: str, exempt: bool, reason: str | None) -> m.GroupPublic:
        return one(
            m.GroupPublic,
            await self.client.put(EXEMPTION, path_params=_group(group_id), json={"exempt": exempt, "reason": reason}),
        )

    # --- selection and allocation ----------------------------------------------------------
    async def selection_window(self) -> m.SelectionWindow:
        return one(m.SelectionWindow, await self.client.get(WINDOW))

    async def selection(self, *, group_id: str) -> m.SelectionPublic:
        return one(m.SelectionPublic, await self.client.get(SELECTION, path_params=_group(group_id)))

    async def selections(self) -> list[m.SelectionPublic]:
        return many(m.SelectionPublic, await self.client.get(SELECTIONS))

    async def put_selection(self, *, group_id: str, choices: list[dict[str, Any]]) -> m.SelectionPublic:
        body = m.SelectionPut.model_validate({"choices": choices}).model_dump(mode="json")
        return one(m.SelectionPublic, await self.client.put(SELECTION, path_params=_group(group_id), json=body))

    async def allocate(self, *, dry_run: bool, objective: str) -> m.AllocationResult:
        return one(
            m.AllocationResult, await self.client.post(ALLOCATIONS, json={"dry_run": dry_run, "objective": objective})
        )

    async def assignments(self) -> list[m.AssignmentPublic]:
        return many(m.AssignmentPublic, await self.client.get(ASSIGNMENTS))

    async def assignment(self, *, group_id: str) -> m.AssignmentPublic:
        return one(m.AssignmentPublic, await self.client.get(GROUP_ASSIGNMENT, path_params=_group(group_id)))

    async def assign(self, *, group_id: str, project_id: str, subproject: str | None) -> m.AssignmentPublic:
        return one(
            m.AssignmentPublic,
            await self.client.put(
                GROUP_ASSIGNMENT,
                path_params=_group(group_id),
                json={"project_id": project_id, "subproject": subproject},
            ),
        )

    # --- supervision -----------------------------------------------------------------------
    async def supervised_groups(self) -> list[m.SupervisedGroup]:
        return many(m.SupervisedGroup, await self.client.get(SUPERVISED_GROUPS))

    async def supervised_projects(self) -> list[m.SupervisedProject]:
        return many(m.SupervisedProject, await self.client.get(SUPERVISED_PROJECTS))

    async def comments(self, *, group_id: str) -> list[m.CommentPublic]:
        return many(m.CommentPublic, await self.client.get(COMMENTS, path_params=_group(group_id)))

    async def add_comment(
        self, *, group_id: str, decision: str, text: str, submission_id: str | None, version: int | None
    ) -> m.CommentPublic:
        body = m.CommentCreate.model_validate(
            {"decision": decision, "text": text, "submission_id": submission_id, "version": version}
        ).model_dump(mode="json")
        return one(
            m.CommentPublic, await self.client.post(SUPERVISION_COMMENTS, path_params=_group(group_id), json=body)
        )
