"""Budgets cannot be escaped: steps of one request running in separate processes (or pods)
reserve from one shared ledger atomically, so together they never pass the limit; calls the
Router retried or failed over are counted; a USD budget over an unpriced model is refused."""

import multiprocessing
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from quantumlayer_dagster.artifacts.request import new_request_id
from quantumlayer_dagster.llm.budget import BudgetExceeded, RequestBudget
from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import LLMConfigError, load_llm_config
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.llm.spend_ledger import Spend, SpendRefused
from quantumlayer_dagster.store.spend_ledger_sql import SqlSpendLedger
from resources.spend_ledger import instance_spend_ledger
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fixtures.fake_llm import llm_config_yaml
from tests.fixtures.ledger_race import reserve_at
from tests.fixtures.postgres import PostgresDatabase, fresh_postgres_database
from tests.fixtures.race_pool import terminable

pytestmark = [pytest.mark.server, pytest.mark.slow]  # Postgres, fake LLM server, processes

REQUEST = "r20260101000000-0badf00d"
PROCESSES = 8
CALL_TOKENS = 10
LIMIT_TOKENS = 35  # room for three calls, not four


@pytest.fixture(scope="module")
def database() -> Iterator[PostgresDatabase]:
    with fresh_postgres_database() as db:
        yield db


@pytest.fixture(params=["postgres", "sqlite"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "spend.db")
    db: PostgresDatabase = request.getfixturevalue("database")
    return f"postgresql+psycopg2://{db.user}@{db.host}:{db.port}/{db.name}"


def test_concurrent_processes_cannot_together_overspend_one_requests_budget(
    ledger_url: str,
) -> None:
    request = new_request_id()
    SqlSpendLedger(ledger_url, request).total()  # the table exists before the race
    # Separate interpreters, as steps in separate processes or pods; all start together.
    start_at = time.time() + 5
    args = (ledger_url, request, CALL_TOKENS, LIMIT_TOKENS, start_at)
    with multiprocessing.get_context("spawn").Pool(PROCESSES, initializer=terminable) as pool:
        granted = pool.starmap(reserve_at, [args] * PROCESSES)
    assert sum(granted) == LIMIT_TOKENS // CALL_TOKENS
    assert SqlSpendLedger(ledger_url, request).total().tokens == 3 * CALL_TOKENS
    # Another request's ledger is untouched.
    assert SqlSpendLedger(ledger_url, new_request_id()).total() == Spend()


def test_a_settled_call_frees_its_unused_estimate_for_the_next_call(ledger_url: str) -> None:
    ledger = SqlSpendLedger(ledger_url, new_request_id())
    entry = ledger.reserve(Spend(30, 0.0), LIMIT_TOKENS, None)
    with pytest.raises(SpendRefused):
        ledger.reserve(Spend(CALL_TOKENS, 0.0), LIMIT_TOKENS, None)
    ledger.settle(entry, Spend(12, 0.0))
    ledger.reserve(Spend(CALL_TOKENS, 0.0), LIMIT_TOKENS, None)
    assert ledger.total().tokens == 22


def client_on(server: FakeOpenAIServer, tmp_path: Path, ledger: SqlSpendLedger) -> LiteLLMClient:
    path = tmp_path / "llm.yaml"
    path.write_text(llm_config_yaml(server.base_url, key_env=None, budget={"max_tokens": 100_000}))
    config = load_llm_config(path, env={})
    return LiteLLMClient(config, budget=RequestBudget(config.budget, ledger=ledger), env={})


def prompt() -> list[dict[str, str]]:
    return [{"role": "user", "content": "x" * 400}]  # estimated at 100 prompt tokens


def test_a_call_the_router_retried_is_charged_for_the_retried_attempt_too(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    ledger = SqlSpendLedger(str(tmp_path / "spend.db"), REQUEST)
    llm = client_on(fake_openai, tmp_path, ledger)
    fake_openai.fail("500", "docs", times=1)
    _, call = llm.complete_text("docs", prompt())
    assert call.retries == 1
    assert [r.fault for r in fake_openai.requests_for("docs")] == ["500", None]
    assert ledger.total().tokens == call.tokens_in + call.tokens_out + 100


def test_a_call_that_failed_after_every_retry_still_charges_the_prompt_it_sent(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    ledger = SqlSpendLedger(str(tmp_path / "spend.db"), REQUEST)
    llm = client_on(fake_openai, tmp_path, ledger)
    fake_openai.fail("500", "docs", times=10)
    with pytest.raises(LLMStageError):
        llm.complete_text("docs", prompt())
    assert ledger.total().tokens >= 100


def test_a_budget_refusal_from_the_shared_ledger_names_the_stage_and_the_fix(
    tmp_path: Path,
) -> None:
    ledger = SqlSpendLedger(str(tmp_path / "spend.db"), REQUEST)
    ledger.reserve(Spend(900, 0.0), None, None)  # another step's call, in flight elsewhere
    path = tmp_path / "llm.yaml"
    path.write_text(
        llm_config_yaml("http://127.0.0.1:9", key_env=None, budget={"max_tokens": 1000})
    )
    config = load_llm_config(path, env={})
    llm = LiteLLMClient(config, budget=RequestBudget(config.budget, ledger=ledger), env={})
    with pytest.raises(BudgetExceeded) as caught:
        llm.complete_text("docs", prompt())
    assert "900 tokens spent by this request" in str(caught.value)
    assert "raise budget.max_tokens" in str(caught.value)


def test_a_usd_budget_over_a_model_without_a_known_price_is_refused_at_load(
    tmp_path: Path,
) -> None:
    path = tmp_path / "llm.yaml"
    path.write_text(
        llm_config_yaml(
            "https://llm.example.com/v1", key_env=None, budget={"max_usd": 1.0}
        ).replace("openai/fake-model", "openai/ql-unpriced-model-7")
    )
    with pytest.raises(LLMConfigError) as caught:
        load_llm_config(path, env={})
    message = str(caught.value)
    assert "\n" not in message
    assert "no price is known for openai/ql-unpriced-model-7" in message
    assert "input_cost_per_token" in message


def test_runs_on_a_persistent_instance_get_a_shared_ledger(
    tmp_path: Path, database: PostgresDatabase
) -> None:
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "home")) as sqlite_instance:
        ledger = instance_spend_ledger(sqlite_instance, REQUEST)
        assert isinstance(ledger, SqlSpendLedger)
        assert "sqlite" in repr(ledger)
    url = f"postgresql+psycopg2://{database.user}@{database.host}:{database.port}/{database.name}"
    (tmp_path / "pg").mkdir()
    (tmp_path / "pg" / "dagster.yaml").write_text(
        f"storage:\n  postgres:\n    postgres_url: {url}\ntelemetry:\n  enabled: false\n"
    )
    pg = dg.DagsterInstance.from_config(str(tmp_path / "pg"))
    try:
        ledger = instance_spend_ledger(pg, REQUEST)
        assert isinstance(ledger, SqlSpendLedger)
        assert "postgres" in repr(ledger)
    finally:
        pg.dispose()
    assert instance_spend_ledger(dg.DagsterInstance.ephemeral(), REQUEST) is None
