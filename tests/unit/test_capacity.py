"""The instance's run and LLM-pool limits derive from one setting, the machine size: the
shipped configs hold the table's numbers for the size they declare, and rendering a config
for another size changes exactly those numbers."""

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
)

ROOT = Path(__file__).resolve().parents[2]
SIZED_CONFIGS = ["dagster.yaml", "quantumlayer_dagster/config/dagster.local.yaml"]


def _limits(text: str) -> tuple[int, int]:
    concurrency = yaml.safe_load(text)["concurrency"]
    return concurrency["runs"]["max_concurrent_runs"], concurrency["pools"]["default_limit"]


@pytest.mark.parametrize("config", SIZED_CONFIGS)
def test_a_shipped_config_holds_the_limits_of_the_size_it_declares(config):
    text = (ROOT / config).read_text()
    size = machine_size(declared_size(text))
    assert _limits(text) == (size.max_concurrent_runs, size.llm_pool_limit)


def test_the_embedded_default_is_the_laptop_with_one_local_llm_slot():
    text = (ROOT / "quantumlayer_dagster/config/dagster.local.yaml").read_text()
    assert declared_size(text) == "laptop"
    assert _limits(text)[1] == 1


@pytest.mark.parametrize("name", sorted(MACHINE_SIZES))
def test_rendering_for_a_size_sets_its_limits_and_keeps_everything_else(name):
    shipped = (ROOT / "dagster.yaml").read_text()
    rendered = render_for_size(shipped, name)
    size = MACHINE_SIZES[name]
    assert _limits(rendered) == (size.max_concurrent_runs, size.llm_pool_limit)
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
