"""Latest versions of distributions that are not installed here, from the package index,
with every answer cached on disk so an offline run reuses it instead of guessing.

The index is asked through pip's own client (``pip index versions NAME``), so the
environment's index configuration and proxy apply. A cache file maps a normalised
distribution name to the version and when it was resolved; it is only ever written with
answers the index gave.
"""

import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from quantumlayer_dagster.artifacts.dependencies import normalize_distribution
from quantumlayer_dagster.sandbox.tool_process import tool_argv

INDEX_TIMEOUT_S = 20.0
_LATEST = re.compile(r"^\S+ \(([^)\s]+)\)\s*$", re.M)


class IndexAnswer(NamedTuple):
    """A version (None when unresolved), where it came from ("cache"/"index"), and why not."""

    version: str | None
    source: str | None
    reason: str


class PackageIndex:
    """Resolves latest versions: the cache file first, then (when ``online``) the index."""

    def __init__(self, cache_file: Path, online: bool = True, timeout_s: float = INDEX_TIMEOUT_S):
        self.cache_file = cache_file
        self.online = online
        self.timeout_s = timeout_s

    def latest(self, distribution: str) -> IndexAnswer:
        """The latest version of ``distribution``: cached, else asked of the index."""
        key = normalize_distribution(distribution)
        cached = self._read().get(key)
        if isinstance(cached, dict) and isinstance(cached.get("version"), str):
            return IndexAnswer(cached["version"], "cache", "")
        if not self.online:
            return IndexAnswer(None, None, "not installed, not in the cache, index lookups off")
        version, problem = self._ask_index(distribution)
        if version is None:
            return IndexAnswer(None, None, f"package index: {problem}; no cached answer")
        self._write(key, version)
        return IndexAnswer(version, "index", "")

    def _ask_index(self, distribution: str) -> tuple[str | None, str]:
        args = ["index", "versions", distribution, "--disable-pip-version-check", "--no-input"]
        # -I and an empty working folder: a pip/ package where we were started (e.g. a
        # generated tree) is never imported; the environment stays, for the index and proxy.
        try:
            with tempfile.TemporaryDirectory(prefix="ql-pip-cwd-") as cwd:
                done = subprocess.run(
                    tool_argv("pip", args),
                    cwd=cwd,
                    capture_output=True,
                    text=True,
                    timeout=self.timeout_s,
                    check=False,
                )
        except subprocess.TimeoutExpired:
            return None, f"no answer within {self.timeout_s:.0f}s"
        except OSError as exc:
            return None, f"pip could not be started ({exc.strerror or exc})"
        match = _LATEST.search(done.stdout)
        if done.returncode == 0 and match:
            return match.group(1), ""
        lines = [ln for ln in done.stderr.splitlines() if ln.startswith("ERROR")]
        return None, (lines[-1].removeprefix("ERROR: ") if lines else "no version found")

    def _read(self) -> dict[str, object]:
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # no cache yet, or a damaged one: answers are re-asked, never invented
        return data if isinstance(data, dict) else {}

    def _write(self, key: str, version: str) -> None:
        data = self._read()
        data[key] = {"version": version, "resolved_at": int(time.time())}
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        # write then rename: concurrent runs never see a half-written cache
        fd, tmp = tempfile.mkstemp(dir=self.cache_file.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1, sort_keys=True)
        os.replace(tmp, self.cache_file)
