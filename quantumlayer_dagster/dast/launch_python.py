"""Serves a generated Python app: runs INSIDE the sandbox, as the service itself.

``python -I -c SOURCE ROOT MODULE ATTRIBUTE FRAMEWORK PORT SCHEMA_OUT``. The servers
(uvicorn, werkzeug) and the framework are imported before the project folder is appended to
``sys.path``, so a module of the tree cannot stand in for them. Before serving, it writes
the app's OpenAPI schema to SCHEMA_OUT as ``{"source": ..., "schema": ...}``: FastAPI's own
(what it serves at ``/openapi.json``), or, for Starlette and Flask, which have none, one
built from the app's routes (methods and path parameters; every answer documented as
``default``, so only server errors and our probes can fail there). This process is the
untrusted service from the moment the project is imported: the driver treats the schema
as the service's claim about itself.
"""

import importlib
import json
import re
import sys
from typing import Any

_FLASK_CONVERTERS = {"int": "integer", "float": "number"}
_STARLETTE_CONVERTERS = {"int": "integer", "float": "number"}
_METHODS = ("get", "post", "put", "patch", "delete")


def _operation(path_params: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": kind}}
            for name, kind in path_params
        ],
        "responses": {"default": {"description": "any answer"}},
    }


def flask_schema(app: Any) -> dict[str, Any]:
    """Paths, methods and typed path parameters of a Flask app's URL map."""
    paths: dict[str, Any] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        params: list[tuple[str, str]] = []

        def to_openapi(match: "re.Match[str]", found: list[tuple[str, str]] = params) -> str:
            converter, name = match.group(1) or "string", match.group(2)
            found.append((name, _FLASK_CONVERTERS.get(converter, "string")))
            return "{" + name + "}"

        path = re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", to_openapi, rule.rule)
        methods = sorted(m.lower() for m in (rule.methods or ()) if m.lower() in _METHODS)
        paths.setdefault(path, {}).update({m: _operation(params) for m in methods})
    return _document(paths)


def starlette_schema(app: Any) -> dict[str, Any]:
    """Paths, methods and typed path parameters of a Starlette app's routes."""
    paths: dict[str, Any] = {}
    for route in getattr(app, "routes", []):
        methods = getattr(route, "methods", None)
        path = getattr(route, "path", None)
        if not methods or not isinstance(path, str):
            continue
        params: list[tuple[str, str]] = []

        def to_openapi(match: "re.Match[str]", found: list[tuple[str, str]] = params) -> str:
            name, converter = match.group(1), match.group(2) or "str"
            found.append((name, _STARLETTE_CONVERTERS.get(converter, "string")))
            return "{" + name + "}"

        openapi_path = re.sub(r"\{(\w+)(?::(\w+))?\}", to_openapi, path)
        chosen = sorted(m.lower() for m in methods if m.lower() in _METHODS)
        paths.setdefault(openapi_path, {}).update({m: _operation(params) for m in chosen})
    return _document(paths)


def _document(paths: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "generated service", "version": "0"},
        "paths": paths,
    }


def main(argv: list[str]) -> None:
    root, module, attribute, framework, port, schema_out = argv[:6]
    if framework == "flask":
        from werkzeug.serving import run_simple
    else:
        import uvicorn
    sys.path.append(root)
    app = getattr(importlib.import_module(module), attribute)
    if framework == "fastapi":
        written = {"source": "served by the app (FastAPI /openapi.json)", "schema": app.openapi()}
    elif framework == "starlette":
        source = "generated from the app's routes (Starlette has no schema)"
        written = {"source": source, "schema": starlette_schema(app)}
    else:
        source = "generated from the app's URL map (Flask has no schema)"
        written = {"source": source, "schema": flask_schema(app)}
    with open(schema_out, "w", encoding="utf-8") as out:
        json.dump(written, out)
    if framework == "flask":
        run_simple("127.0.0.1", int(port), app, threaded=True, use_reloader=False)
    else:
        uvicorn.run(app, host="127.0.0.1", port=int(port), access_log=False, log_level="info")


if __name__ == "__main__":
    main(sys.argv[1:])
