"""Stage 6: check that every generated file parses, compiles and fits the planned structure.

Nothing is imported or executed: every file goes through ``analysis.file_checks.check_file``
(the same check code generation and every repair use before keeping a file), with ruff's
name findings for the whole tree from one ruff process (``analysis.ruff_names``); the tree
is compared with the planned structure, and, when asked, mypy type-checks the Python files
(``analysis.type_check``: our configuration, never the project's).
"""

import ast
from collections.abc import Mapping
from pathlib import PurePosixPath

from quantumlayer_dagster.analysis.file_checks import (
    ProjectContext,
    check_file,
    project_context,
)
from quantumlayer_dagster.analysis.name_issues import name_issues, star_imports, star_names
from quantumlayer_dagster.analysis.ruff_names import NameCheck, check_names
from quantumlayer_dagster.analysis.type_check import TypeCheck, severity_of, type_issues
from quantumlayer_dagster.artifacts.code import SourceFile, tree_digest
from quantumlayer_dagster.artifacts.paths import check_relative_path
from quantumlayer_dagster.artifacts.validation import (
    FileValidation,
    ValidationIssue,
    ValidationReport,
)


def validate_code(
    files: list[SourceFile],
    planned_paths: list[str] | None = None,
    declared: list[str] | None = None,
    references: Mapping[str, str] | None = None,
    *,
    types: TypeCheck = "off",
) -> ValidationReport:
    """Validate ``files`` and return a report of per-file status and every issue found.

    Issues: tree-sitter syntax errors ("syntax"), Python compile errors and warnings the
    grammar missed ("compile"), names bound nowhere and unused or redefined ones ("name",
    from ruff with its code: ``analysis.name_issues``), imports that neither the
    project, the standard library, an installed or curated distribution nor a ``declared``
    requirement (e.g. ``"requests>=2"``) provides ("import"; an error at module level, a
    warning when guarded by ``try``/``if`` or inside a function), names imported from a
    project module that does not define them ("import"), calls to a project function or
    class whose arguments cannot bind to its parameters ("call"), and, when
    ``planned_paths`` is given, planned files that are missing (error) and files nobody
    planned (warning) ("structure"). ``references`` (path -> content) are files read
    for what they define (e.g. ones over the size limit): imports from them resolve, and
    only ruff's name findings are reported on them. Files without a grammar are reported
    as not validated; they never count as valid. ``types`` runs mypy over the Python files
    ("type", with mypy's error code): ``warn`` reports its findings as warnings, ``block``
    as errors (the gate setting), ``off`` does not run it; a type check that could not run
    is one finding on the path ``.`` saying so.
    """
    known = {**(references or {}), **{f.path: f.content for f in files}}
    context = project_context(list(known), declared or [], known)
    # one ruff process for the whole tree; oversized references are checked by ruff alone
    readable = [*files, *_reference_files(references or {}, files)]
    names = check_names(readable)
    typed: dict[str, list[ValidationIssue]] = {}
    for issue in type_issues(files, severity_of(types)) if types != "off" else []:
        typed.setdefault(issue.path, []).append(issue)
    results: list[FileValidation] = []
    issues: list[ValidationIssue] = []
    for source in files:
        found = check_file(source, context, names.get(source.path))
        if found is not None:
            found = _by_position(found + typed.pop(source.path, []))
        if found is None:
            results.append(
                FileValidation(path=source.path, language=source.language, validated=False)
            )
            continue
        issues += found
        results.append(
            FileValidation(
                path=source.path,
                language=source.language,
                validated=True,
                error_count=sum(1 for i in found if i.severity == "error"),
                warning_count=sum(1 for i in found if i.severity == "warning"),
            )
        )
    issues += _reference_issues(readable[len(files) :], names, context)
    if planned_paths is not None:
        issues += _structure_issues([f.path for f in files], planned_paths)
    issues += [i for left in typed.values() for i in left]  # about the project: did not run
    return ValidationReport(files=results, issues=issues, tree_sha256=tree_digest(files))


def _reference_files(references: Mapping[str, str], files: list[SourceFile]) -> list[SourceFile]:
    """References as files ruff can read: built without the size check (ruff reads any
    size), their paths checked as every file's are."""
    given = {f.path for f in files}
    found: list[SourceFile] = []
    for path, content in sorted(references.items()):
        try:
            safe = check_relative_path(path)
        except ValueError:
            continue
        if safe not in given and safe.endswith(".py"):
            found.append(SourceFile.model_construct(path=safe, content=content, attempts=[]))
    return found


def _reference_issues(
    references: list[SourceFile], names: dict[str, NameCheck], context: ProjectContext
) -> list[ValidationIssue]:
    """ruff's name findings in the oversized files (the other checks do not read them)."""
    found: list[ValidationIssue] = []
    for source in references:
        check = names.get(source.path)
        try:
            tree = ast.parse(source.content, source.path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # not compiled, not judged: as for the files checked in full
        if check is None:
            continue
        stars = star_imports(source.path, source.content)
        known = star_names(stars, context.stars, context.facts, context.modules) if stars else None
        found += name_issues(source, tree, check, known)
    return found


def _by_position(issues: list[ValidationIssue]) -> list[ValidationIssue]:
    return sorted(issues, key=lambda i: (i.line or 0, i.column or 0))


def _structure_issues(present: list[str], planned: list[str]) -> list[ValidationIssue]:
    have = {str(PurePosixPath(p)) for p in present}
    want = {str(PurePosixPath(p)) for p in planned}
    missing = [
        ValidationIssue(path=p, kind="structure", message="planned file is missing")
        for p in sorted(want - have)
    ]
    extra = [
        ValidationIssue(
            path=p,
            severity="warning",
            kind="structure",
            message="file was not in the planned structure",
        )
        for p in sorted(have - want)
    ]
    return missing + extra
