"""The example runner's script, run INSIDE the sandbox as ``python -I HARNESS SPEC RESULTS``.

It is copied into the sandbox's work folder and never imported by our processes: the
host side (``run_examples``) only reads the file's text. Standard library only, and
everything it needs is imported before the project folder goes on ``sys.path``, so a
generated ``json.py`` cannot replace what the harness uses.

SPEC (JSON): ``{"timeout_s": float, "jobs": [{"id", "module", "source", "examples":
[{"call", "expected", "raises"}]}]}``. Each job is one version of one module (a candidate
body spliced in): it runs in a forked child, which executes the source as that module and
evaluates each example call in its namespace, reporting one JSON line per example on a
pipe. The parent gives each example ``timeout_s`` (the child also arms an alarm), kills a
child that overruns and reports the rest of its examples as not run. The parent writes
the lines to RESULTS, one JSON object per line:
``{"job", "example", "passed", "detail"}``.

What the lines say is evidence, not proof: the tested code runs as the same uid and could
write to the same file."""

import ast
import contextlib
import io
import json
import math
import os
import select
import signal
import sys
import time
import traceback
import types

DETAIL_CHARS = 300


class _Sink(io.TextIOBase):
    """Where the tested code's prints go: counted, never kept."""

    def write(self, text: str) -> int:
        return len(text)


class _Timeout(BaseException):  # BaseException: `except Exception` in a body cannot swallow it
    pass


def _equal(actual: object, expected: object) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        try:
            return math.isclose(float(actual), float(expected), rel_tol=1e-6, abs_tol=1e-9)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            return False
    if isinstance(expected, list | tuple) and type(actual) is type(expected):
        return len(actual) == len(expected) and all(
            _equal(a, e) for a, e in zip(actual, expected, strict=True)
        )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    try:
        return bool(actual == expected)
    except Exception:
        return False


def _short(text: str) -> str:
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 3] + "..."


def _where(exc: BaseException, filename: str) -> str:
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return f" (line {lines[-1]})" if lines else ""


def _describe(exc: BaseException, filename: str) -> str:
    return _short(f"{type(exc).__name__}: {exc}") + _where(exc, filename)


def _run_job(job: dict, timeout_s: float, out: int) -> None:
    """In the child: load the module version, run its examples, one line each."""

    def report(index: int, passed: bool, detail: str) -> None:
        line = json.dumps({"job": job["id"], "example": index, "passed": passed, "detail": detail})
        os.write(out, (line + "\n").encode())

    def alarm(signum: int, frame: object) -> None:
        raise _Timeout()

    signal.signal(signal.SIGALRM, alarm)
    sys.stdout = sys.stderr = _Sink()  # the tested code's prints are not ours to keep
    filename = job["path"]
    module = types.ModuleType(job["module"])
    module.__file__ = filename
    sys.modules[job["module"]] = module
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout_s)
        exec(compile(job["source"], filename, "exec"), module.__dict__)
        signal.setitimer(signal.ITIMER_REAL, 0)
    except _Timeout:
        for index in range(len(job["examples"])):
            report(index, False, f"the module did not finish loading within {timeout_s:g} s")
        return
    except BaseException as exc:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for index in range(len(job["examples"])):
            report(index, False, "the module failed to load: " + _describe(exc, filename))
        return
    for index, example in enumerate(job["examples"]):
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout_s)
            actual = eval(compile(example["call"], "<example>", "eval"), module.__dict__)
            signal.setitimer(signal.ITIMER_REAL, 0)
        except _Timeout:
            report(index, False, f"did not finish within {timeout_s:g} s")
            continue
        except BaseException as exc:
            signal.setitimer(signal.ITIMER_REAL, 0)
            raised = example.get("raises")
            names = {k.__name__ for k in type(exc).__mro__}
            if raised and raised.rsplit(".", 1)[-1] in names:
                report(index, True, f"raised {type(exc).__name__}")
            else:
                report(index, False, "raised " + _describe(exc, filename))
            continue
        if example.get("raises"):
            report(index, False, f"returned {_short(repr(actual))}")
            continue
        expected = ast.literal_eval(example["expected"])
        if _equal(actual, expected):
            report(index, True, f"returned {_short(repr(actual))}")
        else:
            report(index, False, f"returned {_short(repr(actual))}")


def _parent(spec: dict, results: str) -> None:
    timeout_s = float(spec["timeout_s"])
    with open(results, "w", encoding="utf-8") as sink:
        for job in spec["jobs"]:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read_end)
                try:
                    _run_job(job, timeout_s, write_end)
                finally:
                    os._exit(0)
            os.close(write_end)
            seen = _collect(read_end, job, timeout_s, pid, sink)
            os.close(read_end)
            for index in range(seen, len(job["examples"])):
                detail = "not run: the process ended before it" if index else "not run"
                _write(sink, job["id"], index, False, detail)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _collect(read_end: int, job: dict, timeout_s: float, pid: int, sink: io.TextIOWrapper) -> int:
    """Copy the child's lines to ``sink``; kill it when one example takes too long. Returns
    how many examples were reported."""
    seen = 0
    buffer = b""
    deadline = time.monotonic() + 2 * timeout_s + 1.0  # loading the module, then the first
    while seen < len(job["examples"]):
        left = deadline - time.monotonic()
        ready = select.select([read_end], [], [], max(0.0, left))[0] if left > 0 else []
        if not ready:
            os.kill(pid, signal.SIGKILL)
            _write(sink, job["id"], seen, False, f"did not finish within {timeout_s:g} s")
            return seen + 1
        chunk = os.read(read_end, 65536)
        if not chunk:
            return seen
        buffer += chunk
        while b"\n" in buffer and seen < len(job["examples"]):
            line, buffer = buffer.split(b"\n", 1)
            try:
                item = json.loads(line)
                _write(sink, job["id"], seen, bool(item["passed"]), str(item["detail"]))
            except (ValueError, KeyError, TypeError):
                _write(sink, job["id"], seen, False, "the example's report was unreadable")
            seen += 1
            deadline = time.monotonic() + timeout_s + 1.0
    return seen


def _write(sink: io.TextIOWrapper, job: int, index: int, passed: bool, detail: str) -> None:
    line = {"job": job, "example": index, "passed": passed, "detail": _short(detail)}
    sink.write(json.dumps(line) + "\n")
    sink.flush()


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as spec_file:
        loaded = json.load(spec_file)
    sys.path.insert(0, os.getcwd())  # the project, only after the harness's own imports
    _parent(loaded, sys.argv[2])
