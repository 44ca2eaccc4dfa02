"""How many runs, and LLM-bound steps across them, one machine holds: derived from one
setting, the machine's size, so the instance's limits are never guessed twice.

``max_concurrent_runs`` is the smaller of what memory holds and two runs per core (a run
waiting on the LLM leaves its core to another run's CPU work). The ``llm`` pool holds one
LLM-bound step per running run when the LLM is hosted, and one in all when it is the local
llama.cpp server (one model, one slot). Fair share: one tenant's runs (its
``quantumlayer/tenant`` tag, a limit per unique value in the run queue) take at most half of
the runs (rounded up), so a burst of one tenant leaves the rest to everyone else. The price:
a tenant alone on the machine also gets only that half.

Memory per run: a run worker, which executes the steps in its own process (the in-process
executor, ``QL_EXECUTOR``'s default), plus the generated project's sandboxed test run. The
platform's processes together peaked at 967 MB with 1 run at a time, 2139 MB with 4 and
3414 MB with 8 (``bench/scale.py``'s ``peak_rss_mb``, resident memory of the webserver, the
daemon, their code servers and the runs, sampled every 0.5 s): about 370 MB per run over
about 600 MB for the servers. The budget is 800 MB per run, for a test run that grows
towards its sandbox limit (1 GB); 1.5 GB is reserved for the webserver, the daemon, their
code servers and the embedding service. On 2 cores, 8 concurrent runs did not finish a
burst sooner than 4 (16 requests: 6.2 against 6.9 requests per minute, the CPU being the
bound either way), hence two runs per core.

Render a shipped instance config for another size (comments kept):

    python -m quantumlayer_dagster.capacity dagster.yaml --size medium > $DAGSTER_HOME/dagster.yaml
"""

import argparse
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

RUN_MEMORY_MB = 800
RESERVED_MB = 1536
RUNS_PER_CORE = 2
TENANT_SHARE = 0.5
"""The share of ``max_concurrent_runs`` one tenant's runs may take at a time."""


@dataclass(frozen=True)
class MachineSize:
    cores: int
    memory_gb: int
    local_llm: bool = False
    """True when the LLM is the local llama.cpp server on the same machine."""

    @property
    def max_concurrent_runs(self) -> int:
        by_memory = (self.memory_gb * 1024 - RESERVED_MB) // RUN_MEMORY_MB
        return max(1, min(by_memory, RUNS_PER_CORE * self.cores))

    @property
    def llm_pool_limit(self) -> int:
        return 1 if self.local_llm else self.max_concurrent_runs

    @property
    def tenant_run_limit(self) -> int:
        return tenant_run_limit(self.max_concurrent_runs)


def tenant_run_limit(max_concurrent_runs: int) -> int:
    """Most runs of one tenant at a time: ``TENANT_SHARE`` of the runs rounded up, at least
    one (a laptop's 3 runs: 2 for one tenant, 1 left for the others)."""
    return max(1, math.ceil(max_concurrent_runs * TENANT_SHARE))


MACHINE_SIZES: dict[str, MachineSize] = {
    "laptop": MachineSize(cores=2, memory_gb=4, local_llm=True),
    "small": MachineSize(cores=2, memory_gb=8),
    "medium": MachineSize(cores=8, memory_gb=32),
    "large": MachineSize(cores=16, memory_gb=64),
}

_SIZE_LINE = re.compile(r"^# machine size: (\S+)", re.MULTILINE)
_RUNS_LINE = re.compile(r"^(    max_concurrent_runs: )\d+$", re.MULTILINE)
_POOL_LINE = re.compile(r"^(    default_limit: )\d+$", re.MULTILINE)
# The limit of the per-tenant entry: its key line, up to three lines, then its limit line.
_TENANT_LIMIT = re.compile(
    r"^(\s*- key: quantumlayer/tenant\n(?:.*\n){0,3}?\s*limit: )\d+$", re.MULTILINE
)


class UnknownMachineSize(ValueError):
    """The size is not in the table; the message lists the sizes there are."""


def machine_size(name: str) -> MachineSize:
    """The table's row for ``name``."""
    if name not in MACHINE_SIZES:
        raise UnknownMachineSize(
            f"unknown machine size {name!r}: use one of {', '.join(MACHINE_SIZES)}"
        )
    return MACHINE_SIZES[name]


def declared_size(instance_yaml: str) -> str:
    """The size an instance config says it is for (its ``# machine size: NAME`` line)."""
    found = _SIZE_LINE.search(instance_yaml)
    if not found:
        raise UnknownMachineSize("the instance config has no '# machine size: NAME' line")
    return found.group(1)


def render_for_size(instance_yaml: str, name: str) -> str:
    """``instance_yaml`` with its run and pool limits (and size line) set for ``name``."""
    size = machine_size(name)
    text, runs = _RUNS_LINE.subn(rf"\g<1>{size.max_concurrent_runs}", instance_yaml)
    text, pools = _POOL_LINE.subn(rf"\g<1>{size.llm_pool_limit}", text)
    text, tenants = _TENANT_LIMIT.subn(rf"\g<1>{size.tenant_run_limit}", text)
    text, sizes = _SIZE_LINE.subn(f"# machine size: {name}", text)
    if (runs, pools, tenants, sizes) != (1, 1, 1, 1):
        raise UnknownMachineSize(
            "the instance config needs exactly one '# machine size:' line, one "
            "'max_concurrent_runs:', one pool 'default_limit:' and one tag concurrency limit "
            "for quantumlayer/tenant to be rendered for a size"
        )
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description="Render an instance config for a machine size.")
    parser.add_argument("config", type=Path)
    parser.add_argument("--size", required=True, choices=sorted(MACHINE_SIZES))
    args = parser.parse_args()
    try:
        sys.stdout.write(render_for_size(args.config.read_text(), args.size))
    except (OSError, UnknownMachineSize) as exc:
        raise SystemExit(f"error: {exc}") from None


if __name__ == "__main__":
    main()
