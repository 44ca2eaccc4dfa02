"""Stage 12: documentation: README (overview and usage by the LLM, the rest derived from the
artifacts, so it cannot contradict them) and an API reference read from the code."""

from quantumlayer_dagster.analysis.code_index import Definition, public_definitions
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.artifacts.docs import Docs, DocsDraft
from quantumlayer_dagster.artifacts.frd import FRD
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.test_suite import TestSuite
from quantumlayer_dagster.generation.node_interfaces import node_definitions
from quantumlayer_dagster.llm.protocol import LLM
from quantumlayer_dagster.prompts import load_template

STAGE = "docs"


def write_docs(frd: FRD, suite: TestSuite, manifest: DependencyManifest, llm: LLM) -> Docs:
    """README.md and API.md for the generated project."""
    sources = suite.project.sources
    definitions = public_definitions(sources) + node_definitions(sources)
    features = "\n".join(f"- {f.name}: {f.description}" for f in frd.features)
    api = "\n".join(f"- {d.module}.{d.signature}: {d.doc}" for d in definitions) or "- (none)"
    messages = load_template("docs").messages(title=frd.title, features=features, api=api)
    draft, calls = llm.complete_json(
        STAGE, messages, DocsDraft, max_attempts=frd.brief.options.max_repair_attempts
    )
    return Docs(
        request_id=frd.request_id,
        files={
            "README.md": _readme(frd, suite, manifest, draft),
            "API.md": _api_reference(suite.project.package, definitions),
        },
        llm=LLMUsage(calls=calls),
    )


def _readme(frd: FRD, suite: TestSuite, manifest: DependencyManifest, draft: DocsDraft) -> str:
    run = suite.run
    lines = [f"# {frd.title}", "", draft.overview, "", "## Features", ""]
    for f in frd.features:
        lines.append(f"- **{f.name}**: {f.description}")
        lines += [f"  - {c.id}: {c.text}" for c in frd.criteria_of(f.id)]
    requirements = [
        ln for ln in manifest.requirements_txt().splitlines() if ln.strip() and ln[0] != "#"
    ]
    lines += ["", "## Installation", ""]
    if run.runner == "node":
        # a Node package: its package.json names the dependencies and the test script
        lines += ["```", "npm install", "npm test", "```"]
    elif requirements:
        lines += ["```", "pip install -r requirements.txt", "```", "", "Requirements:", ""]
        lines += [f"- `{r}`" for r in requirements]
    else:
        lines.append("Standard library only: no third-party packages are needed.")
    lines += ["", "## Usage", "", draft.usage, "", "## Tests", ""]
    command = "node --test" if run.runner == "node" else "python -m pytest"
    lines.append(
        f"`{command}` ran {len(run.tests)} tests: {run.passed} passed, {run.failed} failed, "
        f"{run.errors} errors, {run.skipped} skipped" + (" (timed out)." if run.timed_out else ".")
    )
    if frd.non_functional:
        lines += ["", "## Non-functional requirements", ""]
        lines += [f"- {n.id}: {n.text}" for n in frd.non_functional]
    lines += ["", "See API.md for the public functions and classes.", ""]
    return "\n".join(lines)


def _api_reference(package: str, definitions: list[Definition]) -> str:
    lines = [f"# `{package}` API", ""]
    if not definitions:
        lines.append("No public functions or classes were found in modules that parse.")
    module = None
    for d in sorted(definitions, key=lambda d: (d.module, d.line)):
        if d.module != module:
            module = d.module
            lines += ["", f"## `{module}`", ""]
        lines.append(
            f"- `{d.signature}` ({d.kind}, {d.path}:{d.line}){': ' + d.doc if d.doc else ''}"
        )
    return "\n".join(lines) + "\n"
