"""The exporter's counts: each request's outcome (capsule, the gate that failed, the stage
that failed), stage times, LLM calls, sandbox runs and host tools from the step telemetry,
and the state that carries them across restarts with its cursor."""

from typing import Any

from quantumlayer_dagster.observability.metric_catalogue import COUNTERS, MAX_TENANT_LABELS
from quantumlayer_dagster.observability.request_metrics import (
    PENDING_RUN_MAX_AGE_S,
    LoggedEvent,
    MetricsState,
    apply,
    forget_stale_runs,
    request_time,
)
from quantumlayer_dagster.observability.step_record import TELEMETRY_KEY

REQUEST = "r20260101120000-0a1b2c3d"
SUBMITTED = request_time(REQUEST) or 0.0


class Log:
    """A run's events, numbered as the event log would."""

    def __init__(self, state: MetricsState, run_id: str = "run-1", **tags: str) -> None:
        self.state, self.run_id, self.next_id = state, run_id, state.cursor + 1
        self.tags = {"dagster/partition": REQUEST, **tags}

    def event(self, kind: str, at: float = 0.0, **fields: Any) -> None:
        apply(
            self.state,
            LoggedEvent(
                storage_id=self.next_id,
                kind=kind,
                run_id=self.run_id,
                timestamp=SUBMITTED + at,
                tags=self.tags if kind.startswith("RUN_") else {},
                **fields,
            ),
        )
        self.next_id += 1

    def step(self, stage: str, outcome: str = "success", **telemetry: Any) -> None:
        record = {"stage": stage, "outcome": outcome, "duration_s": 1.5, **telemetry}
        self.event("ASSET_OBSERVATION", asset=stage, metadata={TELEMETRY_KEY: record})

    def gate(self, name: str, passed: bool, blocking: bool = False) -> None:
        self.event("ASSET_CHECK_EVALUATION", check_name=name, passed=passed, blocking=blocking)


def requests(state: MetricsState) -> dict[str, float]:
    return dict(state.counters.get("quantumlayer_requests", {}))


def test_a_run_that_built_a_capsule_with_every_gate_passed_counts_as_capsule() -> None:
    state = MetricsState()
    log = Log(state)
    log.event("RUN_START", at=4)
    log.step("capsule")
    log.gate("tests_pass", True)
    log.event("ASSET_MATERIALIZATION", at=200, asset="capsule")
    log.event("RUN_SUCCESS", at=201)
    assert requests(state) == {"capsule\x1f\x1f\x1fshared": 1.0}
    assert state.value("quantumlayer_gate_evaluations", ("tests_pass", "pass")) == 1.0
    [capsule] = state.histograms["quantumlayer_upload_to_capsule_seconds"].values()
    assert (capsule.count, capsule.total) == (1, 200.0)
    [start] = state.histograms["quantumlayer_request_start_latency_seconds"].values()
    assert (start.count, start.total) == (1, 4.0)
    assert state.runs == {}


def test_a_capsule_with_a_failed_gate_counts_as_that_gates_failure() -> None:
    state = MetricsState()
    log = Log(state)
    log.event("RUN_START")
    log.gate("tests_pass", False)
    log.gate("complexity_budget", False)
    log.event("ASSET_MATERIALIZATION", asset="capsule")
    log.event("RUN_SUCCESS")
    assert requests(state) == {"gate_failure\x1ftests_pass\x1f\x1fshared": 1.0}


def test_a_blocking_gate_that_stopped_the_run_is_its_outcome_not_a_stage_failure() -> None:
    state = MetricsState()
    log = Log(state)
    log.event("RUN_START")
    log.gate("dependencies_resolved", False)
    log.gate("code_parses", False, blocking=True)
    log.event("RUN_FAILURE")
    assert requests(state) == {"gate_failure\x1fcode_parses\x1f\x1fshared": 1.0}


def test_a_stage_that_failed_is_named() -> None:
    state = MetricsState()
    log = Log(state)
    log.event("RUN_START")
    log.step("enhanced_prompt")
    log.step("frd", outcome="failure")
    log.event("RUN_FAILURE")
    assert requests(state) == {"stage_failure\x1f\x1ffrd\x1fshared": 1.0}
    failed = state.histograms["quantumlayer_stage_duration_seconds"]["frd\x1ffailure"]
    assert failed.count == 1


def test_a_canceled_run_and_one_without_a_capsule() -> None:
    state = MetricsState()
    Log(state, "a").event("RUN_CANCELED")
    Log(state, "b").event("RUN_SUCCESS")
    assert requests(state) == {"canceled\x1f\x1f\x1fshared": 1.0, "partial\x1f\x1f\x1fshared": 1.0}


def test_a_run_is_created_once_and_its_source_comes_from_its_tags() -> None:
    state = MetricsState()
    upload = Log(state, "u", **{"quantumlayer/upload": "incoming/a.txt"})
    for kind in ("RUN_ENQUEUED", "RUN_STARTING", "RUN_START"):
        upload.event(kind, at=2)
    Log(state, "l").event("RUN_START")
    Log(state, "r", **{"dagster/retry_number": "1"}).event("RUN_START")
    created = state.counters["quantumlayer_runs_created"]
    assert created == {"upload\x1fshared": 1.0, "launch\x1fshared": 1.0, "retry\x1fshared": 1.0}
    latency = state.histograms["quantumlayer_request_start_latency_seconds"]
    assert sorted(latency) == ["launch\x1fshared", "upload\x1fshared"]  # a retry is no new request


def test_llm_calls_tokens_cost_errors_and_cache_hits_per_group_and_deployment() -> None:
    state = MetricsState()
    call = {"group": "cloud", "deployment": "cloud/0", "tokens_in": 100, "tokens_out": 20}
    call.update(cost_usd=0.5, duration_s=2.0, cached=False, outcome="ok")
    calls = [call, {**call, "outcome": "error", "tokens_out": 0}, {**call, "cached": True}]
    Log(state).step("code_tree", llm_calls=calls, budget_stops=1)
    assert state.counters["quantumlayer_llm_calls"] == {
        "cloud\x1fcloud/0\x1fok": 1.0,
        "cloud\x1fcloud/0\x1ferror": 1.0,
    }
    assert state.value("quantumlayer_llm_tokens", ("cloud", "cloud/0", "in", "shared")) == 200.0
    assert state.value("quantumlayer_llm_tokens", ("cloud", "cloud/0", "out", "shared")) == 20.0
    assert state.value("quantumlayer_llm_cost_usd", ("cloud", "cloud/0", "shared")) == 1.0
    assert state.value("quantumlayer_llm_cache_hits", ("cloud",)) == 1.0
    assert state.value("quantumlayer_llm_budget_stops", ("code_tree", "shared")) == 1.0
    latency = state.histograms["quantumlayer_llm_call_duration_seconds"]["cloud\x1fcloud/0"]
    assert (latency.count, latency.total) == (2, 4.0)


def test_a_runs_counts_carry_its_tenant_from_the_run_tag() -> None:
    state = MetricsState()
    log = Log(state, "acme-run", **{"quantumlayer/tenant": "acme"})
    log.event("RUN_START", at=3)
    log.step("code_tree", llm_calls=[{"group": "g", "deployment": "d", "tokens_in": 7}])
    log.event("ASSET_MATERIALIZATION", at=90, asset="capsule")
    log.event("RUN_SUCCESS", at=91)
    Log(state, "shared-run").event("RUN_CANCELED")
    assert requests(state) == {
        "capsule\x1f\x1f\x1facme": 1.0,
        "canceled\x1f\x1f\x1fshared": 1.0,
    }
    assert state.value("quantumlayer_runs_created", ("launch", "acme")) == 1.0
    assert state.value("quantumlayer_llm_tokens", ("g", "d", "in", "acme")) == 7.0
    assert list(state.histograms["quantumlayer_upload_to_capsule_seconds"]) == ["acme"]


def test_tenant_labels_are_bounded_past_the_limit_and_a_bad_tag_is_invalid() -> None:
    state = MetricsState()
    for i in range(MAX_TENANT_LABELS + 5):
        Log(state, f"run-{i}", **{"quantumlayer/tenant": f"t{i}"}).event("RUN_START")
    Log(state, "bad", **{"quantumlayer/tenant": "../x"}).event("RUN_START")
    labels = {key.split("\x1f")[1] for key in state.counters["quantumlayer_runs_created"]}
    assert len(labels) == MAX_TENANT_LABELS + 2  # the first 50, other and invalid
    assert {"other", "invalid", "t0", f"t{MAX_TENANT_LABELS - 1}"} <= labels
    assert state.value("quantumlayer_runs_created", ("launch", "other")) == 5.0
    again = MetricsState.model_validate_json(state.model_dump_json())
    assert again.tenant_label({"quantumlayer/tenant": "t-new"}) == "other"


def test_a_state_stored_before_the_tenant_label_counts_its_series_as_the_shared_tenants() -> None:
    hist = {"counts": [1] + [0] * 12, "total": 20.0, "count": 1}
    stored = {
        "cursor": 7,
        "counters": {
            "quantumlayer_requests": {"capsule\x1f\x1f": 2.0},
            "quantumlayer_runs_created": {"upload": 3.0},
            "quantumlayer_gate_evaluations": {"tests_pass\x1fpass": 4.0},  # has no tenant
        },
        "histograms": {"quantumlayer_upload_to_capsule_seconds": {"": hist}},
    }
    state = MetricsState.model_validate(stored)
    assert requests(state) == {"capsule\x1f\x1f\x1fshared": 2.0}
    assert state.counters["quantumlayer_runs_created"] == {"upload\x1fshared": 3.0}
    assert state.counters["quantumlayer_gate_evaluations"] == {"tests_pass\x1fpass": 4.0}
    assert list(state.histograms["quantumlayer_upload_to_capsule_seconds"]) == ["shared"]
    Log(state, "later").event("RUN_CANCELED")  # counted since, merged with the old series
    assert requests(state)["canceled\x1f\x1f\x1fshared"] == 1.0
    again = MetricsState.model_validate_json(state.model_dump_json())
    assert again == state
    for name, series in state.counters.items():  # every series has each of its labels
        assert all(len(k.split("\x1f")) == len(COUNTERS[name].labels) for k in series), name


def test_sandbox_runs_by_limit_and_host_tools_by_outcome() -> None:
    state = MetricsState()
    sandbox = [
        {"isolation_mode": "bwrap", "limit": "none"},
        {"isolation_mode": "bwrap", "limit": "wall"},
    ]
    tools = [{"tool": "bandit", "timed_out": False}, {"tool": "mypy", "timed_out": True}]
    Log(state).step("test_suite", sandbox_runs=sandbox, host_tools=tools)
    assert state.counters["quantumlayer_sandbox_runs"] == {
        "bwrap\x1fnone": 1.0,
        "bwrap\x1fwall": 1.0,
    }
    assert state.counters["quantumlayer_host_tool_runs"] == {
        "bandit\x1fok": 1.0,
        "mypy\x1ftimeout": 1.0,
    }


def test_a_stage_time_lands_in_its_bucket() -> None:
    state = MetricsState()
    Log(state).step("docs")
    hist = state.histograms["quantumlayer_stage_duration_seconds"]["docs\x1fsuccess"]
    assert (
        hist.counts[3] == 1 and sum(hist.counts) == 1
    )  # 1.5 s: the "le 2" bucket (0.1, 0.5, 1, 2)


def test_the_state_round_trips_through_json_with_its_cursor() -> None:
    state = MetricsState()
    log = Log(state)
    log.event("RUN_START")
    log.step("frd")
    assert state.cursor == 1
    again = MetricsState.model_validate_json(state.model_dump_json())
    assert again == state
    Log(again, "run-1").event("RUN_SUCCESS")
    assert again.cursor == 2 and requests(again) == {"partial\x1f\x1f\x1fshared": 1.0}


def test_runs_not_heard_of_for_a_week_are_forgotten() -> None:
    state = MetricsState()
    Log(state).event("RUN_START")
    forget_stale_runs(state, SUBMITTED + 60)
    assert list(state.runs) == ["run-1"]
    forget_stale_runs(state, SUBMITTED + PENDING_RUN_MAX_AGE_S + 1)
    assert state.runs == {}


def test_the_request_time_is_read_from_the_request_id() -> None:
    assert request_time("r20260101120000-0a1b2c3d") == 1767268800.0
    assert request_time("not-a-request") is None
