"""What runs as pid 1 of a sandbox pod: unpack the tree, run the command, print one result.

``python -m quantumlayer_dagster.sandbox.k8s_pod --tree T --workdir W [--env K=V ...] -- argv``

The command runs with exactly the ``--env`` variables, in a new session, with its output
drained into capped buffers and the wall timeout enforced here (the Job's
``activeDeadlineSeconds`` is the backstop). Afterwards this prints a single line
``QL-SANDBOX-RESULT <base64 JSON>`` holding exit code, output, timing and the run's report
files (``.ql-*.xml`` / ``.ql-*.json`` in the work folder): the step pod reads it from the pod
log. Logs need no network from the pod and no write access to anything outside it, unlike a
presigned PUT (which would need an egress hole to the store), and unlike the termination
message they are not capped at 4 KiB, which a JUnit report outgrows. The tested code runs as
the same uid and can write to the log too; a second result line is treated as forged.
"""

import argparse
import base64
import json
import os
import signal
import stat
import subprocess
import sys
import tarfile
import time
from contextlib import suppress
from pathlib import Path

from quantumlayer_dagster.artifacts.paths import check_relative_path
from quantumlayer_dagster.sandbox.capture import OutputPump, has_exited

RESULT_MARKER = "QL-SANDBOX-RESULT "
MAX_REPORT_BYTES = 1024 * 1024
MAX_TREE_FILES = 5000
REPORT_SUFFIXES = (".xml", ".json")


def unpack_tree(archive: Path, workdir: Path) -> None:
    """Regular files and folders only, each path checked like an LLM-proposed one."""
    workdir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        for count, member in enumerate(tar):
            if count >= MAX_TREE_FILES:
                raise ValueError(f"more than {MAX_TREE_FILES} entries in the tree")
            target = workdir / check_relative_path(member.name)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                with os.fdopen(os.open(target, flags, 0o644), "wb") as out:
                    out.write(source.read())


def run_command(argv: list[str], workdir: Path, env: dict[str, str], timeout_s: float, cap: int):
    """Run ``argv``; returns (exit code or None on timeout, timed out, pump, seconds)."""
    start = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    pump = OutputPump(proc, cap)
    try:
        finished = pump.pump_until(lambda: has_exited(proc.pid), start + timeout_s)
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        code = proc.wait()
        pump.drain_rest(2.0)
    exit_code = (128 - code if code < 0 else code) if finished else None
    return exit_code, not finished, pump, time.monotonic() - start


def collect_reports(workdir: Path) -> dict[str, str]:
    """The run's report files (top level, ``.ql-`` names), base64, without following links."""
    reports: dict[str, str] = {}
    for entry in os.scandir(workdir):
        name = entry.name
        if not (name.startswith(".ql-") and name.endswith(REPORT_SUFFIXES)):
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        with os.fdopen(fd, "rb") as report:
            if not stat.S_ISREG(os.fstat(report.fileno()).st_mode):
                continue
            data = report.read(MAX_REPORT_BYTES + 1)
        if len(data) <= MAX_REPORT_BYTES:
            reports[name] = base64.b64encode(data).decode("ascii")
    return reports


def main(args: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="k8s_pod")
    parser.add_argument("--tree", required=True, type=Path)
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--wall-timeout", type=float, default=120.0)
    parser.add_argument("--max-output", type=int, default=256 * 1024)
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("argv", nargs="+")
    opts = parser.parse_args(args)
    env = dict(item.split("=", 1) for item in opts.env)
    result: dict = {"reports": {}}
    try:
        unpack_tree(opts.tree, opts.workdir)
    except (OSError, ValueError, tarfile.TarError) as exc:
        result.update(exit_code=None, timed_out=False, stdout="", stderr="", truncated=False)
        result.update(duration_s=0.0, error=f"the tree could not be unpacked: {exc}")
    else:
        code, timed_out, pump, seconds = run_command(
            opts.argv, opts.workdir, env, opts.wall_timeout, opts.max_output
        )
        result.update(
            exit_code=code,
            timed_out=timed_out,
            stdout=pump.stdout.text(),
            stderr=pump.stderr.text(),
            truncated=pump.stdout.truncated or pump.stderr.truncated,
            duration_s=round(seconds, 3),
            reports=collect_reports(opts.workdir),
        )
    line = base64.b64encode(json.dumps(result).encode()).decode("ascii")
    sys.stdout.write(f"{RESULT_MARKER}{line}\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
