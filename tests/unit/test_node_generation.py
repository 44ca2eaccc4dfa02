"""Planning a Node package on the scripted provider: modules under ``src/``, ``package.json``
and ``tsconfig.json`` written by our code from the plan, each module's interface planned in
TypeScript types with camelCase names, its examples and the test plan's cases as JavaScript
calls, decoded under the Node patterns and checked with the Node checks."""

import json
import re

import pytest

from quantumlayer_dagster.artifacts.interface import ExamplePlan, FunctionPlan, ParamPlan
from quantumlayer_dagster.artifacts.request import PromptSubmission, RequestOptions
from quantumlayer_dagster.artifacts.structure import ProjectStructure
from quantumlayer_dagster.generation.node_package import package_json, tsconfig_json
from quantumlayer_dagster.generation.plan_language import NODE_PATTERNS
from quantumlayer_dagster.stages.enhanced_prompt import enhance_prompt
from quantumlayer_dagster.stages.frd import write_frd
from quantumlayer_dagster.stages.project_structure import plan_structure
from quantumlayer_dagster.stages.prompt_request import build_prompt_request
from quantumlayer_dagster.stages.requirements_spec import parse_requirements
from quantumlayer_dagster.stages.test_plan import plan_tests
from tests.fixtures import node_requests
from tests.fixtures.node_requests import JAVASCRIPT, TYPESCRIPT, NodeRequest


def submission(request: NodeRequest) -> PromptSubmission:
    return PromptSubmission(
        request_id="r20240309170542-0a1b2c3d",
        prompt=request.prompt,
        options=RequestOptions(language=request.language),  # type: ignore[arg-type]
    )


def planned(llm, request: NodeRequest) -> ProjectStructure:  # type: ignore[no-untyped-def]
    enhanced = enhance_prompt(build_prompt_request(submission(request)), llm)
    return plan_structure(parse_requirements(write_frd(enhanced, llm), llm), llm)


@pytest.fixture
def llm(scripted_llm):  # type: ignore[no-untyped-def]
    return scripted_llm[0]


def test_a_typescript_plan_puts_modules_under_src_and_adds_both_config_files(
    llm, register_script
) -> None:
    provider = register_script(TYPESCRIPT.stages, TYPESCRIPT.files)
    structure = planned(llm, TYPESCRIPT)
    assert [(f.path, f.kind, f.uses) for f in structure.files] == [
        ("package.json", "config", []),
        ("src/index.ts", "module", ["src/strings.ts"]),
        ("src/strings.ts", "module", []),
        ("tsconfig.json", "config", []),
    ]
    [request] = [r for r in provider.requests_for("project_structure") if r.file is None]
    assert "Language: TypeScript (every path ends in .ts)" in request.messages[-1]["content"]


def test_each_node_module_is_planned_in_typescript_types_with_javascript_examples(
    llm, register_script
) -> None:
    register_script(TYPESCRIPT.stages, TYPESCRIPT.files)
    structure = planned(llm, TYPESCRIPT)
    interface = {f.path: f.interface for f in structure.files}["src/index.ts"]
    assert interface is not None and interface.functions == [
        FunctionPlan(
            name="shortSlug",
            params=[ParamPlan(name="title", type="string"), ParamPlan(name="max", type="number")],
            returns="string",
            contract="The slug of a title, cut to at most max characters.",
            examples=[ExamplePlan(call="shortSlug('Hello big world', 9)", result="'hello-big'")],
        )
    ]
    assert structure.dropped == []


def test_a_method_example_starts_from_new_and_a_thrown_error_is_kept(llm, register_script) -> None:
    register_script(JAVASCRIPT.stages, JAVASCRIPT.files)
    structure = planned(llm, JAVASCRIPT)
    assert [f.path for f in structure.files] == ["package.json", "src/count.js", "src/report.js"]
    interfaces = {f.path: f.interface for f in structure.files}
    report, count = interfaces["src/report.js"], interfaces["src/count.js"]
    assert report is not None and count is not None
    assert report.classes[0].methods[0].examples == [
        ExamplePlan(call="new Report('b a b c b a').line(2)", result="'b=3, a=2'")
    ]
    assert count.functions[1].examples[1] == ExamplePlan(
        call="topWords('a', -1)", result="raises RangeError"
    )


def test_node_interfaces_are_asked_with_the_node_prompts_under_node_patterns(
    llm, register_script
) -> None:
    provider = register_script(TYPESCRIPT.stages, TYPESCRIPT.files)
    planned(llm, TYPESCRIPT)
    by_file = {r.file: r for r in provider.requests_for("project_structure")}
    sketch = by_file["src/strings.ts"]
    assert "TypeScript architect" in sketch.messages[0]["content"]
    schema = sketch.params["response_format"]["json_schema"]["schema"]
    function = schema["$defs"]["FunctionSketch"]["properties"]
    assert function["name"]["pattern"] == NODE_PATTERNS.identifier
    assert function["returns"]["pattern"] == NODE_PATTERNS.type_expression
    assert schema["properties"]["imports"]["items"]["pattern"] == NODE_PATTERNS.module
    examples = by_file["src/strings.ts::slugify"].messages[-1]["content"]
    assert "function slugify(text: string): string" in examples


def test_node_sketch_patterns_are_grammar_safe_and_admit_node_names() -> None:
    for pattern in (NODE_PATTERNS.identifier, NODE_PATTERNS.class_name, NODE_PATTERNS.module):
        assert '"' not in pattern and "\\." not in pattern and not re.search(r"\{[0-9]", pattern)
    assert re.fullmatch(NODE_PATTERNS.identifier, "shortSlug")
    assert re.fullmatch(NODE_PATTERNS.class_name, "WordCounter")
    for module in ("node:fs", "node:fs/promises", "date-fns", "@scope/some-pkg"):
        assert re.fullmatch(NODE_PATTERNS.module, module), module
    assert not re.fullmatch(NODE_PATTERNS.module, "../strings.js")


def test_a_sketch_with_python_types_goes_back_with_the_finding(llm, register_script) -> None:
    python_typed = {
        "imports": [],
        "functions": [
            {
                "name": "slugify",
                "params": [{"name": "text", "type": "str"}],
                "returns": "str",
                "contract": "Slugify.",
            }
        ],
    }
    files = {**TYPESCRIPT.files}
    files["project_structure"] = {
        **files["project_structure"],
        "src/strings.ts": [python_typed, node_requests.TS_STRINGS_SKETCH],
    }
    provider = register_script(TYPESCRIPT.stages, files)
    structure = planned(llm, TYPESCRIPT)
    strings = {f.path: f.interface for f in structure.files}["src/strings.ts"]
    assert strings is not None and strings.functions[0].params[0].type == "string"
    _, repair = [
        r for r in provider.requests_for("project_structure") if r.file == "src/strings.ts"
    ]
    assert "names `str`, which is not a type the plan has" in repair.messages[-1]["content"]


def test_the_test_plan_makes_each_criterion_a_javascript_call(llm, register_script) -> None:
    provider = register_script(JAVASCRIPT.stages, JAVASCRIPT.files)
    enhanced = enhance_prompt(build_prompt_request(submission(JAVASCRIPT)), llm)
    frd = write_frd(enhanced, llm)
    spec = parse_requirements(frd, llm)
    plan = plan_tests(frd, spec, plan_structure(spec, llm), llm)
    assert [(c.criterion_id, c.target, c.call, c.result) for c in plan.cases] == [
        ("AC1", "src/count.js::countWords", "countWords('a b a')", "{a: 2, b: 1}"),
        ("AC2", "src/count.js::countWords", "countWords('Hi, hi!')", "{hi: 2}"),
        ("AC3", "src/report.js::Report.line", "new Report('b b b a').line(1)", "'b=3'"),
    ]
    [targets] = [r for r in provider.requests_for("test_plan") if r.file is None]
    assert (
        "report.Report.line: class Report (new Report(text: string))"
        in (targets.messages[-1]["content"])
    )


def test_package_json_is_written_from_the_plan_deterministically(llm, register_script) -> None:
    register_script(TYPESCRIPT.stages, TYPESCRIPT.files)
    structure = planned(llm, TYPESCRIPT)
    text = package_json(structure)
    assert text == package_json(structure) and text.endswith("\n")
    data = json.loads(text)
    assert data["type"] == "module" and data["private"] is True
    assert data["scripts"] == {"build": "tsc", "test": "tsc && node --test"}
    assert set(data["devDependencies"]) == {"@types/node", "typescript"}
    assert json.loads(tsconfig_json())["compilerOptions"]["outDir"] == "dist"


def test_a_stored_request_naming_the_old_generation_checks_option_still_reads() -> None:
    stored = '{"language": "typescript", "generation_checks": "syntax"}'
    assert RequestOptions.model_validate_json(stored).language == "typescript"
