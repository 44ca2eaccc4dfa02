"""The LLM stages, each called directly with a LiteLLMClient answered by the scripted
provider (the word-count conversation of tests/fixtures/wordcount.py unless a test
scripts other replies)."""

import json

import pytest

from quantumlayer_dagster.artifacts.code import ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.dependencies import Dependency, DependencyManifest
from quantumlayer_dagster.artifacts.test_suite import TestSuite
from quantumlayer_dagster.artifacts.testing import TestCaseResult, TestRun
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
from quantumlayer_dagster.stages.docs import write_docs
from quantumlayer_dagster.stages.enhanced_prompt import enhance_prompt
from quantumlayer_dagster.stages.test_suite import build_test_suite
from tests.fixtures import wordcount, wordcount_stages

SANDBOX = Sandbox(SandboxLimits(wall_timeout_s=60))
NO_DEPENDENCIES = DependencyManifest(package="wordcount")
READ_TEXT = {
    "name": "read_text",
    "params": [{"name": "path", "type": "str"}],
    "returns": "str",
    "contract": "The text of the file at path.",
}


COUNTER_SOURCE = '''"""Count words."""

import re
from collections import Counter


def count_words(text: str) -> dict[str, int]:
    """Map each lower-cased word of the text to how often it appears."""
    return dict(Counter(re.findall(r"[a-z0-9']+", text.lower())))


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    """The n most frequent words with their counts, most frequent first."""
    return Counter(count_words(text)).most_common(n)
'''
"""The word-count module as the docs stage sees it (the docs read what the suite holds)."""


def words(text: str) -> int:
    return len(text.split())


# Stage 1: prompt enhancement


def test_enhance_prompt_returns_the_brief_the_llm_wrote(scripted_llm) -> None:
    llm, _ = scripted_llm
    request = wordcount_stages.prompt_request()
    enhanced = enhance_prompt(request, llm)
    assert enhanced.title == "Word counter"
    assert enhanced.goals == wordcount.ENHANCED_PROMPT["goals"]
    assert enhanced.constraints == ["Standard library only"]
    assert enhanced.key_entities == ["text", "word", "count"]
    assert (enhanced.request_id, enhanced.original_prompt) == (request.request_id, request.prompt)


def test_enhance_prompt_records_the_model_and_tokens_of_its_call(scripted_llm) -> None:
    llm, provider = scripted_llm
    enhanced = enhance_prompt(wordcount_stages.prompt_request(), llm)
    [request] = provider.requests_for("enhanced_prompt")
    [call] = enhanced.llm.calls
    assert call.model == "scripted/fixture"
    assert call.tokens_in == sum(words(m["content"]) for m in request.messages)
    assert call.tokens_out == words(json.dumps(wordcount.ENHANCED_PROMPT))
    assert call.error is None
    assert enhanced.llm.models == ["scripted/fixture"]


def test_enhance_prompt_sends_the_users_prompt(scripted_llm) -> None:
    llm, provider = scripted_llm
    enhance_prompt(wordcount_stages.prompt_request(), llm)
    [request] = provider.requests_for("enhanced_prompt")
    assert wordcount.PROMPT in request.messages[-1]["content"]


# Stage 2: FRD


def test_write_frd_numbers_features_stories_and_criteria(scripted_llm) -> None:
    llm, _ = scripted_llm
    frd = wordcount_stages.frd(llm)
    assert [f.id for f in frd.features] == ["F1", "F2"]
    assert [s.id for s in frd.user_stories] == ["US1", "US2"]
    assert [c.id for c in frd.acceptance_criteria] == ["AC1", "AC2", "AC3"]
    assert [n.id for n in frd.non_functional] == ["NFR1"]


def test_write_frd_ties_each_criterion_and_story_to_its_feature(scripted_llm) -> None:
    llm, _ = scripted_llm
    frd = wordcount_stages.frd(llm)
    assert [(c.id, c.feature_id, c.text) for c in frd.acceptance_criteria] == [
        ("AC1", "F1", "count_words('a b a') returns {'a': 2, 'b': 1}"),
        ("AC2", "F1", "count_words('Hi, hi!') returns {'hi': 2}"),
        ("AC3", "F2", "top_words('b a b c b a', 2) returns [('b', 3), ('a', 2)]"),
    ]
    assert [(s.id, s.feature_id) for s in frd.user_stories] == [("US1", "F1"), ("US2", "F2")]


def test_write_frd_numbers_stories_on_across_features(scripted_llm, register_script) -> None:
    llm, _ = scripted_llm
    two_stories = {"as_a": "teacher", "i_want": "word counts", "so_that": "I grade essays"}
    reply = json.loads(json.dumps(wordcount.FRD))
    reply["features"][0]["user_stories"].append(two_stories)
    register_script(stages={**wordcount.STAGE_REPLIES, "frd": reply})
    frd = wordcount_stages.frd(llm)
    assert [(s.id, s.feature_id) for s in frd.user_stories] == [
        ("US1", "F1"),
        ("US2", "F1"),
        ("US3", "F2"),
    ]


def test_write_frd_is_bound_by_the_requests_repair_attempts(scripted_llm, register_script) -> None:
    llm, _ = scripted_llm
    no_features = {**wordcount.FRD, "features": []}
    provider = register_script(stages={**wordcount.STAGE_REPLIES, "frd": no_features})
    with pytest.raises(LLMStageError, match="after 2 attempts"):
        wordcount_stages.frd(llm, max_repair_attempts=2)
    assert len(provider.requests_for("frd")) == 2


# Stage 3: requirements


def test_parse_requirements_ties_every_criterion_to_exactly_one_feature(scripted_llm) -> None:
    llm, _ = scripted_llm
    spec = wordcount_stages.requirements_spec(llm)
    assert spec.traceability == {"AC1": "F1", "AC2": "F1", "AC3": "F2"}
    listed = [ac for r in spec.requirements for ac in r.acceptance_criteria]
    assert sorted(listed) == ["AC1", "AC2", "AC3"]  # each once, none left out
    assert {r.feature_id: r.acceptance_criteria for r in spec.requirements} == {
        "F1": ["AC1", "AC2"],
        "F2": ["AC3"],
    }


def test_parse_requirements_keeps_priority_components_and_dependencies(scripted_llm) -> None:
    llm, _ = scripted_llm
    spec = wordcount_stages.requirements_spec(llm)
    assert [(r.id, r.priority, r.components, r.depends_on) for r in spec.requirements] == [
        ("R1", "must", ["count_words"], []),
        ("R2", "should", ["top_words"], ["F1"]),
    ]
    assert spec.components == ["count_words", "top_words"]


def test_parse_requirements_decoding_schema_has_exactly_the_feature_ids_as_keys(
    scripted_llm,
) -> None:
    llm, provider = scripted_llm
    wordcount_stages.requirements_spec(llm)
    response_format = provider.requests_for("requirements_spec")[0].params["response_format"]
    requirements = response_format["json_schema"]["schema"]["properties"]["requirements"]
    assert sorted(requirements["properties"]) == ["F1", "F2"]
    assert requirements["required"] == ["F1", "F2"]
    assert requirements["additionalProperties"] is False
    for fid, other in (("F1", "F2"), ("F2", "F1")):
        depends_on = requirements["properties"][fid]["properties"]["depends_on"]
        assert depends_on["items"]["enum"] == [other]  # never itself


def test_a_requirements_reply_missing_a_feature_is_sent_back_and_the_repair_kept(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    missing_f2 = {"requirements": {"F1": wordcount.REQUIREMENTS["requirements"]["F1"]}}
    replies = [missing_f2, wordcount.REQUIREMENTS]
    provider = register_script(stages={**wordcount.STAGE_REPLIES, "requirements_spec": replies})

    spec = wordcount_stages.requirements_spec(llm)

    first, second = spec.llm.calls
    assert "missing ['F2']" in first.error
    assert second.error is None
    repair_request = provider.requests_for("requirements_spec")[1]
    assert "missing ['F2']" in repair_request.messages[-1]["content"]
    assert [r.feature_id for r in spec.requirements] == ["F1", "F2"]


# Stage 4: project structure


def test_plan_structure_adds_the_package_marker_to_the_planned_module(scripted_llm) -> None:
    llm, _ = scripted_llm
    structure = wordcount_stages.project_structure(llm)
    assert structure.package == "wordcount"
    assert [(f.path, f.kind) for f in structure.files] == [
        ("wordcount/__init__.py", "package_marker"),
        ("wordcount/counter.py", "module"),
    ]


def test_plan_structure_places_files_under_the_package_and_marks_every_folder(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    reply = {
        "package": "wordcount",
        "files": [
            {"path": "counter.py", "purpose": "Count words"},
            {"path": "wordcount/io/reader.py", "purpose": "Read texts from files"},
        ],
    }
    reader = {"wordcount/io/reader.py": {**wordcount.SKETCH, "functions": [READ_TEXT]}}
    files = {**wordcount.FILE_REPLIES["project_structure"], **reader}
    register_script(
        stages={**wordcount.STAGE_REPLIES, "project_structure": reply},
        files={**wordcount.FILE_REPLIES, "project_structure": files},
    )
    structure = wordcount_stages.project_structure(llm)
    assert [(f.path, f.kind) for f in structure.files] == [
        ("wordcount/__init__.py", "package_marker"),
        ("wordcount/counter.py", "module"),
        ("wordcount/io/__init__.py", "package_marker"),
        ("wordcount/io/reader.py", "module"),
    ]


def test_plan_structure_notes_each_requirement_with_its_criteria(scripted_llm) -> None:
    llm, _ = scripted_llm
    structure = wordcount_stages.project_structure(llm)
    assert structure.requirement_notes[1] == (
        "R2 (should) Top words: implement top_words; "
        "top_words('b a b c b a', 2) returns [('b', 3), ('a', 2)]"
    )


def test_plan_structure_plans_each_modules_interface_with_examples(scripted_llm) -> None:
    llm, provider = scripted_llm
    structure = wordcount_stages.project_structure(llm)
    interface = structure.files[1].interface
    assert [f.signature() for f in interface.functions] == [
        "count_words(text: str) -> dict[str, int]",
        "top_words(text: str, n: int) -> list[tuple[str, int]]",
    ]
    assert [(e.call, e.result) for e in interface.functions[1].examples] == [
        ("top_words('b a b c b a', 2)", "[('b', 3), ('a', 2)]")
    ]
    # one request for the files, one for the module's sketch, one per function's examples
    asked = sorted(r.file or "" for r in provider.requests_for("project_structure"))
    assert asked == sorted(["", wordcount.COUNTER, wordcount.COUNT_WORDS, wordcount.TOP_WORDS])


def test_examples_are_decoded_under_a_schema_typed_by_the_signature(scripted_llm) -> None:
    llm, provider = scripted_llm
    wordcount_stages.project_structure(llm)
    [request] = [
        r for r in provider.requests_for("project_structure") if r.file == wordcount.TOP_WORDS
    ]
    schema = request.params["response_format"]["json_schema"]["schema"]
    example = schema["properties"]["examples"]["items"]["properties"]
    text, n = example["args"]["prefixItems"]
    assert (example["args"]["minItems"], example["args"]["maxItems"]) == (2, 2)
    assert text["pattern"].startswith("^('") and n["pattern"] == "^(-?[0-9]+)$"
    assert "raises [A-Z]" in example["result"]["pattern"]


def test_a_sketch_naming_a_type_the_plan_lacks_is_sent_back_and_the_repair_kept(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    wrong = json.loads(json.dumps(wordcount.SKETCH))
    wrong["functions"][0]["returns"] = "WordCounts"
    files = {
        **wordcount.FILE_REPLIES["project_structure"],
        wordcount.COUNTER: [wrong, wordcount.SKETCH],
    }
    register_script(files={**wordcount.FILE_REPLIES, "project_structure": files})
    structure = wordcount_stages.project_structure(llm)
    sketch_calls = [c for c in structure.llm.calls if c.file == wordcount.COUNTER]
    assert "annotation 'WordCounts' names `WordCounts`" in sketch_calls[0].error
    assert structure.files[1].interface.functions[0].returns == "dict[str, int]"


def test_an_example_that_is_not_a_literal_is_left_out_with_the_reason(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    examples = {
        "examples": [
            {"args": ["'a b a'"], "result": "{'a': 2, 'b': 1}"},
            {"args": ["text"], "result": "{}"},
        ]
    }
    files = {**wordcount.FILE_REPLIES["project_structure"], wordcount.COUNT_WORDS: examples}
    register_script(files={**wordcount.FILE_REPLIES, "project_structure": files})
    structure = wordcount_stages.project_structure(llm)
    assert len(structure.files[1].interface.functions[0].examples) == 1
    assert structure.dropped == [
        f"{wordcount.COUNT_WORDS}: argument `text` is not a Python literal"
    ]


# Stage 5: code generation


@pytest.mark.sandbox
def test_generate_code_renders_the_modules_and_asks_one_request_per_body(scripted_llm) -> None:
    llm, provider = scripted_llm
    code = wordcount_stages.code_tree(llm, SANDBOX)
    assert sorted(r.file for r in provider.requests_for("code_tree")) == [
        wordcount.COUNT_WORDS,
        wordcount.TOP_WORDS,
    ]
    counter = code.file("wordcount/counter.py").content
    assert "def count_words(text: str) -> dict[str, int]:" in counter
    assert "from collections import Counter" in counter and "print(" not in counter
    assert code.file("wordcount/__init__.py").content == '"""marks wordcount as a package."""\n'
    assert [(b.qualname, b.examples_passed, len(b.examples)) for b in code.bodies] == [
        ("count_words", 2, 2),
        ("top_words", 1, 1),
    ]


@pytest.mark.sandbox
def test_a_body_that_does_not_parse_is_sent_back_and_the_repair_kept(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    bodies = {**wordcount.FILE_REPLIES["code_tree"]}
    bodies[wordcount.COUNT_WORDS] = [wordcount.BODY_BROKEN, wordcount.COUNT_WORDS_BODY]
    provider = register_script(files={**wordcount.FILE_REPLIES, "code_tree": bodies})

    code = wordcount_stages.code_tree(llm, SANDBOX)

    body = code.bodies[0]
    assert [bool(a.findings) for a in body.attempts] == [True, False]
    assert body.attempts[1].sent_back == body.attempts[0].findings and body.examples_pass
    repair = [r for r in provider.requests_for("code_tree") if r.file == wordcount.COUNT_WORDS][1]
    assert repair.messages[-2]["role"] == "assistant"
    assert "def count_words(text:" in repair.messages[-2]["content"]
    assert "That function is not right yet" in repair.messages[-1]["content"]


@pytest.mark.sandbox
@pytest.mark.parametrize("max_attempts", [1, 2, 4])
def test_a_body_that_never_parses_leaves_its_placeholder_after_max_attempts(
    scripted_llm, register_script, max_attempts: int
) -> None:
    llm, _ = scripted_llm
    bodies = {**wordcount.FILE_REPLIES["code_tree"], wordcount.COUNT_WORDS: wordcount.BODY_BROKEN}
    provider = register_script(files={**wordcount.FILE_REPLIES, "code_tree": bodies})

    code = wordcount_stages.code_tree(llm, SANDBOX, max_repair_attempts=max_attempts)

    asked = [r for r in provider.requests_for("code_tree") if r.file == wordcount.COUNT_WORDS]
    assert len(asked) == max_attempts
    body = code.bodies[0]
    assert not body.written and [a.round for a in body.attempts] == list(range(1, max_attempts + 1))
    assert 'raise NotImplementedError("count_words")' in code.file("wordcount/counter.py").content


@pytest.mark.sandbox
def test_each_repair_carries_only_the_latest_attempt_so_the_context_stays_bounded(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    bodies = {**wordcount.FILE_REPLIES["code_tree"], wordcount.COUNT_WORDS: wordcount.BODY_BROKEN}
    provider = register_script(files={**wordcount.FILE_REPLIES, "code_tree": bodies})
    wordcount_stages.code_tree(llm, SANDBOX, max_repair_attempts=4)
    sizes = [
        len(r.messages)
        for r in provider.requests_for("code_tree")
        if r.file == wordcount.COUNT_WORDS
    ]
    assert sizes == [sizes[0], sizes[0] + 2, sizes[0] + 2, sizes[0] + 2]


# Stage 8: test plan


def test_plan_tests_makes_each_criterion_a_call_of_a_planned_function(scripted_llm) -> None:
    llm, _ = scripted_llm
    plan = wordcount_stages.plan_of_tests(llm)
    assert [(c.id, c.criterion_id, c.feature_id, c.target, c.call) for c in plan.cases] == [
        ("TC1", "AC1", "F1", wordcount.COUNT_WORDS, "count_words('a b a')"),
        ("TC2", "AC2", "F1", wordcount.COUNT_WORDS, "count_words('Hi, hi!')"),
        ("TC3", "AC3", "F2", wordcount.TOP_WORDS, "top_words('b a b c b a', 2)"),
    ]
    assert plan.cases[2].result == "[('b', 3), ('a', 2)]" and plan.untestable == []


def test_plan_tests_decoding_schema_requires_every_criterion_and_a_planned_function(
    scripted_llm,
) -> None:
    llm, provider = scripted_llm
    wordcount_stages.plan_of_tests(llm)
    first = next(r for r in provider.requests_for("test_plan") if r.file is None)
    targets = first.params["response_format"]["json_schema"]["schema"]["properties"]["targets"]
    assert targets["required"] == ["AC1", "AC2", "AC3"]
    assert targets["properties"]["AC1"]["enum"] == [
        "wordcount.counter.count_words",
        "wordcount.counter.top_words",
    ]


def test_a_case_aimed_at_an_unknown_function_is_repaired(scripted_llm, register_script) -> None:
    llm, _ = scripted_llm
    wrong = json.loads(json.dumps(wordcount.CASE_TARGETS))
    wrong["targets"]["AC3"] = "most_common"
    register_script(
        stages={**wordcount.STAGE_REPLIES, "test_plan": [wrong, wordcount.CASE_TARGETS]}
    )
    plan = wordcount_stages.plan_of_tests(llm)
    assert "'most_common' is not one of" in plan.llm.calls[0].error
    assert plan.cases[2].target == wordcount.TOP_WORDS


def test_a_criterion_with_no_valid_case_is_listed_as_untestable(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    cases = {"cases": {"AC3": {"args": ["words"], "result": "[]"}}}
    files = {**wordcount.FILE_REPLIES["test_plan"], wordcount.TOP_WORDS: cases}
    register_script(files={**wordcount.FILE_REPLIES, "test_plan": files})
    plan = wordcount_stages.plan_of_tests(llm)
    assert [c.criterion_id for c in plan.cases] == ["AC1", "AC2"]
    assert plan.untestable[0].startswith("AC3: no valid case for wordcount.counter.top_words")


# Stage 9: test suite


@pytest.mark.sandbox
def test_build_test_suite_renders_and_runs_a_test_per_example_and_case(scripted_llm) -> None:
    llm, provider = scripted_llm
    plan = wordcount_stages.plan_of_tests(llm)
    code = wordcount_stages.code_tree(llm, SANDBOX)

    suite = build_test_suite(plan, code, NO_DEPENDENCIES, llm, SANDBOX)

    assert (suite.run.passed, suite.run.failed, suite.run.errors) == (6, 0, 0)
    assert suite.run.ok, suite.run.summary
    assert [t.path for t in suite.project.tests] == [wordcount.TEST_FILE]
    assert provider.requests_for("test_suite") == []  # our code writes the tests
    assert "def test_top_words_tc3_ac3():\n    assert top_words('b a b c b a', 2) == " in (
        suite.project.tests[0].content
    )
    assert suite.case_count == 3


@pytest.mark.sandbox
def test_a_body_a_case_finds_wrong_goes_back_with_the_failing_call_and_is_repaired(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    lower_only = "def count_words(text):\n    words = text.split()\n"
    lower_only += "    return {w: words.count(w) for w in words}\n"
    repairs = {wordcount.COUNT_WORDS: wordcount.COUNT_WORDS_BODY}
    bodies = {**wordcount.FILE_REPLIES["code_tree"], wordcount.COUNT_WORDS: lower_only}
    provider = register_script(
        files={**wordcount.FILE_REPLIES, "code_tree": bodies, "test_suite": repairs}
    )
    plan = wordcount_stages.plan_of_tests(llm)
    code = wordcount_stages.code_tree(llm, SANDBOX)
    assert code.bodies[0].examples_pass  # the planned examples did not show the mistake

    suite = build_test_suite(plan, code, NO_DEPENDENCIES, llm, SANDBOX)

    assert suite.first_run_summary.startswith("5 passed, 1 failed")
    [repair] = provider.requests_for("test_suite")
    assert (
        "`count_words('Hi, hi!')` should be {'hi': 2} but returned"
        in repair.messages[-1]["content"]
    )
    assert suite.run.ok and suite.code_validation is not None
    assert [b.qualname for b in suite.repaired_bodies] == ["count_words"]


# Stage 12: docs


def suite_with(run: TestRun) -> TestSuite:
    sources = [
        SourceFile(path="wordcount/__init__.py", content='"""marks wordcount as a package."""\n'),
        SourceFile(path="wordcount/counter.py", content=COUNTER_SOURCE),
    ]
    return TestSuite(
        request_id=wordcount_stages.REQUEST_ID,
        project=ProjectTree(package="wordcount", sources=sources, tests=[]),
        requirements_txt="",
        run=run,
        case_count=3,
    )


def run_of(*outcomes: str) -> TestRun:
    tests = [TestCaseResult(name=f"test_{i}", outcome=o) for i, o in enumerate(outcomes)]
    return TestRun(
        passed=outcomes.count("passed"),
        failed=outcomes.count("failed"),
        exit_code=1 if "failed" in outcomes else 0,
        tests=tests,
    )


def readme(llm, manifest: DependencyManifest = NO_DEPENDENCIES, run: TestRun | None = None) -> str:
    frd = wordcount_stages.frd(llm)
    docs = write_docs(frd, suite_with(run or run_of("passed", "passed", "passed")), manifest, llm)
    return docs.files["README.md"]


def section(markdown: str, title: str) -> str:
    """The body of one ``## title`` section."""
    after = markdown.split(f"\n## {title}\n", 1)[1]
    return after.split("\n## ", 1)[0].strip()


def test_write_docs_readme_opens_with_the_title_and_the_llms_overview(scripted_llm) -> None:
    llm, _ = scripted_llm
    text = readme(llm)
    assert text.startswith(f"# Word counter\n\n{wordcount.DOCS['overview']}\n")
    assert section(text, "Usage") == wordcount.DOCS["usage"]


def test_write_docs_readme_lists_the_features_with_their_criteria(scripted_llm) -> None:
    llm, _ = scripted_llm
    assert section(readme(llm), "Features").splitlines() == [
        "- **Count words**: Count each word of a text, ignoring case and punctuation.",
        "  - AC1: count_words('a b a') returns {'a': 2, 'b': 1}",
        "  - AC2: count_words('Hi, hi!') returns {'hi': 2}",
        "- **Top words**: List the most frequent words, most frequent first.",
        "  - AC3: top_words('b a b c b a', 2) returns [('b', 3), ('a', 2)]",
    ]


def test_write_docs_readme_says_standard_library_only_without_dependencies(scripted_llm) -> None:
    llm, _ = scripted_llm
    assert section(readme(llm), "Installation") == (
        "Standard library only: no third-party packages are needed."
    )


def test_write_docs_readme_lists_the_pinned_requirements(scripted_llm) -> None:
    llm, _ = scripted_llm
    yaml = Dependency(
        import_name="yaml",
        distribution="PyYAML",
        version="6.0.1",
        version_source="installed",
        resolved=True,
        source="curated",
    )
    manifest = DependencyManifest(package="wordcount", dependencies=[yaml])
    installation = section(readme(llm, manifest), "Installation")
    assert "pip install -r requirements.txt" in installation
    assert installation.endswith("- `PyYAML==6.0.1`")


def test_write_docs_readme_reports_the_test_run_as_it_was(scripted_llm) -> None:
    llm, _ = scripted_llm
    text = readme(llm, run=run_of("passed", "passed", "failed"))
    assert section(text, "Tests") == (
        "`python -m pytest` ran 3 tests: 2 passed, 1 failed, 0 errors, 0 skipped."
    )


def test_write_docs_readme_lists_the_non_functional_requirements(scripted_llm) -> None:
    llm, _ = scripted_llm
    assert section(readme(llm), "Non-functional requirements").startswith(
        "- NFR1: Uses only the standard library"
    )


def test_write_docs_api_reference_lists_public_functions_by_module(scripted_llm) -> None:
    llm, _ = scripted_llm
    frd = wordcount_stages.frd(llm)
    api = write_docs(frd, suite_with(run_of("passed")), NO_DEPENDENCIES, llm).files["API.md"]
    assert "## `wordcount.counter`" in api
    assert (
        "- `top_words(text: str, n: int)` (function, wordcount/counter.py:12): "
        "The n most frequent words with their counts, most frequent first." in api
    )


def test_a_module_no_interface_could_be_planned_for_is_left_out_and_said_so(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    reply = {
        "package": "wordcount",
        "files": [
            {"path": "wordcount/counter.py", "purpose": "Count words"},
            {"path": "wordcount/reader.py", "purpose": "Read texts"},
        ],
    }
    empty = {"imports": ["file"], "functions": [], "classes": []}
    files = {**wordcount.FILE_REPLIES["project_structure"], "wordcount/reader.py": empty}
    register_script(
        stages={**wordcount.STAGE_REPLIES, "project_structure": reply},
        files={**wordcount.FILE_REPLIES, "project_structure": files},
    )
    structure = wordcount_stages.project_structure(llm)
    assert [f.path for f in structure.modules] == ["wordcount/counter.py"]
    assert any(
        d.startswith("wordcount/reader.py: module dropped, no module interface")
        for d in structure.dropped
    )


def test_criteria_the_model_never_aims_at_a_planned_function_are_all_untestable(
    scripted_llm, register_script
) -> None:
    llm, _ = scripted_llm
    wrong = {"targets": {"AC1": "nowhere"}}
    register_script(stages={**wordcount.STAGE_REPLIES, "test_plan": wrong})
    plan = wordcount_stages.plan_of_tests(llm)
    assert plan.cases == [] and len(plan.untestable) == 3
    assert plan.untestable[0].startswith("AC1: no planned function was named for it")
