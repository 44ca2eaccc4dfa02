"""The name findings of one Python file: ruff's (``analysis.ruff_names``), judged with what
only the project knows.

- Undefined names (F821), undefined names in ``__all__`` (F822) and locals used before
  assignment (F823) are errors; unused imports (F401), redefinitions of unused names (F811)
  and unused locals (F841) are warnings. Each is reported once per file, where ruff first
  finds it, with ruff's code; an undefined name carries the closest bound name as a
  suggestion.
- A name bound nowhere in a file that star-imports (F405) may come from a star import.
  It is an error when every star import is of a project module whose names are known and
  none of them binds it, or when it is a near-miss of a name the file binds; otherwise it
  is not reported.
- A package's ``__init__.py`` may use the submodules it imports from by name (the import
  system binds them), and in a file that writes its own namespace at run time only a
  near-miss of a bound name is reported (``python_names``).
- When ruff could not run, the file gets one error saying so, never silence.
"""

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from quantumlayer_dagster.analysis.module_facts import ModuleFacts
from quantumlayer_dagster.analysis.parsing import python_imports, python_module_names, source_line
from quantumlayer_dagster.analysis.python_names import (
    BUILTIN_NAMES,
    bound_names,
    closest,
    one_edit_apart,
    writes_namespace,
)
from quantumlayer_dagster.analysis.ruff_names import (
    BLOCKING,
    STAR_USE,
    NameCheck,
    RuffFinding,
)
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.validation import ValidationIssue


@dataclass(frozen=True)
class StarSource:
    """A project module with star imports: every name it binds itself (None when a module
    ``__getattr__`` makes any name possible) and the modules it star-imports (absolute;
    None among them for one that cannot be resolved)."""

    binds: frozenset[str] | None
    stars: tuple[str | None, ...]


def star_source(path: str, content: str) -> StarSource | None:
    """The star facts of a module that star-imports; None for one that does not (or does
    not parse)."""
    if "*" not in content:
        return None
    try:
        tree = ast.parse(content, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    stars = star_imports(path, content)
    if not stars:
        return None
    opaque = any(
        isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == "__getattr__"
        for s in tree.body
    )
    return StarSource(None if opaque else frozenset(bound_names(tree)), stars)


def star_imports(path: str, content: str) -> tuple[str | None, ...]:
    """The absolute modules ``content`` star-imports (None for a relative one past the
    top package)."""
    return tuple(
        absolute_module(path, i.level, i.module) for i in python_imports(content) if "*" in i.names
    )


def absolute_module(path: str, level: int, module: str) -> str | None:
    """The module ``from <dots><module> import ...`` in the file at ``path`` means; None
    when the dots climb past the top package."""
    if not level:
        return module
    names = python_module_names(path)
    package = names[0].split(".") if names else []
    if PurePosixPath(path).name != "__init__.py":
        package = package[:-1]
    if level > len(package):
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def star_names(
    modules: tuple[str | None, ...],
    stars: Mapping[str, StarSource],
    facts: Mapping[str, ModuleFacts],
    project: set[str],
) -> frozenset[str] | None:
    """Every name star imports of ``modules`` can bind (a superset: all names each binds,
    ``__all__`` or not), or None when any of them is not a project module whose names are
    known."""
    names: set[str] = set()
    seen: set[str] = set()
    pending = list(modules)
    while pending:
        module = pending.pop()
        if module is None:
            return None
        if module in seen:
            continue
        seen.add(module)
        source, known = stars.get(module), facts.get(module)
        if source is not None and source.binds is not None:
            names |= source.binds
            pending.extend(source.stars)
        elif source is None and known is not None and known.exports is not None:
            names |= known.exports
        else:
            return None
        names |= {m[len(module) + 1 :].split(".")[0] for m in project if m.startswith(f"{module}.")}
    return frozenset(names)


def name_issues(
    source: SourceFile,
    tree: ast.Module,
    check: NameCheck,
    star_bound: frozenset[str] | None,
) -> list[ValidationIssue]:
    """The name findings of ``source`` (which compiles; ``tree`` is its ``ast``).
    ``star_bound`` is every name its star imports can bind (``star_names``), None when
    that is not known."""
    lines = source.content.splitlines()
    if check.not_run:
        return [
            ValidationIssue(
                path=source.path, kind="name", message=f"names were not checked: {check.not_run}"
            )
        ]
    if not check.findings:
        return []
    bound = bound_names(tree)
    dynamic = writes_namespace(tree)
    submodules = _submodules_imported(source)
    found: dict[tuple[str, str], ValidationIssue] = {}
    for finding in check.findings:
        if finding.code not in BLOCKING and finding.code != STAR_USE:
            severity, why = "warning", ""
        elif finding.code in ("F821", STAR_USE) and finding.name in submodules:
            continue
        elif finding.code == STAR_USE:
            if star_bound is not None and finding.name in star_bound:
                continue
            if star_bound is not None:
                severity, why = "error", "; no star-imported project module binds it"
            elif any(one_edit_apart(finding.name, b) for b in bound):
                severity, why = "error", ""  # whatever the star imports bind, a typo
            else:
                continue
        elif dynamic and not any(one_edit_apart(finding.name, b) for b in bound):
            continue  # the module binds names at run time: only a typo is certain
        else:
            severity, why = "error", ""
        key = (finding.code, finding.message)
        if key not in found:
            found[key] = _issue(source.path, lines, finding, severity, why, bound)
    return list(found.values())


def _issue(
    path: str,
    lines: list[str],
    finding: RuffFinding,
    severity: str,
    why: str,
    bound: set[str],
) -> ValidationIssue:
    hint = ""
    if severity == "error" and finding.name:
        near = closest(finding.name, bound | BUILTIN_NAMES)
        hint = f" (did you mean `{near}`?)" if near else ""
    return ValidationIssue(
        path=path,
        line=finding.line,
        column=finding.column,
        severity="error" if severity == "error" else "warning",
        kind="name",
        message=f"{finding.message}{why}{hint}",
        code=finding.code,
        snippet=source_line(lines[finding.line - 1]) if 0 < finding.line <= len(lines) else "",
    )


def _submodules_imported(source: SourceFile) -> set[str]:
    """In a package's ``__init__.py``: the submodules ``from .x import ...`` imports (the
    import system sets each as a global of its package)."""
    if PurePosixPath(source.path).name != "__init__.py":
        return set()
    return {
        i.module.split(".")[0] for i in python_imports(source.content) if i.level == 1 and i.module
    }
