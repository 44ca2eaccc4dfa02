"""Planning and writing a Node package on the scripted provider: modules under ``src/``,
``package.json`` and ``tsconfig.json`` written by our code from the plan, and the repair
loop sending ``tsc`` and import findings back through the one check path."""

import json

import pytest

from quantumlayer_dagster.analysis.typescript_check import COMPILER_OPTIONS
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.request import PromptSubmission, RequestOptions
from quantumlayer_dagster.artifacts.structure import ProjectStructure
from quantumlayer_dagster.generation.node_interfaces import node_interfaces_text
from quantumlayer_dagster.generation.node_package import package_json, tsconfig_json
from quantumlayer_dagster.stages.code_tree import generate_code
from quantumlayer_dagster.stages.enhanced_prompt import enhance_prompt
from quantumlayer_dagster.stages.frd import write_frd
from quantumlayer_dagster.stages.project_structure import plan_structure
from quantumlayer_dagster.stages.prompt_request import build_prompt_request
from quantumlayer_dagster.stages.requirements_spec import parse_requirements
from tests.fixtures import node_requests
from tests.fixtures.node_requests import JAVASCRIPT, TYPESCRIPT, NodeRequest


def planned(llm, request: NodeRequest) -> ProjectStructure:  # type: ignore[no-untyped-def]
    submission = PromptSubmission(
        request_id="r20240309170542-0a1b2c3d",
        prompt=request.prompt,
        options=RequestOptions(language=request.language),  # type: ignore[arg-type]
    )
    enhanced = enhance_prompt(build_prompt_request(submission), llm)
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
    [request] = provider.requests_for("project_structure")
    assert "Language: TypeScript (every path ends in .ts)" in request.messages[-1]["content"]


def test_a_javascript_plan_has_a_package_json_and_no_tsconfig(llm, register_script) -> None:
    register_script(JAVASCRIPT.stages, JAVASCRIPT.files)
    paths = [f.path for f in planned(llm, JAVASCRIPT).files]
    assert paths == ["package.json", "src/cli.js", "src/count.js"]


def test_package_json_is_written_from_the_plan_deterministically(llm, register_script) -> None:
    register_script(TYPESCRIPT.stages, TYPESCRIPT.files)
    structure = planned(llm, TYPESCRIPT).model_copy(update={"libraries": ["zod@3", "chalk"]})
    text = package_json(structure)
    assert text == package_json(structure)
    data = json.loads(text)
    assert (data["name"], data["version"], data["type"]) == ("textkit", "0.1.0", "module")
    assert data["scripts"] == {"build": "tsc", "test": "tsc && node --test"}
    assert data["dependencies"] == {"chalk": "*", "zod": "*"}
    assert json.loads(tsconfig_json())["compilerOptions"] == {
        **COMPILER_OPTIONS,
        "outDir": "dist",
        "rootDir": ".",
    }


@pytest.mark.slow  # tsc checks each module
def test_code_generation_writes_the_config_files_and_modules_dependencies_first(
    llm, register_script
) -> None:
    provider = register_script(TYPESCRIPT.stages, TYPESCRIPT.files)
    tree = generate_code(planned(llm, TYPESCRIPT), llm)
    assert tree.file("package.json").content == package_json(planned(llm, TYPESCRIPT))
    assert [r.file for r in provider.requests_for("code_tree")] == [
        "src/strings.ts",
        "src/index.ts",
    ]
    # the second module's request carries what the first exports, and how to import it
    index_request = provider.requests_for("code_tree")[1].messages[-1]["content"]
    assert 'src/strings.ts (import from "./strings.js"):' in index_request
    assert "- export function slugify(text: string): string" in index_request


@pytest.mark.slow  # tsc runs on every attempt (about 2 s each)
@pytest.mark.parametrize(
    ("file", "mistake", "finding"),
    [
        (
            "src/strings.ts",
            node_requests.TS_STRINGS_TYPE_ERROR,
            "src/strings.ts:3:3 TS2322: Type 'number' is not assignable to type 'string'.",
        ),
        (
            "src/index.ts",
            node_requests.TS_INDEX_MISSING_IMPORT,
            "src/index.ts:1:25 import of './slugs.js' finds no file 'src/slugs.js' in the project",
        ),
    ],
    ids=["tsc", "missing-file"],
)
def test_a_typescript_finding_goes_back_and_the_fixed_reply_is_kept(
    llm, register_script, file: str, mistake: str, finding: str
) -> None:
    good = TYPESCRIPT.files["code_tree"][file]
    files = {"code_tree": {**TYPESCRIPT.files["code_tree"], file: [mistake, good]}}
    provider = register_script(TYPESCRIPT.stages, files)
    tree = generate_code(planned(llm, TYPESCRIPT), llm)
    first, second = tree.file(file).attempts
    assert first.errors == [finding] and second.errors == []
    assert second.sent_back == [finding]
    repair = [r for r in provider.requests_for("code_tree") if r.file == file][1]
    assert finding in repair.messages[-1]["content"]
    assert "relative paths ending in .js" in repair.messages[-1]["content"]


def test_interfaces_show_exports_without_bodies() -> None:
    source = SourceFile(
        path="src/stack.ts",
        content=(
            "export class Stack<T> {\n  push(item: T): void {}\n  _secret() {}\n}\n"
            "export const twice = (n: number): number => n * 2;\nexport const LIMIT = 3;\n"
            "function hidden() {}\n"
        ),
    )
    assert node_interfaces_text([source], "src/main.ts") == (
        'src/stack.ts (import from "./stack.js"):\n'
        "- export class Stack: methods push(item: T): void\n"
        "- export const twice = (n: number): number\n"
        "- export const LIMIT"
    )
