"""Decode a service's JSON answer into the client models generated from its OpenAPI document."""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

M = TypeVar("M", bound=BaseModel)


@cache
def _list_adapter(model: type[BaseModel]) -> TypeAdapter:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def one(model: type[M], data: Any) -> M:
    return model.model_validate(data)


def many(model: type[M], data: Any) -> list[M]:
    return _list_adapter(model).validate_python(data)
