"""Shared scalars and enums."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.scalars import JSON

__all__ = ["JSON", "AssignmentKind", "OwnerType"]


@strawberry.enum
class AssignmentKind(Enum):
    LAB = "lab"
    RESUBMISSION = "resubmission"
    SYNOPSIS = "synopsis"
    REPORT = "report"
    POSTER = "poster"


@strawberry.enum
class OwnerType(Enum):
    STUDENT = "student"
    GROUP = "group"
