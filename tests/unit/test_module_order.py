"""The order modules are written in: dependencies first, independent modules together."""

from quantumlayer_dagster.artifacts.structure import PlannedFile
from quantumlayer_dagster.generation.module_order import write_waves


def planned(path: str, *uses: str) -> PlannedFile:
    return PlannedFile(path=path, purpose="p", uses=list(uses))


def paths(waves: list[list[PlannedFile]]) -> list[list[str]]:
    return [[m.path for m in wave] for wave in waves]


def test_modules_are_written_after_the_ones_they_use_and_independent_ones_together():
    modules = [
        planned("app/main.py", "app/store.py"),
        planned("app/models.py"),
        planned("app/store.py", "app/models.py"),
        planned("app/util.py"),
    ]
    assert paths(write_waves(modules)) == [
        ["app/models.py", "app/util.py"],
        ["app/store.py"],
        ["app/main.py"],
    ]


def test_without_a_plan_order_entry_modules_come_last():
    modules = [planned("app/cli.py"), planned("app/a.py"), planned("app/b.py")]
    assert paths(write_waves(modules)) == [["app/a.py", "app/b.py"], ["app/cli.py"]]


def test_a_dependency_cycle_is_written_together_and_unknown_uses_are_ignored():
    modules = [
        planned("app/a.py", "app/b.py"),
        planned("app/b.py", "app/a.py", "elsewhere/x.py"),
        planned("app/c.py"),
    ]
    assert paths(write_waves(modules)) == [["app/c.py"], ["app/a.py", "app/b.py"]]
