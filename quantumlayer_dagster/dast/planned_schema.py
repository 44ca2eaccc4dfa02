"""An OpenAPI document from planned endpoints, for services whose framework serves none
(a Node ``http`` server, Flask) once the plan names its endpoints: ``attack_service(...,
planned_schema=openapi_from_endpoints(endpoints))``."""

import re
from typing import Any, Literal

from pydantic import Field

from quantumlayer_dagster.model import Model

JsonType = Literal["string", "integer", "number", "boolean"]
_PATH_PARAM = re.compile(r"\{(\w+)\}")


class PlannedEndpoint(Model):
    """One planned operation: ``GET /items/{item_id}`` with its typed parameters."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    path: str = Field(pattern=r"^/")
    path_types: dict[str, JsonType] = Field(default_factory=dict)
    """Types of the ``{name}`` segments of ``path`` (string when not given)."""
    query: dict[str, JsonType] = Field(default_factory=dict)
    """Required query parameters and their types."""
    body: dict[str, JsonType] | None = None
    """Fields of a required JSON object body, all required."""
    statuses: list[int] = Field(default_factory=lambda: [200])
    """Every status code the endpoint may answer with (422 is always allowed)."""


def openapi_from_endpoints(endpoints: list[PlannedEndpoint]) -> dict[str, Any]:
    """An OpenAPI 3.0 document declaring exactly ``endpoints``: schemathesis then checks
    server errors and undocumented status codes against the plan."""
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": endpoint.path_types.get(name, "string")},
            }
            for name in _PATH_PARAM.findall(endpoint.path)
        ] + [
            {"name": name, "in": "query", "required": True, "schema": {"type": kind}}
            for name, kind in endpoint.query.items()
        ]
        operation: dict[str, Any] = {
            "parameters": parameters,
            "responses": {
                str(code): {"description": f"planned {code}"}
                for code in sorted({*endpoint.statuses, 422})
            },
        }
        if endpoint.body is not None:
            schema = {
                "type": "object",
                "properties": {name: {"type": kind} for name, kind in endpoint.body.items()},
                "required": list(endpoint.body),
            }
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schema}},
            }
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "planned service", "version": "0"},
        "paths": paths,
    }
