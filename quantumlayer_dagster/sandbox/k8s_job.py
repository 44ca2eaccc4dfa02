"""``K8sJobSandbox``: each run is a separate, locked-down Kubernetes Job (see ``k8s_spec``).

Used by the ``test_suite`` step in the cluster, whose own pod holds store and database
credentials and network: generated code never runs there. The step packs the work folder,
creates the Job and its ConfigMap, polls the Job, reads the one result line from the pod's
log (see ``k8s_pod``), writes the report files back into the local work folder, deletes the
Job and returns a ``SandboxResult`` exactly like the local sandbox's, so everything that
reads reports (``testing/``) works unchanged.

The Kubernetes API objects are injected (``kubernetes.client.BatchV1Api`` and ``CoreV1Api``
or anything with the same methods), so the whole flow is tested without a cluster.
"""

import base64
import binascii
import io
import json
import os
import re
import secrets
import shutil
import stat
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath
from typing import Any

from quantumlayer_dagster.observability.traced_calls import traced_sandbox_run
from quantumlayer_dagster.observability.tracing import trace_annotations
from quantumlayer_dagster.sandbox import command, k8s_spec
from quantumlayer_dagster.sandbox.k8s_pod import RESULT_MARKER
from quantumlayer_dagster.sandbox.models import SandboxLimits, SandboxResult
from quantumlayer_dagster.sandbox.runner import killed_reason, scrubbed_env, signal_limit

_REPORT_NAME = re.compile(r"^\.ql-[A-Za-z0-9_.\-]+\.(xml|json)\Z")
_LOG_TAIL = 4096


class K8sJobSandbox:
    """Runs untrusted commands in a per-run Job; same ``workspace``/``run`` as ``Sandbox``."""

    def __init__(
        self,
        config: k8s_spec.K8sSandboxConfig,
        batch_api: Any,
        core_api: Any,
        limits: SandboxLimits | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.limits = limits or SandboxLimits()
        self.isolation = k8s_spec.isolation_label(config)
        self.unavailable: str | None = None
        self._batch = batch_api
        self._core = core_api
        self._sleep = sleep

    @classmethod
    def in_cluster(
        cls, config: k8s_spec.K8sSandboxConfig, limits: SandboxLimits
    ) -> "K8sJobSandbox":
        """With the step pod's own service account (``load_incluster_config``)."""
        import kubernetes

        kubernetes.config.load_incluster_config()
        return cls(config, kubernetes.client.BatchV1Api(), kubernetes.client.CoreV1Api(), limits)

    @contextmanager
    def workspace(self) -> Iterator[Path]:
        """A fresh folder under /tmp (the sandbox pod mounts its scratch there, so the same
        absolute paths work on both sides); removed afterwards."""
        outer = Path(tempfile.mkdtemp(prefix="ql-sandbox-", dir=k8s_spec.SCRATCH_DIR))
        try:
            work = outer / "work"
            work.mkdir(mode=0o755)
            yield work
        finally:
            shutil.rmtree(outer, ignore_errors=True)

    @traced_sandbox_run
    def run(
        self,
        argv: list[str],
        workdir: Path,
        *,
        env: dict[str, str] | None = None,
        readonly: tuple[str, ...] = (),
    ) -> SandboxResult:
        """Run ``argv`` in a Job on a copy of ``workdir``; report files come back into it.
        ``readonly`` is accepted for the protocol: the sandbox image holds the same tools.

        Never raises for anything the command does; raises ValueError for a bad workdir."""
        if not argv:
            raise ValueError("empty argv")
        workdir = Path(workdir).resolve()
        if not workdir.is_dir() or not workdir.is_relative_to(k8s_spec.SCRATCH_DIR):
            raise ValueError(f"workdir {workdir} must be a folder under {k8s_spec.SCRATCH_DIR}")
        start = time.monotonic()
        tree = pack_tree(workdir)
        if len(tree) > self.config.max_tree_bytes:
            return self._failed(
                start,
                f"the packed tree is {len(tree)} bytes; a sandbox Job takes at most "
                f"{self.config.max_tree_bytes} (raise QL_SANDBOX_MAX_TREE_BYTES up to 716800)",
            )
        name = f"ql-sandbox-{secrets.token_hex(6)}"
        wrapped = [*command.rlimits(self.limits), *argv]
        full_env = scrubbed_env(workdir, env)
        pod_command = k8s_spec.pod_command(
            sys.executable,
            wrapped,
            str(workdir),
            full_env,
            self.limits.wall_timeout_s,
            self.limits.max_output_bytes,
        )
        job = k8s_spec.sandbox_job(
            name, self.config, pod_command, self.limits.wall_timeout_s, trace_annotations()
        )
        namespace = self.config.namespace
        created = self._batch.create_namespaced_job(namespace=namespace, body=job)
        try:
            uid = getattr(getattr(created, "metadata", None), "uid", None)
            config_map = k8s_spec.tree_config_map(
                name, namespace, base64.b64encode(tree).decode("ascii"), uid
            )
            self._core.create_namespaced_config_map(namespace=namespace, body=config_map)
            outcome = self._wait(name, job["spec"]["activeDeadlineSeconds"], start)
            log = self._pod_log(name)
        finally:
            self._delete(name)
        return self._result(outcome, log, workdir, start)

    def _wait(self, name: str, deadline_s: int, start: float) -> str:
        """ "succeeded", "failed: <reason>" or "lost" (still running past its deadline)."""
        while True:
            status = self._batch.read_namespaced_job_status(
                name=name, namespace=self.config.namespace
            ).status
            if status is not None and status.succeeded:
                return "succeeded"
            if status is not None and status.failed:
                reasons = [c.reason for c in status.conditions or [] if c.type == "Failed"]
                return f"failed: {', '.join(r for r in reasons if r) or 'pod failed'}"
            if time.monotonic() - start > deadline_s + 30:
                return "lost"
            self._sleep(self.config.poll_interval_s)

    def _pod_log(self, name: str) -> str:
        pods = self._core.list_namespaced_pod(
            namespace=self.config.namespace, label_selector=f"job-name={name}"
        ).items
        if not pods:
            return ""
        text = self._core.read_namespaced_pod_log(
            name=pods[0].metadata.name, namespace=self.config.namespace, container="sandbox"
        )
        return text if isinstance(text, str) else ""

    def _delete(self, name: str) -> None:
        namespace = self.config.namespace
        with suppress(Exception):  # ttlSecondsAfterFinished and the owner reference remain
            self._batch.delete_namespaced_job(
                name=name, namespace=namespace, propagation_policy="Background"
            )
        with suppress(Exception):
            self._core.delete_namespaced_config_map(name=name, namespace=namespace)

    def _result(self, outcome: str, log: str, workdir: Path, start: float) -> SandboxResult:
        lines = [line for line in log.splitlines() if line.startswith(RESULT_MARKER)]
        if len(lines) != 1:
            why = (
                "more than one result line in the pod log: the tested code forged one"
                if lines
                else _no_result_reason(outcome, self.limits, self.config)
            )
            return self._failed(start, why, log[-_LOG_TAIL:])
        try:
            data = json.loads(base64.b64decode(lines[0][len(RESULT_MARKER) :], validate=True))
            reports = data.get("reports", {})
            for report_name, encoded in reports.items():
                _write_report(workdir, str(report_name), base64.b64decode(encoded, validate=True))
            exit_code = data["exit_code"] if isinstance(data["exit_code"], int) else None
            timed_out = bool(data["timed_out"])
            truncated = bool(data["truncated"])
            limit = signal_limit(timed_out, exit_code, truncated)
            result = SandboxResult(
                exit_code=exit_code,
                timed_out=timed_out or limit == "cpu",
                stdout=str(data["stdout"]),
                stderr=str(data["stderr"]),
                output_truncated=truncated,
                duration_s=round(time.monotonic() - start, 3),
                isolation=self.isolation,
                killed_reason=data.get("error") or killed_reason(self.limits, limit, exit_code),
                limit=limit,
                isolation_mode="k8s-job",
            )
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
            return self._failed(start, f"the sandbox result line is unusable: {exc}")
        return result

    def _failed(self, start: float, why: str, stderr: str = "") -> SandboxResult:
        return SandboxResult(
            exit_code=None,
            timed_out=False,
            stdout="",
            stderr=stderr,
            output_truncated=False,
            duration_s=round(time.monotonic() - start, 3),
            isolation=self.isolation,
            killed_reason=why,
        )


def pack_tree(workdir: Path) -> bytes:
    """Regular files and folders under ``workdir`` as a gzipped tar (links are skipped),
    with fixed owners and times so the same tree packs the same."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=9) as tar:
        for root, dirs, files in os.walk(workdir):
            dirs.sort()
            for name in sorted(dirs) + sorted(files):
                path = Path(root) / name
                info = os.lstat(path)
                if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
                    continue
                member = tar.gettarinfo(str(path), arcname=path.relative_to(workdir).as_posix())
                member.uid = member.gid = 0
                member.uname = member.gname = ""
                member.mtime = 0
                if member.isfile():
                    with path.open("rb") as data:
                        tar.addfile(member, data)
                else:
                    tar.addfile(member)
    return buffer.getvalue()


def _write_report(workdir: Path, name: str, data: bytes) -> None:
    """A report from the pod, written only as a top-level ``.ql-*`` file of the work folder."""
    if not _REPORT_NAME.match(name) or PurePosixPath(name).name != name:
        raise ValueError(f"unexpected report name {name!r}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    with os.fdopen(os.open(workdir / name, flags, 0o644), "wb") as out:
        out.write(data)


def _no_result_reason(
    outcome: str, limits: SandboxLimits, config: k8s_spec.K8sSandboxConfig
) -> str:
    if "DeadlineExceeded" in outcome:
        return (
            f"the sandbox Job passed its activeDeadlineSeconds (wall timeout "
            f"{limits.wall_timeout_s:g}s + {config.startup_grace_s}s start-up) and was killed"
        )
    if outcome == "lost":
        return "the sandbox Job did not finish by its deadline; it was deleted"
    return f"the sandbox pod printed no result ({outcome}; e.g. killed at its memory limit)"
