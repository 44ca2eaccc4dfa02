"""Re-executing a failed run from failure pays for nothing twice, counted on the server.

A run fails inside ``code_tree``: the second module's body request never gets an answer (a
permanent ``timeout`` on the fake OpenAI server) after the first module's bodies arrived.
Dagster's re-execution from failure, on the same instance and with the fault gone, then
completes, and the server's request log shows no request for the stages that had succeeded
and none for the bodies whose answers had already arrived."""

from pathlib import Path

import dagster as dg
import pytest

from quantumlayer_cli.local_run import submit_local
from quantumlayer_dagster.artifacts.code import CodeTree
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.definitions import build_definitions
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.stages.registry import JOB_NAME, PARTITIONS
from quantumlayer_dagster.store.keys import asset_key, capsule_key
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fixtures import wordcount
from tests.fixtures.fake_llm import llm_config_yaml

pytestmark = [pytest.mark.sandbox, pytest.mark.server, pytest.mark.slow]

FIRST, SECOND = "wordcount/counter.py", "wordcount/ranking.py"

TWO_MODULES = {
    "package": "wordcount",
    "files": [
        {"path": FIRST, "purpose": "Count words"},
        {"path": SECOND, "purpose": "Rank the most frequent words", "uses": [FIRST]},
    ],
}

MOST_FREQUENT = f"{SECOND}::most_frequent"
RANKING_SKETCH = {
    "imports": [],
    "functions": [
        {
            "name": "most_frequent",
            "params": [{"name": "text", "type": "str"}],
            "returns": "str",
            "contract": "The most frequent word of the text.",
        }
    ],
    "classes": [],
}
RANKING_EXAMPLES = {"examples": [{"args": ["'b a b'"], "result": "'b'"}]}
MOST_FREQUENT_BODY = """```python
def most_frequent(text):
    counts = count_words(text)
    return max(counts, key=counts.get)
```"""

BEFORE_CODE = ("enhanced_prompt", "frd", "requirements_spec", "project_structure")
"""LLM stages that succeed in the first run (test_plan may too: it does not need code)."""

# The job's executor is in-process by default (QL_EXECUTOR); only the log level is set.
IN_PROCESS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def generate_project() -> dg.JobDefinition:
    """The job, rebuilt from the environment (``QL_HOME``, ``QL_LLM_CONFIG``) for
    ``execute_job``, which needs a reconstructable pointer to it."""
    return build_definitions(Settings.from_env()).resolve_job_def(JOB_NAME)


@pytest.fixture
def server() -> FakeOpenAIServer:
    replies = {**wordcount.STAGE_REPLIES, "project_structure": TWO_MODULES}
    planning = {
        **wordcount.FILE_REPLIES["project_structure"],
        SECOND: RANKING_SKETCH,
        MOST_FREQUENT: RANKING_EXAMPLES,
    }
    code = {**wordcount.FILE_REPLIES["code_tree"], MOST_FREQUENT: MOST_FREQUENT_BODY}
    files = {**wordcount.FILE_REPLIES, "project_structure": planning, "code_tree": code}
    with FakeOpenAIServer(replies, files) as fake:
        yield fake


@pytest.fixture
def settings(
    tmp_path: Path, server: FakeOpenAIServer, fake_llm_key: str, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """The fake server with the response cache in the artifact store, one call in flight at
    a time inside a stage (so the first module's answer arrives before the second module's
    request hangs), exported for ``generate_project``."""
    config = tmp_path / "llm.yaml"
    config.write_text(
        llm_config_yaml(
            server.base_url,
            cache="store",
            retries={"timeout": 0, "default": 0},
            concurrency={"max_parallel_calls": 1},
        )
    )
    home = tmp_path / "home"
    monkeypatch.setenv("QL_HOME", str(home))
    monkeypatch.setenv("QL_LLM_CONFIG", str(config))
    monkeypatch.setenv("QL_MEMORY", "off")
    return Settings.from_env()


def test_reexecution_from_failure_repeats_no_answered_call(
    settings: Settings, instance: dg.DagsterInstance, server: FakeOpenAIServer
) -> None:
    job = dg.reconstructable(generate_project)
    rid = submit_local(settings, wordcount.PROMPT, RequestOptions(), "test")
    instance.add_dynamic_partitions(PARTITIONS, [rid])
    server.fail("timeout", "code_tree", file=MOST_FREQUENT, times=None)

    partition = {"dagster/partition": rid}
    first = dg.execute_job(job, instance, IN_PROCESS, tags=partition)
    assert not first.success
    failed = {e.step_key for e in first.all_events if e.is_step_failure}
    assert failed == {"code_tree"}
    answered = [r for r in server.requests if r.fault is None]
    assert {r.file for r in answered if r.stage == "code_tree"} == {
        wordcount.COUNT_WORDS,
        wordcount.TOP_WORDS,
    }
    assert {r.stage for r in answered} >= set(BEFORE_CODE)
    seen_before = len(server.requests)

    server.clear_faults()
    options = dg.ReexecutionOptions.from_failure(first.run_id, instance)
    # execute_job does not carry the parent's partition tag over; the UI's re-execution does.
    again = dg.execute_job(job, instance, IN_PROCESS, tags=partition, reexecution_options=options)
    assert again.success

    resumed = server.requests[seen_before:]
    answered_stages = {r.stage for r in answered if r.stage != "code_tree"}
    assert not [r for r in resumed if r.stage in answered_stages]
    assert [r.file for r in resumed if r.stage == "code_tree"] == [MOST_FREQUENT]
    # The stages that never ran before did call the server: the log is not just empty.
    assert {r.stage for r in resumed} >= {"docs"}

    store = LocalDirStore(settings.artifacts_dir)
    tree = CodeTree.model_validate_json(store.get_bytes(asset_key(rid, "code_tree")))
    assert [f.path for f in tree.files] == ["wordcount/__init__.py", FIRST, SECOND]
    assert store.exists(capsule_key(rid))
