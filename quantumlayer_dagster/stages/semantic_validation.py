"""Stage 6: check that every generated file parses, compiles and fits the planned structure.

Nothing is imported or executed: every file goes through ``analysis.file_checks.check_file``
(the same check code generation and every repair use before keeping a file), and the tree
is compared with the planned structure.
"""

from collections.abc import Mapping
from pathlib import PurePosixPath

from quantumlayer_dagster.analysis.file_checks import check_file, project_context
from quantumlayer_dagster.artifacts.code import SourceFile, tree_digest
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
) -> ValidationReport:
    """Validate ``files`` and return a report of per-file status and every issue found.

    Issues: tree-sitter syntax errors ("syntax"), Python compile errors and warnings the
    grammar missed ("compile"), names bound nowhere ("name"), imports that neither the
    project, the standard library, an installed or curated distribution nor a ``declared``
    requirement (e.g. ``"requests>=2"``) provides ("import"; an error at module level, a
    warning when guarded by ``try``/``if`` or inside a function), names imported from a
    project module that does not define them ("import"), calls to a project function or
    class whose arguments cannot bind to its parameters ("call"), and, when
    ``planned_paths`` is given, planned files that are missing (error) and files nobody
    planned (warning) ("structure"). ``references`` (path -> content) are files read only
    for what they define (e.g. ones over the size limit): imports from them resolve, but
    they are not reported on. Files without a grammar are reported as not validated; they
    never count as valid.
    """
    known = {**(references or {}), **{f.path: f.content for f in files}}
    context = project_context(list(known), declared or [], known)
    results: list[FileValidation] = []
    issues: list[ValidationIssue] = []
    for source in files:
        found = check_file(source, context)
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
    if planned_paths is not None:
        issues += _structure_issues([f.path for f in files], planned_paths)
    return ValidationReport(files=results, issues=issues, tree_sha256=tree_digest(files))


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
