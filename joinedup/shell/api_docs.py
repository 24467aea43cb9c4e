"""The API reference at /api/docs, drawn as a GOV.UK page from the OpenAPI schema.

Swagger UI fails the accessibility bar (contrast, nested interactive controls, no
page language) and cannot be fixed from outside; the schema itself stays at
/api/v1/openapi.json for tools that want it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Parameter:
    name: str
    where: str
    type: str
    required: bool
    description: str


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    anchor: str
    parameters: list[Parameter] = field(default_factory=list)
    body: str = ""
    responses: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class SchemaField:
    name: str
    type: str
    required: bool
    description: str


def _type_of(schema: dict[str, Any]) -> str:
    """A short human name for a JSON schema: its $ref's name, an array of one, or a union."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        names = [_type_of(s) for s in schema["anyOf"] if s.get("type") != "null"]
        optional = any(s.get("type") == "null" for s in schema["anyOf"])
        return " or ".join(names) + (" (or null)" if optional else "")
    if schema.get("type") == "array":
        return f"list of {_type_of(schema.get('items', {}))}"
    kind = str(schema.get("type", "any"))
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _operations(schema: dict[str, Any]) -> list[Operation]:
    operations = []
    for path, item in schema.get("paths", {}).items():
        for method in _METHODS:
            if method not in item:
                continue
            op = item[method]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=op.get("summary", ""),
                    description=op.get("description", ""),
                    anchor=op.get("operationId", f"{method}-{path}"),
                    parameters=[
                        Parameter(
                            name=p["name"],
                            where=p.get("in", ""),
                            type=_type_of(p.get("schema", {})),
                            required=bool(p.get("required")),
                            description=p.get("description", ""),
                        )
                        for p in op.get("parameters", [])
                    ],
                    body=_type_of(body) if body else "",
                    responses=[(code, r.get("description", "")) for code, r in op.get("responses", {}).items()],
                )
            )
    return operations


def _schemas(schema: dict[str, Any]) -> list[tuple[str, list[SchemaField]]]:
    out = []
    for name, body in sorted(schema.get("components", {}).get("schemas", {}).items()):
        required = set(body.get("required", []))
        fields = [
            SchemaField(name=k, type=_type_of(v), required=k in required, description=v.get("description", ""))
            for k, v in body.get("properties", {}).items()
        ]
        out.append((name, fields))
    return out


class AccessibleDocs(DocsBase):
    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        schema = api.get_openapi_schema(path_params=kwargs)
        context = {
            "page_title": "API reference",
            "api_title": api.title,
            "api_version": api.version,
            "api_description": api.description,
            "openapi_url": self.get_openapi_url(api, kwargs),
            "operations": _operations(schema),
            "schemas": _schemas(schema),
        }
        return render(request, "shell/api_docs.html", context)
