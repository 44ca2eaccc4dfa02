"""A planning reply that never passed its checks within the attempts: the plan keeps what
passes on its own and records each part it dropped with the reason; without anything to
build, the stage still fails."""

from pathlib import Path

from quantumlayer_dagster.artifacts.interface_draft import ModuleSketch
from quantumlayer_dagster.artifacts.structure import ProjectStructureDraft
from quantumlayer_dagster.generation.interface_checks import SketchContext, sketch_problems
from quantumlayer_dagster.generation.plan_salvage import sketch_salvage, structure_salvage
from tests.fixtures.llm_client import client_from_yaml

CONTEXT = SketchContext(libraries=frozenset(), imported_names={}, imported_classes=frozenset())
GOOD = {
    "name": "add",
    "params": [{"name": "a", "type": "int"}, {"name": "b", "type": "int"}],
    "returns": "int",
    "contract": "Adds.",
}
CONFIG = """
groups:
  scripted:
    structured_output: json_schema
    deployments:
      - model: scripted/fixture
default: scripted
"""


def test_a_files_plan_keeps_its_files_without_uses_that_name_no_planned_file():
    notes: list[str] = []
    reply = {
        "package": "calc",
        "files": [
            {"path": "calc/ops.py", "purpose": "Ops.", "uses": ["json", "calc/util.py"]},
            {"path": "calc/util.py", "purpose": "Util."},
        ],
    }
    draft = structure_salvage({"max_files": 6}, notes)(reply)
    assert isinstance(draft, ProjectStructureDraft)
    assert [f.uses for f in draft.files] == [["calc/util.py"], []]
    assert notes == ["calc/ops.py: uses 'json', which is not a planned file"]


def test_a_sketch_keeps_the_functions_that_pass_and_names_each_one_dropped():
    notes: list[str] = []
    reply = {
        "imports": ["re", "numpy"],
        "functions": [
            GOOD,
            {**GOOD, "name": "scale", "returns": "Widget"},
            {**GOOD, "name": "Bad Name"},
            GOOD,
        ],
        "classes": [],
    }
    sketch = sketch_salvage(CONTEXT, "calc/ops.py", notes)(reply)
    assert isinstance(sketch, ModuleSketch) and sketch_problems(sketch, CONTEXT) == []
    assert (sketch.imports, [f.name for f in sketch.functions]) == (["re"], ["add"])
    assert notes == [
        "calc/ops.py: import 'numpy' dropped",
        "calc/ops.py: function 'scale' dropped: scale returns: annotation 'Widget' names "
        "`Widget`, which is not a type the plan has",
        "calc/ops.py: function 'Bad Name' dropped: function 'Bad Name' is not a lower_case "
        "identifier",
        "calc/ops.py: function 'add' dropped: planned twice",
    ]


def test_a_sketch_with_nothing_that_passes_is_not_salvaged():
    reply = {"functions": [{**GOOD, "returns": "Widget"}]}
    assert sketch_salvage(CONTEXT, "calc/ops.py", [])(reply) is None


def test_a_sketch_left_with_only_a_class_without_methods_is_not_salvaged():
    """Nothing for the model to write: no body, no example, no test (a fresh-clone demo
    packaged such a module with no test collected)."""
    reply = {
        "functions": [{**GOOD, "returns": "Widget"}],
        "classes": [{"name": "Libraries", "contract": "Holds.", "init": [], "methods": []}],
    }
    assert sketch_salvage(CONTEXT, "calc/ops.py", [])(reply) is None
    with_method = {**reply["classes"][0], "methods": [GOOD]}
    kept = sketch_salvage(CONTEXT, "calc/ops.py", [])({**reply, "classes": [with_method]})
    assert isinstance(kept, ModuleSketch) and [c.name for c in kept.classes] == ["Libraries"]


def test_the_client_offers_the_replies_to_salvage_after_the_last_attempt(
    tmp_path: Path, register_script
):
    bad = {"functions": [GOOD, {**GOOD, "name": "scale", "returns": "Widget"}]}
    provider = register_script(stages={"project_structure": bad}, files={})
    llm = client_from_yaml(tmp_path, CONFIG)
    notes: list[str] = []
    sketch, calls = llm.complete_json(
        "project_structure",
        [{"role": "user", "content": "plan"}],
        ModuleSketch,
        validation_context={"sketch": lambda s: sketch_problems(s, CONTEXT)},
        max_attempts=2,
        salvage=sketch_salvage(CONTEXT, "calc/ops.py", notes),
    )
    assert [f.name for f in sketch.functions] == ["add"]
    assert len(provider.requests) == 2 and all(c.error for c in calls)
    assert notes and notes[0].startswith("calc/ops.py: function 'scale' dropped")
