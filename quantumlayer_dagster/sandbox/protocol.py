"""``CodeSandbox``: what the test stages need from a sandbox, whichever isolation backs it.

Implementations: ``Sandbox`` (bubblewrap, or process-only where bwrap cannot run) and
``K8sJobSandbox`` (a separate locked-down pod per run, in the cluster). Each names itself in
``isolation``, which every ``SandboxResult`` carries."""

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from quantumlayer_dagster.sandbox.models import SandboxLimits, SandboxResult


class CodeSandbox(Protocol):
    limits: SandboxLimits
    isolation: str
    unavailable: str | None
    """Why the sandbox refuses to run anything (and how to fix it), or None."""

    def workspace(self) -> AbstractContextManager[Path]:
        """A fresh empty folder for ``run``, removed afterwards."""
        ...

    def run(
        self,
        argv: list[str],
        workdir: Path,
        *,
        env: dict[str, str] | None = None,
        readonly: tuple[str, ...] = (),
    ) -> SandboxResult:
        """Run ``argv`` in ``workdir``; files the run leaves there are readable afterwards."""
        ...
