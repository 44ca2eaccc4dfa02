"""Stage 11: analyze_performance measures the generated Python with radon."""

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.stages.performance_report import analyze_performance

BRANCHES = "\n".join(
    f"    {'if' if i == 0 else 'elif'} kind == {i}:\n        total += {i}" for i in range(14)
)
CORE = f'''\
"""Core logic."""


def simple(x):
    return x + 1


def parse(kind, total=0):
{BRANCHES}
    return total


class Cart:
    def add(self, item):
        def price(i):
            return i.price if i else 0

        return price(item)
'''
PARSE_LINE = 8


def analyse(*files: SourceFile, **kwargs):
    return analyze_performance(list(files), **kwargs)


def test_deliberately_complex_function_ranks_c_or_worse():
    report = analyse(SourceFile(path="app/core.py", content=CORE))
    parse = next(f for f in report.functions if f.name == "parse")
    assert parse.complexity == 15
    assert parse.rank >= "C"
    assert parse.line == PARSE_LINE
    assert report.max_complexity == 15


def test_complex_function_gets_a_suggestion_naming_its_path_and_line():
    report = analyse(SourceFile(path="app/core.py", content=CORE))
    [suggestion] = [s for s in report.suggestions if s.line is not None]
    assert suggestion.describe().startswith(
        f"app/core.py:{PARSE_LINE} `parse` has complexity 15 (rank C)"
    )


def test_simple_functions_rank_a_and_get_no_suggestion():
    report = analyse(SourceFile(path="app/core.py", content=CORE))
    simple = next(f for f in report.functions if f.name == "simple")
    assert (simple.complexity, simple.rank, simple.kind) == (1, "A", "function")
    assert all("`simple`" not in s.message for s in report.suggestions)


def test_methods_and_nested_functions_are_named_by_their_owner():
    report = analyse(SourceFile(path="app/core.py", content=CORE))
    kinds = {f.name: f.kind for f in report.functions}
    assert kinds["Cart.add"] == "method"
    assert kinds["Cart.add.price"] == "closure"


def test_hotspots_are_the_most_complex_functions_first():
    report = analyse(SourceFile(path="app/core.py", content=CORE), hotspot_count=2)
    assert [f.name for f in report.hotspots] == ["parse", "Cart.add.price"]


def test_module_metrics_include_maintainability_raw_counts_and_halstead():
    report = analyse(SourceFile(path="app/core.py", content=CORE))
    [module] = report.modules
    assert module.mi_rank == "A" and 0 < module.maintainability_index <= 100
    assert module.loc == len(CORE.splitlines())
    assert module.blank > 0 and module.sloc > 0
    assert module.halstead.volume > 0


def test_hard_to_maintain_module_gets_a_module_level_suggestion():
    body = "\n".join(
        f"    if x > {i}:\n        y = (x * {i} + y ** 2 - z / {i + 1}) % (w + {i})"
        for i in range(120)
    )
    content = f"def f(x, y, z, w):\n{body}\n    return y\n"
    report = analyse(SourceFile(path="app/dense.py", content=content))
    assert report.modules[0].mi_rank == "C"
    assert any(
        s.path == "app/dense.py" and s.line is None and "rank C" in s.message
        for s in report.suggestions
    )


def test_unparsable_and_non_python_files_are_listed_not_measured():
    report = analyse(
        SourceFile(path="app/broken.py", content="def f(:\n"),
        SourceFile(path="web/app.ts", content="export const x = 1;\n"),
    )
    assert [e.path for e in report.errors] == ["app/broken.py"]
    assert report.not_analysed == ["web/app.ts"]
    assert report.modules == [] and report.max_complexity == 0 and report.average_complexity == 0.0


def test_test_durations_are_carried_and_the_slowest_listed_first():
    durations = {"test_fast": 0.01, "test_slow": 2.5, "test_mid": 0.4}
    report = analyse(SourceFile(path="a.py", content="x = 1\n"), test_durations=durations)
    assert report.test_durations == durations
    assert report.slowest_tests[0] == ("test_slow", 2.5)
    assert "`test_slow`: 2.500s" in report.markdown()


def test_markdown_shows_hotspot_table_and_suggestions():
    text = analyse(SourceFile(path="app/core.py", content=CORE)).markdown()
    assert "| function | location | complexity | rank |" in text
    assert f"| `parse` | `app/core.py:{PARSE_LINE}` | 15 | C |" in text
    assert "FunctionComplexity(" not in text


def test_slow_test_gets_a_suggestion_tied_to_its_test_file():
    durations = {"tests.test_core::test_parse_all": 3.25, "tests.test_core::test_quick": 0.02}
    report = analyse(
        SourceFile(path="app/core.py", content=CORE),
        test_durations=durations,
        test_paths=["tests/test_core.py"],
    )
    [slow] = [s for s in report.suggestions if "took" in s.message]
    assert slow.describe().startswith("tests/test_core.py test `test_parse_all` took 3.25s")


def test_complexity_budget_gate_names_the_functions_over_it():
    report = analyse(SourceFile(path="app/core.py", content=CORE))
    over = gates.complexity_budget(report, max_complexity=10)
    assert not over.passed
    assert over.detail == (
        f"max complexity 15 (budget 10) at app/core.py:{PARSE_LINE}; 1 over budget: parse (15)"
    )
    assert gates.complexity_budget(report, max_complexity=15).passed
