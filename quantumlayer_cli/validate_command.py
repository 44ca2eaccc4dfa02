"""``quantumlayer validate PATH``: stage 6 semantic validation on any code tree."""

import argparse
import json
import re
import tomllib
from pathlib import PurePosixPath
from typing import Any

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from quantumlayer_dagster.analysis.tree_input import (
    CodeTreeInputError,
    LoadedTree,
    SkippedFile,
    load_tree,
)
from quantumlayer_dagster.artifacts.validation import ValidationReport
from quantumlayer_dagster.quality.gates import GateThresholds
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.stages.semantic_validation import validate_code

# a requirement line ("name", "name[extra]>=1,<2", "name==1; python_version<'3.12'"), so a
# prose file that happens to be called requirements.txt declares nothing
_REQUIREMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[\w,\s-]*\])?\s*([<>=!~;@].*)?$")


def validate(args: argparse.Namespace) -> int:
    """Validate the tree at ``args.path``; print a table or (``--json``) one JSON object."""
    try:
        tree = load_tree(args.path)
    except CodeTreeInputError as exc:
        print(f"error: {exc}")
        return EXIT_USAGE
    types = args.types or GateThresholds(types_blocking=Settings.from_env().types_blocking).types
    report = validate_code(
        tree.files, declared=declared_requirements(tree), references=tree.references, types=types
    )
    # a tree in which nothing could be checked has not been shown to be valid
    valid = report.valid and report.files_validated > 0
    if args.json:
        print(json.dumps(validation_json(report, tree.skipped, valid), indent=2))
    else:
        print(_text(report, tree.skipped, valid))
    return EXIT_OK if valid else EXIT_FAILED


def declared_requirements(tree: LoadedTree) -> list[str]:
    """Requirement strings declared in the tree: every ``requirements*.txt`` line and the
    ``[project] dependencies`` (plus optional ones) of ``pyproject.toml`` files."""
    found: list[str] = []
    for source in tree.files:
        name = PurePosixPath(source.path).name
        if name.startswith("requirements") and name.endswith(".txt"):
            for line in source.content.splitlines():
                line = line.split("#", 1)[0].strip()
                if _REQUIREMENT.match(line):
                    found.append(line)
        elif name == "pyproject.toml":
            try:
                project = tomllib.loads(source.content).get("project", {})
            except tomllib.TOMLDecodeError:
                continue  # a broken pyproject declares nothing we can trust
            found += [d for d in project.get("dependencies", []) if isinstance(d, str)]
            for extra in project.get("optional-dependencies", {}).values():
                found += [d for d in extra if isinstance(d, str)]
    return found


def validation_json(
    report: ValidationReport, skipped: list[SkippedFile], valid: bool
) -> dict[str, Any]:
    """The ``--json`` object: ``valid``, ``issues``, ``skipped`` and the per-file counts."""
    return {
        "valid": valid,
        "files_validated": report.files_validated,
        "files_not_validated": report.files_not_validated,
        "error_count": report.error_count,
        "warning_count": report.warning_count,
        "issues": [
            i.model_dump(include={"path", "line", "column", "severity", "kind", "message", "code"})
            | {"snippet": i.snippet}
            for i in report.issues
        ],
        "skipped": [s.model_dump() for s in skipped],
    }


def _text(report: ValidationReport, skipped: list[SkippedFile], valid: bool) -> str:
    lines: list[str] = []
    if report.issues:
        where = [_where(i.path, i.line, i.column) for i in report.issues]
        width = min(max(len(w) for w in where), 60)
        lines += [
            f"{w:<{width}}  {i.severity:<7}  {i.kind:<9}  {i.text}"
            for w, i in zip(where, report.issues, strict=True)
        ]
        lines.append("")
    if report.files_not_validated:
        shown = report.files_not_validated[:10]
        more = len(report.files_not_validated) - len(shown)
        tail = f" and {more} more" if more else ""
        lines.append(f"not validated (no grammar): {', '.join(shown)}{tail}")
    lines += [f"skipped {s.path}: {s.reason}" for s in skipped]
    if report.files_validated == 0:
        verdict = "NOT VALIDATED: no file in a language with a grammar"
    elif valid:
        verdict = "VALID"
    else:
        verdict = "INVALID"
    lines.append(
        f"{verdict}: {report.files_validated} files validated, {report.error_count} errors, "
        f"{report.warning_count} warnings, {len(skipped)} skipped"
    )
    return "\n".join(lines)


def _where(path: str, line: int | None, column: int | None) -> str:
    if line is None:
        return path
    return f"{path}:{line}" + (f":{column}" if column is not None else "")
