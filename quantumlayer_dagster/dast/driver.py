"""The dynamic test's driver: runs INSIDE the sandbox, as ``python -I -c SOURCE CONFIG``.

Self-contained on purpose (the standard library and schemathesis only; our package is not
visible in the sandbox): ``dast.run`` passes this file's text as the program. It

1. makes itself non-dumpable, so the service (the same uid) cannot read its memory or open
   its file descriptors through ``/proc``: the results leave only on this process's stdout;
2. starts the service (``service_argv``, in its own session, its output captured) on a
   free loopback port and waits until it answers, or its start-up limit passes;
3. runs schemathesis in-process (``st run``, bounded examples and time, a config and JUnit
   report in memory files, never the tree's ``schemathesis.toml``) against the schema;
4. replays each server error alone to capture the traceback the service printed for it;
5. sends our own probes (path traversal, command, SQL and template injection) through
   every string path and query parameter;
6. kills the service's session and prints one ``RESULT_MARKER`` line of JSON.

Everything it reports is capped; the sandbox kills whatever the service left behind.
"""

import contextlib
import ctypes
import io
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree
from typing import Any

RESULT_MARKER = "QL-DAST-RESULT "
_PR_SET_DUMPABLE = 4
_LOG_CAP = 1024 * 1024
_TRACEBACK_CHARS = 16000
_EXCERPT_CHARS = 300
_MAX_FAILURES = 60
_REQUEST_TIMEOUT_S = 5.0
_RESULT_BYTES = 160 * 1024
"""Most bytes of the result line: the sandbox keeps 256 KiB of stdout (head and tail)."""
_SETTLE_S = 0.2

PASSWD_MARK = "root:x:0:0:"
TRAVERSAL = (
    "../../../../../../../../etc/passwd",
    "/etc/passwd",
    "....//....//....//....//....//etc/passwd",
    "..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
)
COMMAND = (";id", "$(id)", "`id`", "|id", "&& id")
COMMAND_MARK = re.compile(r"uid=\d+\(")
SQL = ("'", "' OR '1'='1", "1' UNION SELECT NULL--", '"')
SQL_MARK = re.compile(
    r"sqlite3\.\w*Error|OperationalError|ProgrammingError|SQL syntax|syntax error at or near"
    r"|unrecognized token|unterminated quoted string|SQLITE_ERROR|psycopg|pymysql",
    re.IGNORECASE,
)
TEMPLATE = ("{{7*191}}", "${7*191}", "<%= 7*191 %>", "#{7*191}")
TEMPLATE_MARK = "1337"


class ServiceLog:
    """The service's merged stdout and stderr, capped, with absolute offsets so that the
    output written while one request was answered can be cut out."""

    def __init__(self, stream: Any) -> None:
        self._data = bytearray()
        self._start = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: Any) -> None:
        while True:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not chunk:
                return
            with self._lock:
                self._data += chunk
                excess = len(self._data) - _LOG_CAP
                if excess > 0:
                    del self._data[:excess]
                    self._start += excess

    def position(self) -> int:
        with self._lock:
            return self._start + len(self._data)

    def since(self, position: int) -> str:
        with self._lock:
            cut = max(0, position - self._start)
            return bytes(self._data[cut:]).decode("utf-8", errors="replace")

    def tail(self, chars: int = _TRACEBACK_CHARS) -> str:
        with self._lock:
            return bytes(self._data[-chars * 2 :]).decode("utf-8", errors="replace")[-chars:]


def main(config: dict[str, Any]) -> dict[str, Any]:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    started = time.monotonic()
    deadline = started + float(config["deadline_s"])
    port = _free_port()
    schema_path = os.path.join(config["private_dir"], "openapi.json")
    argv = [
        a.replace("{port}", str(port)).replace("{schema}", schema_path)
        for a in config["service_argv"]
    ]
    result: dict[str, Any] = {"failures": [], "cases": 0, "probes": 0, "operations": []}
    proc = subprocess.Popen(
        argv,
        cwd=config["root"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log = ServiceLog(proc.stdout)
    try:
        why_not = _wait_until_serving(proc, port, float(config["startup_s"]))
        result["startup_s"] = round(time.monotonic() - started, 3)
        if why_not is not None:
            result["started"] = False
            result["not_started"] = why_not
            return result
        result["started"] = True
        schema, source = _schema(config, schema_path)
        result["schema_source"] = source
        if schema is None:
            result["error"] = "no OpenAPI schema: the app serves none and the plan gave none"
            return result
        result["operations"] = _operations(schema)
        base = f"http://127.0.0.1:{port}"
        budget = min(float(config["time_s"]), deadline - time.monotonic() - 10)
        failures, cases, console, limited = _schemathesis(config, schema, base, max(budget, 1.0))
        result["cases"] = cases
        result["time_limited"] = limited
        result["schemathesis_console_tail"] = console[-2000:]
        for failure in failures[:_MAX_FAILURES]:
            if time.monotonic() > deadline - 3 - _REQUEST_TIMEOUT_S:
                break  # what was not replayed keeps its request, without a traceback
            if failure.get("status") and failure["status"] >= 500 and failure.get("request"):
                _replay(failure, base, log)
        probe_failures, probes = _probe(schema, base, log, deadline - 3)
        result["probes"] = probes
        result["failures"] = (failures + probe_failures)[:_MAX_FAILURES]
        return result
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=2)
        result["exit_code"] = proc.returncode
        time.sleep(0.05)
        result["log_tail"] = log.tail()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_serving(proc: subprocess.Popen[bytes], port: int, limit_s: float) -> str | None:
    """None once something accepts connections on ``port``; else why it never did."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        code = proc.poll()
        if code is not None:
            return f"the service exited with code {code} before it served on its port"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return None
        time.sleep(0.1)
    return f"the service did not answer on 127.0.0.1:{port} within {limit_s:g}s"


def _schema(config: dict[str, Any], schema_path: str) -> tuple[dict[str, Any] | None, str]:
    planned = config.get("planned_schema")
    if planned:
        return planned, "the plan"
    for _ in range(20):
        if os.path.exists(schema_path):
            break
        time.sleep(0.1)
    with contextlib.suppress(OSError, ValueError), open(schema_path, encoding="utf-8") as file:
        written = json.load(file)
        doc = written.get("schema")
        if isinstance(doc, dict) and isinstance(doc.get("paths"), dict):
            return doc, str(written.get("source", "the app"))
    return None, "none"


def _operations(schema: dict[str, Any]) -> list[str]:
    return [
        f"{method.upper()} {path}"
        for path, item in schema.get("paths", {}).items()
        if isinstance(item, dict)
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _memory_file(name: str, content: str) -> tuple[int, str]:
    """An anonymous in-memory file and the path this process (alone) opens it by."""
    fd = os.memfd_create(name)
    os.write(fd, content.encode("utf-8"))
    return fd, f"/proc/self/fd/{fd}"


def _schemathesis(
    config: dict[str, Any], schema: dict[str, Any], base: str, time_s: float
) -> tuple[list[dict[str, Any]], int, str, bool]:
    """schemathesis's failures, its generated cases, its console output, and whether it was
    stopped at ``time_s``."""
    import schemathesis.cli

    toml_fd, toml = _memory_file("schemathesis.toml", "")
    schema_fd, schema_file = _memory_file("openapi.json", json.dumps(schema))
    junit_fd, junit = _memory_file("junit.xml", "")
    args = [
        "--config-file", toml, "--no-color", "run", schema_file, "--url", base,
        "--checks", config["checks"], "--max-examples", str(config["max_examples"]),
        "--workers", "1",
        "--seed", str(config["seed"]), "--generation-database", "none",
        "--request-timeout", str(_REQUEST_TIMEOUT_S), "--max-redirects", "0",
        "--phases", "examples,coverage,fuzzing", "--warnings", "off",
        "--report", "junit", "--report-junit-path", junit,
    ]  # fmt: skip
    console = io.StringIO()
    # --max-time would repeat fuzzing until the time is spent; the cases are bounded by
    # --max-examples instead, and an interrupt at the time limit stops the run early, as
    # Ctrl-C would (schemathesis still writes its report).
    fired = threading.Event()

    def stop() -> None:
        fired.set()
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(time_s, stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    timer.start()
    with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console):
        try:
            schemathesis.cli.schemathesis.main(args, prog_name="st", standalone_mode=False)
        except (SystemExit, KeyboardInterrupt):
            pass
        except Exception as exc:  # a crash of the tool is reported, not raised
            print(f"schemathesis failed: {type(exc).__name__}: {exc}")
        finally:
            # a timer that fires after the run ended must not interrupt what follows
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            timer.cancel()
    os.lseek(junit_fd, 0, os.SEEK_SET)
    report = os.read(junit_fd, 32 * 1024 * 1024).decode("utf-8", errors="replace")
    for fd in (toml_fd, schema_fd, junit_fd):
        os.close(fd)
    text = console.getvalue()
    match = re.search(r"Test cases:\s*\n\s*(\d+) generated", text)
    cases = int(match.group(1)) if match else 0
    return _junit_failures(report), cases, text, fired.is_set()


_CASE = re.compile(r"^\d+\. Test Case ID: (\S+)\s*$", re.MULTILINE)
_CODE = re.compile(r"^- (ST\d+) (.+?)(?: \(\d+ violations\))?$", re.MULTILINE)
_STATUS = re.compile(r"^\[(\d{3})\] [^\n]*:$", re.MULTILINE)


def _junit_failures(report: str) -> list[dict[str, Any]]:
    """One entry per failure code per test case of schemathesis's JUnit report."""
    if not report.strip():
        return []
    try:
        root = ElementTree.fromstring(report)
    except ElementTree.ParseError:
        return []
    found = []
    for case in root.iter("testcase"):
        operation = case.get("name", "")
        for failure in case.iter("failure"):
            text = failure.text or ""
            starts = [m.start() for m in _CASE.finditer(text)] or [0]
            for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
                found += _case_failures(operation, text[start:end])
    return found


def _case_failures(operation: str, block: str) -> list[dict[str, Any]]:
    status_match = _STATUS.search(block)
    status = int(status_match.group(1)) if status_match else None
    curl = ""
    excerpt = ""
    head, _, repro = block.partition("Reproduce with:")
    if repro:
        lines = [line.strip() for line in repro.strip("\n").splitlines()]
        curl = " ".join(line.rstrip("\\").strip() for line in lines if line).strip()
    if status_match:
        excerpt = head[status_match.end() :].strip().strip("`")[:_EXCERPT_CHARS]
    codes = list(_CODE.finditer(head))
    entries = []
    for i, code in enumerate(codes):
        end = (
            codes[i + 1].start()
            if i + 1 < len(codes)
            else (status_match.start() if status_match else len(head))
        )
        message = head[code.end() : end].strip()
        entries.append(
            {
                "rule_id": code.group(1),
                "title": code.group(2).strip(),
                "operation": operation,
                "message": message[:1500],
                "status": status,
                "response_excerpt": excerpt,
                "request": _request_from_curl(curl) if curl else None,
            }
        )
    return entries


def _request_from_curl(curl: str) -> dict[str, Any] | None:
    try:
        words = shlex.split(curl)
    except ValueError:
        return None
    method, url, body = "GET", "", None
    headers: dict[str, str] = {}
    i = 1
    while i < len(words):
        word = words[i]
        if word == "-X" and i + 1 < len(words):
            method = words[i + 1]
            i += 1
        elif word == "-H" and i + 1 < len(words):
            name, _, value = words[i + 1].partition(":")
            headers[name.strip()] = value.strip()
            i += 1
        elif word in ("-d", "--data", "--data-raw", "--data-binary") and i + 1 < len(words):
            body = words[i + 1]
            i += 1
        elif word.startswith("http://"):
            url = word
        i += 1
    if not url:
        return None
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return {"method": method, "path": path, "headers": headers, "body": body, "curl": curl}


def _send(
    base: str,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> tuple[int | None, str]:
    request = urllib.request.Request(
        base + path,
        data=body.encode("utf-8") if body is not None else None,
        headers=headers or {},
        method=method,
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=_REQUEST_TIMEOUT_S) as response:
            return response.status, response.read(65536).decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(65536).decode("utf-8", errors="replace")
    except (OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"


def _replay(failure: dict[str, Any], base: str, log: ServiceLog) -> None:
    """Send the failing request again, alone, and keep what the service logged for it."""
    request = failure["request"]
    mark = log.position()
    status, _ = _send(base, request["method"], request["path"], request["headers"], request["body"])
    time.sleep(_SETTLE_S)
    failure["reproduced"] = status is not None and status >= 500
    failure["traceback"] = _traceback(log.since(mark))


def _traceback(logged: str) -> str:
    start = logged.find("Traceback (most recent call last)")
    text = logged[start:] if start >= 0 else logged
    return text[-_TRACEBACK_CHARS:].strip()


def _string_parameters(operation: dict[str, Any], item: dict[str, Any]) -> list[dict[str, Any]]:
    params = [*item.get("parameters", []), *operation.get("parameters", [])]
    return [p for p in params if isinstance(p, dict) and p.get("in") in ("path", "query")]


def _default(param: dict[str, Any]) -> str:
    schema = param.get("schema") or {}
    for key in ("example", "default"):
        if key in schema:
            return str(schema[key])
    if schema.get("enum"):
        return str(schema["enum"][0])
    kind = schema.get("type")
    if kind is None and isinstance(schema.get("anyOf"), list):
        kinds = [s.get("type") for s in schema["anyOf"] if isinstance(s, dict)]
        kind = next((k for k in kinds if k and k != "null"), None)
    return {"integer": "1", "number": "1", "boolean": "true"}.get(str(kind), "a")


def _is_text(param: dict[str, Any]) -> bool:
    schema = param.get("schema") or {}
    kind = schema.get("type")
    if kind is None and isinstance(schema.get("anyOf"), list):
        return any(isinstance(s, dict) and s.get("type") == "string" for s in schema["anyOf"])
    return kind in (None, "string")


def _url(path: str, params: list[dict[str, Any]], values: dict[str, str]) -> str:
    query = []
    for param in params:
        value = values.get(param["name"], _default(param))
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", urllib.parse.quote(value, safe=""))
        elif param.get("required") or param["name"] in values:
            query.append((param["name"], value))
    return path + (f"?{urllib.parse.urlencode(query)}" if query else "")


def _probe(
    schema: dict[str, Any], base: str, log: ServiceLog, deadline: float
) -> tuple[list[dict[str, Any]], int]:
    """Our own hostile inputs through every text path and query parameter of every
    operation without a required body; one failure per rule, operation and parameter."""
    failures: list[dict[str, Any]] = []
    sent = 0
    families = (
        ("QLD001", TRAVERSAL),
        ("QLD002", COMMAND),
        ("QLD003", SQL),
        ("QLD004", TEMPLATE),
    )
    for path, item in schema.get("paths", {}).items():
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            if not isinstance(operation, dict) or _needs_body(operation):
                continue
            params = _string_parameters(operation, item)
            label = f"{method.upper()} {path}"
            for param in (p for p in params if _is_text(p)):
                _, baseline = _send(base, method.upper(), _url(path, params, {}))
                sent += 1
                crashed = False
                for rule, payloads in families:
                    for payload in payloads:
                        if time.monotonic() > deadline:
                            return failures, sent
                        target = _url(path, params, {param["name"]: payload})
                        mark = log.position()
                        status, body = _send(base, method.upper(), target)
                        sent += 1
                        found = _verdict(rule, status, body, baseline, log, mark)
                        if found is None:
                            continue
                        rule_id, title = found
                        if rule_id == "QLD005" and crashed:
                            continue  # one hostile-input crash per parameter is enough
                        crashed = crashed or rule_id == "QLD005"
                        failures.append(
                            _probe_failure(
                                rule_id, title, label, param, payload, method, target, base,
                                status, body, log.since(mark),
                            )
                        )  # fmt: skip
                        break
    return failures, sent


def _needs_body(operation: dict[str, Any]) -> bool:
    body = operation.get("requestBody")
    return isinstance(body, dict) and bool(body.get("required"))


def _verdict(
    rule: str, status: int | None, body: str, baseline: str, log: ServiceLog, mark: int
) -> tuple[str, str] | None:
    if rule == "QLD001" and PASSWD_MARK in body:
        return rule, "Path traversal: a file outside the service was read"
    if rule == "QLD002" and COMMAND_MARK.search(body):
        return rule, "Command injection: the parameter reached a shell"
    if rule == "QLD004" and TEMPLATE_MARK in body and TEMPLATE_MARK not in baseline:
        return rule, "Template injection: the parameter was evaluated"
    if status is not None and status >= 500:
        time.sleep(_SETTLE_S)
        if rule == "QLD003" and (SQL_MARK.search(body) or SQL_MARK.search(log.since(mark))):
            return rule, "SQL injection: a quote in the parameter broke the query"
        return "QLD005", "Server error on a hostile input"
    return None


def _probe_failure(
    rule_id: str,
    title: str,
    label: str,
    param: dict[str, Any],
    payload: str,
    method: str,
    target: str,
    base: str,
    status: int | None,
    body: str,
    logged: str,
) -> dict[str, Any]:
    curl = f"curl -X {method.upper()} {shlex.quote(base + target)}"
    return {
        "rule_id": rule_id,
        "title": title,
        "operation": label,
        "message": f"{param['in']} parameter `{param['name']}` = {payload!r}",
        "status": status,
        "response_excerpt": body[:_EXCERPT_CHARS],
        "request": {"method": method.upper(), "path": target, "headers": {}, "body": None,
                    "curl": curl},
        "traceback": _traceback(logged) if status is not None and status >= 500 else "",
        "reproduced": True,
    }  # fmt: skip


def fitted(result: dict[str, Any], limit: int = _RESULT_BYTES) -> str:
    """``result`` as one JSON line of at most ``limit`` bytes: tracebacks are cut to their
    tail first, then the last failures are dropped (their count is kept)."""
    line = json.dumps(result)
    for keep in (4000, 1500, 500):
        if len(line.encode()) <= limit:
            return line
        for failure in result["failures"]:
            failure["traceback"] = str(failure.get("traceback", ""))[-keep:]
            failure["message"] = str(failure.get("message", ""))[:keep]
        line = json.dumps(result)
    while len(line.encode()) > limit and result["failures"]:
        result["failures"].pop()
        result["failures_dropped"] = result.get("failures_dropped", 0) + 1
        line = json.dumps(result)
    return line


if __name__ == "__main__":
    outcome = main(json.loads(sys.argv[1]))
    sys.stdout.write("\n" + RESULT_MARKER + fitted(outcome) + "\n")
    sys.stdout.flush()
    os._exit(0)
