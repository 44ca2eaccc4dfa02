"""Stage 11: static performance and maintainability metrics of the generated Python code.

radon parses the source (it never runs it): cyclomatic complexity per function,
maintainability index, raw line counts and Halstead measures per module. Measured
timings come from the test run and are passed in.
"""

from radon.complexity import cc_rank, cc_visit
from radon.metrics import h_visit, mi_rank, mi_visit
from radon.raw import analyze
from radon.visitors import Function

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.performance import (
    AnalysisError,
    FunctionComplexity,
    FunctionKind,
    HalsteadTotals,
    ModuleMetrics,
    PerformanceReport,
    Suggestion,
)

_POOR_RANKS = frozenset("CDEF")
"""Complexity ranks that earn a suggestion: C is 11-20 paths, F is over 40."""
SLOW_TEST_S = 1.0
"""A unit test slower than this earns a suggestion: it usually sleeps, does I/O or loops."""


def analyze_performance(
    files: list[SourceFile],
    test_durations: dict[str, float] | None = None,
    hotspot_count: int = 5,
    test_paths: list[str] | None = None,
) -> PerformanceReport:
    """Measure the Python files among ``files`` with radon.

    ``test_durations`` maps test ids to seconds from the test run (carried into the
    report); an id ``classname::name`` (the JUnit classname, e.g. ``tests.test_cli``) ties
    a slow test's suggestion to its file among ``files`` and ``test_paths``.
    Returns per-function complexity, per-module metrics, the ``hotspot_count``
    most complex functions, suggestions tied to file and line for functions of rank C or
    worse and modules with maintainability rank C, plus the files radon could not parse
    and the non-Python files it did not look at.
    """
    functions: list[FunctionComplexity] = []
    modules: list[ModuleMetrics] = []
    errors: list[AnalysisError] = []
    for source in files:
        if source.language != "python":
            continue
        try:
            file_functions = _functions(source)
            module = _module_metrics(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            errors.append(AnalysisError(path=source.path, error=str(exc) or type(exc).__name__))
            continue
        functions += file_functions
        modules.append(module)
    hotspots = sorted(functions, key=lambda f: (-f.complexity, f.path, f.line))[:hotspot_count]
    return PerformanceReport(
        functions=functions,
        modules=modules,
        hotspots=hotspots,
        suggestions=_suggestions(functions, modules)
        + _slow_test_suggestions(
            test_durations or {}, {f.path for f in files} | set(test_paths or [])
        ),
        errors=errors,
        not_analysed=sorted(f.path for f in files if f.language != "python"),
        test_durations=dict(test_durations or {}),
    )


def _functions(source: SourceFile) -> list[FunctionComplexity]:
    found: list[FunctionComplexity] = []
    pending: list[tuple[Function, str | None]] = [
        (block, None) for block in cc_visit(source.content) if isinstance(block, Function)
    ]
    while pending:
        block, outer = pending.pop()
        kind: FunctionKind
        if outer is not None:
            name, kind = f"{outer}.{block.name}", "closure"
        elif block.is_method:
            name, kind = f"{block.classname}.{block.name}", "method"
        else:
            name, kind = block.name, "function"
        found.append(
            FunctionComplexity(
                path=source.path,
                name=name,
                kind=kind,
                line=block.lineno,
                end_line=block.endline,
                complexity=block.complexity,
                rank=cc_rank(block.complexity),
            )
        )
        pending += [(closure, name) for closure in block.closures]
    return sorted(found, key=lambda f: f.line)


def _module_metrics(source: SourceFile) -> ModuleMetrics:
    raw = analyze(source.content)
    halstead = h_visit(source.content).total
    # multi=True counts docstrings and multi-line strings as comments, as radon's CLI does
    mi = mi_visit(source.content, True)
    return ModuleMetrics(
        path=source.path,
        maintainability_index=round(mi, 2),
        mi_rank=mi_rank(mi),
        loc=raw.loc,
        lloc=raw.lloc,
        sloc=raw.sloc,
        comments=raw.comments,
        blank=raw.blank,
        halstead=HalsteadTotals(
            volume=round(halstead.volume, 2),
            difficulty=round(halstead.difficulty, 2),
            effort=round(halstead.effort, 2),
            bugs=round(halstead.bugs, 4),
        ),
    )


def _suggestions(
    functions: list[FunctionComplexity], modules: list[ModuleMetrics]
) -> list[Suggestion]:
    advice = [
        Suggestion(
            path=f.path,
            line=f.line,
            message=(
                f"`{f.name}` has complexity {f.complexity} (rank {f.rank}): split it into "
                "smaller functions, return early instead of nesting, or replace long "
                "if/elif chains with a lookup table"
            ),
        )
        for f in sorted(functions, key=lambda f: (-f.complexity, f.path, f.line))
        if f.rank in _POOR_RANKS
    ]
    advice += [
        Suggestion(
            path=m.path,
            message=(
                f"maintainability index {m.maintainability_index:.1f} (rank C): shorten "
                "long functions, remove duplicated code and name magic values"
            ),
        )
        for m in modules
        if m.mi_rank == "C"
    ]
    return advice


def _slow_test_suggestions(durations: dict[str, float], paths: set[str]) -> list[Suggestion]:
    advice = []
    for test_id, seconds in sorted(durations.items(), key=lambda item: (-item[1], item[0])):
        if seconds < SLOW_TEST_S:
            continue
        classname, _, name = test_id.rpartition("::")
        advice.append(
            Suggestion(
                path=_test_file(classname, paths) or test_id,
                message=(
                    f"test `{name or test_id}` took {seconds:.2f}s: replace sleeps with "
                    "fakes, shrink its input or mark it slow"
                ),
            )
        )
    return advice


def _test_file(classname: str, paths: set[str]) -> str | None:
    """The project file a JUnit classname (``pkg.tests.test_x[.TestClass]``) points at."""
    parts = classname.split(".") if classname else []
    while parts:
        candidate = "/".join(parts) + ".py"
        if candidate in paths:
            return candidate
        parts.pop()
    return None
