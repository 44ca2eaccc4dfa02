"""Stage 11 artifact: code metrics (radon), complexity hotspots, suggestions, test timings."""

from typing import Literal

from pydantic import Field, computed_field

from quantumlayer_dagster.artifacts.markdown import markdown_cell, markdown_table
from quantumlayer_dagster.model import Model

SLOWEST_TESTS_SHOWN = 5

FunctionKind = Literal["function", "method", "closure"]


class FunctionComplexity(Model):
    """Cyclomatic complexity of one function, method or nested function (rank A best .. F)."""

    path: str
    name: str
    kind: FunctionKind
    line: int
    end_line: int
    complexity: int
    rank: str

    def location(self) -> str:
        return f"{self.path}:{self.line}"


class HalsteadTotals(Model):
    """Halstead measures of a whole module."""

    volume: float
    difficulty: float
    effort: float
    bugs: float


class ModuleMetrics(Model):
    """Maintainability index (0-100, rank A/B/C), raw line counts and Halstead for one file."""

    path: str
    maintainability_index: float
    mi_rank: str
    loc: int
    lloc: int
    sloc: int
    comments: int
    blank: int
    halstead: HalsteadTotals


class Suggestion(Model):
    """An improvement tied to a location; ``line`` is None for whole-module advice."""

    path: str
    line: int | None = None
    message: str

    def describe(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where} {self.message}"


class AnalysisError(Model):
    """A Python file radon could not parse, with the parser's message."""

    path: str
    error: str


class PerformanceReport(Model):
    """Static metrics of the generated Python code plus test timings (stage 11 output)."""

    functions: list[FunctionComplexity] = Field(default_factory=list)
    modules: list[ModuleMetrics] = Field(default_factory=list)
    hotspots: list[FunctionComplexity] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list)
    errors: list[AnalysisError] = Field(default_factory=list)
    not_analysed: list[str] = Field(default_factory=list)
    test_durations: dict[str, float] = Field(default_factory=dict)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def max_complexity(self) -> int:
        """Highest cyclomatic complexity of any function (0 when there are none)."""
        return max((f.complexity for f in self.functions), default=0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def average_complexity(self) -> float:
        """Mean cyclomatic complexity over all functions (0.0 when there are none)."""
        if not self.functions:
            return 0.0
        return round(sum(f.complexity for f in self.functions) / len(self.functions), 2)

    @property
    def slowest_tests(self) -> list[tuple[str, float]]:
        """The slowest tests, slowest first, as (name, seconds)."""
        ordered = sorted(self.test_durations.items(), key=lambda item: (-item[1], item[0]))
        return ordered[:SLOWEST_TESTS_SHOWN]

    def markdown(self) -> str:
        """Summary, hotspot and module tables, suggestions, slowest tests, skipped files."""
        lines = [
            f"**{len(self.modules)} module(s), {len(self.functions)} function(s)**: "
            f"max complexity {self.max_complexity}, average {self.average_complexity}."
        ]
        if self.hotspots:
            rows = [
                [f"`{markdown_cell(f.name)}`", f"`{f.location()}`", str(f.complexity), f.rank]
                for f in self.hotspots
            ]
            header = ["function", "location", "complexity", "rank"]
            lines += ["", "Complexity hotspots:", "", markdown_table(header, rows)]
        if self.modules:
            rows = [
                [
                    f"`{markdown_cell(m.path)}`",
                    f"{m.maintainability_index:.1f} ({m.mi_rank})",
                    str(m.sloc),
                    str(m.comments),
                    f"{m.halstead.volume:.0f}",
                    f"{m.halstead.bugs:.2f}",
                ]
                for m in self.modules
            ]
            header = ["module", "maintainability", "sloc", "comments", "volume", "est. bugs"]
            lines += ["", markdown_table(header, rows)]
        if self.suggestions:
            lines += ["", "Suggestions:"]
            lines += [f"- {markdown_cell(s.describe(), 300)}" for s in self.suggestions]
        if self.slowest_tests:
            lines += ["", "Slowest tests:"]
            lines += [f"- `{markdown_cell(n)}`: {s:.3f}s" for n, s in self.slowest_tests]
        if self.errors:
            lines += ["", "Not parsable by radon:"]
            lines += [f"- `{e.path}`: {markdown_cell(e.error)}" for e in self.errors]
        if self.not_analysed:
            shown = ", ".join(f"`{p}`" for p in self.not_analysed[:20])
            more = len(self.not_analysed) - 20
            shown += f" and {more} more" if more > 0 else ""
            lines += ["", f"Not analysed (not Python): {shown}"]
        return "\n".join(lines)
