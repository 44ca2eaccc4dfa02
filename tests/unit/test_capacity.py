"""The instance's run, per-tenant run and LLM-pool limits derive from one setting, the machine
size: the shipped configs hold the table's numbers for the size they declare, and rendering
a config for another size changes exactly those numbers."""

from pathlib import Path

import pytest
import yaml

from quantumlayer_dagster.capacity import (
    MACHINE_SIZES,
    RUN_MEMORY_MB,
    MachineSize,
    UnknownMachineSize,
    declared_size,
    machine_size,
    render_for_size,
    tenant_run_limit,
)
from quantumlayer_dagster.tenants import TENANT_TAG

ROOT = Path(__file__).resolve().parents[2]
SIZED_CONFIGS = ["dagster.yaml", "quantumlayer_dagster/config/dagster.local.yaml"]


def _limits(text: str) -> tuple[int, int, int]:
    """(max_concurrent_runs, llm pool limit, runs per tenant)."""
    concurrency = yaml.safe_load(text)["concurrency"]
    [tenant] = [
        limit
        for limit in concurrency["runs"]["tag_concurrency_limits"]
        if limit["key"] == TENANT_TAG and limit["value"] == {"applyLimitPerUniqueValue": True}
    ]
    return (
        concurrency["runs"]["max_concurrent_runs"],
        concurrency["pools"]["default_limit"],
        tenant["limit"],
    )


def _size_limits(size: MachineSize) -> tuple[int, int, int]:
    return size.max_concurrent_runs, size.llm_pool_limit, size.tenant_run_limit


@pytest.mark.parametrize("config", SIZED_CONFIGS)
def test_a_shipped_config_holds_the_limits_of_the_size_it_declares(config):
    text = (ROOT / config).read_text()
    size = machine_size(declared_size(text))
    assert _limits(text) == _size_limits(size)


def test_the_embedded_default_is_the_laptop_with_one_local_llm_slot():
    text = (ROOT / "quantumlayer_dagster/config/dagster.local.yaml").read_text()
    assert declared_size(text) == "laptop"
    assert _limits(text)[1] == 1


@pytest.mark.parametrize("name", sorted(MACHINE_SIZES))
def test_rendering_for_a_size_sets_its_limits_and_keeps_everything_else(name):
    shipped = (ROOT / "dagster.yaml").read_text()
    rendered = render_for_size(shipped, name)
    size = MACHINE_SIZES[name]
    assert _limits(rendered) == _size_limits(size)
    assert declared_size(rendered) == name
    before, after = yaml.safe_load(shipped), yaml.safe_load(rendered)
    del before["concurrency"], after["concurrency"]
    assert after == before


def test_runs_are_bounded_by_memory_before_cores():
    # 64 cores could take 128 runs; 16 GB holds (16384 - 1536) // 800 = 18.
    assert (
        MachineSize(cores=64, memory_gb=16).max_concurrent_runs == (16384 - 1536) // RUN_MEMORY_MB
    )


def test_runs_are_bounded_by_two_per_core_when_memory_is_plenty():
    assert MachineSize(cores=4, memory_gb=256).max_concurrent_runs == 8


def test_a_local_llm_is_one_pool_slot_however_big_the_machine():
    assert MachineSize(cores=16, memory_gb=64, local_llm=True).llm_pool_limit == 1


def test_an_unknown_size_names_the_sizes_there_are():
    with pytest.raises(UnknownMachineSize, match="laptop, small, medium, large"):
        machine_size("huge")


@pytest.mark.parametrize(("runs", "per_tenant"), [(1, 1), (3, 2), (4, 2), (16, 8), (32, 16)])
def test_one_tenants_runs_take_at_most_half_the_runs_rounded_up(runs, per_tenant):
    assert tenant_run_limit(runs) == per_tenant


def test_every_size_leaves_room_for_another_tenant_when_it_runs_more_than_one():
    for size in MACHINE_SIZES.values():
        assert 1 <= size.tenant_run_limit <= size.max_concurrent_runs
        if size.max_concurrent_runs > 1:
            assert size.tenant_run_limit < size.max_concurrent_runs


def test_a_config_without_the_tenant_limit_cannot_be_rendered_for_a_size():
    shipped = (ROOT / "dagster.yaml").read_text()
    without = shipped.replace("key: quantumlayer/tenant", "key: someone/else")
    with pytest.raises(UnknownMachineSize, match="quantumlayer/tenant"):
        render_for_size(without, "medium")
