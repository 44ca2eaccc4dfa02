"""A tenant's budget over a window cannot be escaped by spreading its calls over requests and
processes: requests of one tenant reserve in the shared ledger atomically against the
window's limit, so together they never pass it; another tenant spends from its own; the
stop is its own kind of budget stop, one line naming the tenant, the window and the limit."""

import multiprocessing
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from quantumlayer_cli import EXIT_FAILED, main
from quantumlayer_dagster.artifacts.request import new_request_id
from quantumlayer_dagster.llm.budget import RequestBudget, TenantBudgetExceeded
from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import PACKAGED_LLM_CONFIG, load_llm_config
from quantumlayer_dagster.llm.spend_ledger import Spend
from quantumlayer_dagster.llm.tenant_budget import (
    TenantBudgets,
    TenantLimits,
    TenantSpendRefused,
)
from quantumlayer_dagster.settings import Settings, SettingsError
from quantumlayer_dagster.store.spend_ledger_sql import SqlSpendLedger
from resources.spend_ledger import instance_spend_ledger
from tests.fixtures import wordcount
from tests.fixtures.fake_llm import llm_config_yaml
from tests.fixtures.ledger_race import reserve_for_tenant_at
from tests.fixtures.postgres import PostgresDatabase, fresh_postgres_database
from tests.fixtures.race_pool import terminable

pytestmark = [pytest.mark.server, pytest.mark.slow]  # Postgres, processes

PROCESSES = 8
CALL_TOKENS = 10
WINDOW_TOKENS = 35  # room for three calls of the tenant, not four


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


def tenant_ledger(url: str, tenant: str, limit: int = WINDOW_TOKENS) -> SqlSpendLedger:
    budgets = TenantBudgets(tenants={tenant: TenantLimits(max_tokens=limit)})
    return SqlSpendLedger(url, new_request_id(), tenant, budgets.window_for(tenant))


def test_concurrent_requests_of_one_tenant_never_spend_past_its_windows_limit(
    ledger_url: str,
) -> None:
    tenant = f"acme{time.monotonic_ns() % 10**6}"  # fresh in the module's shared database
    SqlSpendLedger(ledger_url, new_request_id(), tenant).total()  # the table exists first
    # Separate interpreters, each a different request of the tenant; all start together.
    start_at = time.time() + 5
    args = [
        (ledger_url, new_request_id(), tenant, CALL_TOKENS, WINDOW_TOKENS, start_at)
        for _ in range(PROCESSES)
    ]
    with multiprocessing.get_context("spawn").Pool(PROCESSES, initializer=terminable) as pool:
        granted = pool.starmap(reserve_for_tenant_at, args)
    assert sum(granted) == WINDOW_TOKENS // CALL_TOKENS
    assert tenant_ledger(ledger_url, tenant).tenant_total().tokens == 3 * CALL_TOKENS
    # Another tenant, with the same limit, is unaffected: its whole window is still free.
    other = tenant_ledger(ledger_url, f"globex{time.monotonic_ns() % 10**6}")
    for _ in range(3):
        other.reserve(Spend(CALL_TOKENS, 0.0), None, None)
    assert other.tenant_total().tokens == 3 * CALL_TOKENS


def test_a_request_within_its_own_budget_is_still_stopped_by_its_tenants_window(
    ledger_url: str,
) -> None:
    tenant = f"initech{time.monotonic_ns() % 10**6}"
    first = tenant_ledger(ledger_url, tenant)
    entry = first.reserve(Spend(30, 0.0), 1000, None)
    second = tenant_ledger(ledger_url, tenant)
    with pytest.raises(TenantSpendRefused) as refused:
        second.reserve(Spend(CALL_TOKENS, 0.0), 1000, None)
    assert refused.value.tenant == tenant
    assert second.total() == Spend()  # nothing of the refused call was recorded
    # The first request's call settles below its estimate: the tenant's next call fits.
    first.settle(entry, Spend(12, 0.0))
    second.reserve(Spend(CALL_TOKENS, 0.0), 1000, None)
    assert second.tenant_total().tokens == 22


def test_spending_of_an_earlier_window_does_not_count(tmp_path: Path) -> None:
    url = str(tmp_path / "spend.db")
    ledger = tenant_ledger(url, "acme")
    ledger.total()
    with sqlite3.connect(url) as db:  # yesterday the tenant spent its whole limit
        db.execute(
            "INSERT INTO ql_llm_spend (entry, request_id, tokens, usd, settled, reserved_at, "
            "tenant) VALUES ('old', 'r-old', 35, 0, 1, '2020-01-01T12:00:00.000000+00:00', "
            "'acme')"
        )
    ledger.reserve(Spend(30, 0.0), None, None)
    assert ledger.tenant_total().tokens == 30


def test_a_ledger_made_before_tenants_gains_the_tenant_column_its_rows_shared(
    tmp_path: Path,
) -> None:
    url = str(tmp_path / "spend.db")
    with sqlite3.connect(url) as db:
        db.execute(
            "CREATE TABLE ql_llm_spend (entry VARCHAR(64) PRIMARY KEY, request_id VARCHAR(200) "
            "NOT NULL, tokens BIGINT NOT NULL, usd DOUBLE PRECISION NOT NULL, settled INTEGER "
            "NOT NULL, reserved_at VARCHAR(40) NOT NULL)"
        )
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        db.execute("INSERT INTO ql_llm_spend VALUES ('e1', 'r-old', 20, 0, 1, ?)", (now,))
    shared = tenant_ledger(url, "shared", limit=25)
    with pytest.raises(TenantSpendRefused):
        shared.reserve(Spend(CALL_TOKENS, 0.0), None, None)
    tenant_ledger(url, "acme", limit=25).reserve(Spend(CALL_TOKENS, 0.0), None, None)


def test_a_tenant_budget_stop_is_one_line_naming_the_tenant_the_window_and_the_limit(
    tmp_path: Path,
) -> None:
    url = str(tmp_path / "spend.db")
    tenant_ledger(url, "acme", limit=1000).reserve(Spend(900, 0.0), None, None)  # elsewhere
    path = tmp_path / "llm.yaml"
    path.write_text(llm_config_yaml("http://127.0.0.1:9", key_env=None))  # no request limit
    config = load_llm_config(path, env={})
    ledger = tenant_ledger(url, "acme", limit=1000)
    llm = LiteLLMClient(config, budget=RequestBudget(config.budget, ledger=ledger), env={})
    with pytest.raises(TenantBudgetExceeded) as caught:
        llm.complete_text("docs", [{"role": "user", "content": "x" * 400}])
    message = str(caught.value)
    assert "\n" not in message
    start = datetime.now(UTC)
    assert "tenant 'acme' budget exceeded: 900 tokens spent" in message
    assert f"window {start:%Y-%m-%d} 00:00 to " in message and "UTC (1 day)" in message
    assert "over its limit of 1000 tokens" in message
    assert "QL_TENANT_BUDGETS" in message
    assert caught.value.tenant == "acme" and caught.value.limit == "1000 tokens"


def test_the_window_is_a_utc_day_by_default_and_configurable() -> None:
    window = TenantBudgets(default=TenantLimits(max_usd=5.0)).window_for("anyone")
    assert window is not None and window.window_s == 24 * 3600
    start, end = window.bounds(datetime(2026, 12, 6, 10, 49, tzinfo=UTC))
    assert (start, end) == (datetime(2026, 12, 6, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC))
    hourly = TenantBudgets(window_s=3600, tenants={"acme": TenantLimits(max_tokens=9)})
    acme = hourly.window_for("acme")
    assert acme is not None
    assert acme.bounds(datetime(2026, 12, 6, 10, 49, tzinfo=UTC))[0].hour == 10
    assert hourly.window_for("globex") is None  # no default limit: unlimited


def test_tenant_budgets_come_from_the_settings_with_a_default_and_per_tenant_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QL_TENANT_BUDGET_WINDOW_S", "3600")
    monkeypatch.setenv("QL_TENANT_MAX_TOKENS", "50000")
    monkeypatch.setenv("QL_TENANT_BUDGETS", '{"acme": {"max_usd": 2.5}}')
    budgets = Settings.from_env().tenant_budgets
    acme, other = budgets.window_for("acme"), budgets.window_for("globex")
    assert acme is not None and acme.limits == TenantLimits(max_usd=2.5)
    assert other is not None and other.limits == TenantLimits(max_tokens=50000)
    assert other.window_s == 3600


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ('{"../acme": {"max_usd": 2.5}}', "'../acme' is not a tenant name"),
        ('{"acme": {"max_usd": -1}}', "tenant acme: max_usd:"),
        ('{"acme": {"max_tokns": 5}}', "tenant acme: max_tokns:"),
        ("acme=5", "not JSON"),
    ],
)
def test_bad_tenant_budgets_are_refused_in_one_line_naming_the_variable(
    value: str, said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QL_TENANT_BUDGETS", value)
    with pytest.raises(SettingsError) as caught:
        Settings.from_env()
    message = str(caught.value)
    assert message.startswith("QL_TENANT_BUDGETS=") and said in message and "\n" not in message


def test_runs_get_a_ledger_with_their_tenants_window(tmp_path: Path) -> None:
    window = TenantBudgets(tenants={"acme": TenantLimits(max_tokens=5)}).window_for("acme")
    unlimited_request = load_llm_config(PACKAGED_LLM_CONFIG, env={}).budget
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        ledger = instance_spend_ledger(instance, new_request_id(), "acme", window)
        assert isinstance(ledger, SqlSpendLedger)
        assert ledger.enforces_tenant_budget and ledger.tenant == "acme"
        # The request has no limit of its own, yet every call is reserved for the tenant.
        assert RequestBudget(unlimited_request, ledger=ledger).enabled
        assert not RequestBudget(unlimited_request).enabled


def test_quantumlayer_run_stops_at_the_tenants_window_budget_with_one_line(
    tmp_path: Path, settings: Settings, register_script, monkeypatch, capsys
) -> None:
    # The whole way: the settings, the Definitions, the LLM resource, the instance's ledger.
    register_script()
    monkeypatch.setenv("QL_HOME", str(settings.home))
    monkeypatch.setenv("QL_LLM_CONFIG", str(settings.llm_config))
    monkeypatch.setenv("QL_TENANT_BUDGETS", '{"acme": {"max_tokens": 50}}')
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(wordcount.PROMPT)
    assert main(["run", str(prompt), "--tenant", "acme"]) == EXIT_FAILED
    [error] = [line for line in capsys.readouterr().out.splitlines() if "error:" in line]
    assert "tenant 'acme' budget exceeded" in error, error
    assert "UTC (1 day), over its limit of 50 tokens" in error
