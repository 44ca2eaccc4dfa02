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


def analyze_performance(
    files: list[SourceFile],
    test_durations: dict[str, float] | None = None,
    hotspot_count: int = 5,
) -> PerformanceReport:
    """Measure the Python files among ``files`` with radon.

    ``test_durations`` maps test names to seconds from the test run (carried into the
    report). Returns per-function complexity, per-module metrics, the ``hotspot_count``
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
        suggestions=_suggestions(functions, modules),
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
