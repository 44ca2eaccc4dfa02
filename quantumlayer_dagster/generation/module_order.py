"""The order modules are written in: dependencies first, independent modules together."""

from pathlib import PurePosixPath

from quantumlayer_dagster.artifacts.structure import PlannedFile

ENTRY_STEMS = frozenset({"main", "__main__", "cli", "app"})
"""Module names that usually import the rest of the package (written last without a plan)."""


def write_waves(modules: list[PlannedFile]) -> list[list[PlannedFile]]:
    """Group ``modules`` into waves: each wave's modules use only ones of earlier waves, so a
    wave can be written concurrently with the interfaces of everything before it.

    The order comes from each planned file's ``uses``; a plan that gives none puts entry
    modules (``main.py``, ``cli.py``, ``app.py``, ``__main__.py``) after the others. Modules
    in a dependency cycle are written together in one wave. Planned order is kept within a
    wave."""
    paths = {m.path for m in modules}
    deps = {m.path: {u for u in m.uses if u in paths and u != m.path} for m in modules}
    if not any(deps.values()):
        entries = [m for m in modules if PurePosixPath(m.path).stem in ENTRY_STEMS]
        others = [m for m in modules if m not in entries]
        return [wave for wave in (others, entries) if wave]
    waves: list[list[PlannedFile]] = []
    done: set[str] = set()
    remaining = list(modules)
    while remaining:
        ready = [m for m in remaining if deps[m.path] <= done] or remaining  # a cycle
        waves.append(ready)
        done |= {m.path for m in ready}
        remaining = [m for m in remaining if m.path not in done]
    return waves
