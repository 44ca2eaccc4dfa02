"""Running untrusted generated code: the ``Sandbox`` and its models.

How a command is isolated (checked on this host, where we run as root with CAP_SYS_ADMIN
but without CAP_SYS_RESOURCE):

- bubblewrap, started as root, makes new net, pid, ipc, uts (and cgroup) namespaces but
  *no* user namespace: in one, bwrap maps the sandbox uid to the caller's uid, i.e. to host
  root, for which the kernel skips RLIMIT_NPROC. The new root holds /usr (read-only), a
  few world-readable /etc files, the interpreter's prefixes (read-only), a private size-
  capped tmpfs /tmp, and the work folder as the only writable host path. The network
  namespace has only a loopback device, so nothing on the host or beyond is reachable.
- inside, ``setpriv`` sets the real, effective and saved uid/gid to 65534 with no groups,
  no capabilities (bounding set emptied) and no_new_privs; then ``prlimit`` lowers
  RLIMIT_CPU/AS/FSIZE/NPROC/NOFILE/CORE (it runs after the uid change because setuid
  past the NPROC limit would fail). External tools rather than ``preexec_fn``, which is
  unsafe in threaded callers such as Dagster.
- the wrapper starts in a new session; at the wall timeout, and after every normal exit so
  that no background child outlives a run, the whole process group gets SIGKILL. Under
  bwrap that also kills bwrap's pid 1 (``--die-with-parent``), which takes every process
  of the pid namespace with it, even ones that called setsid().
- the environment is built from scratch: PATH, HOME (the work folder), LANG,
  PYTHONDONTWRITEBYTECODE, PYTHONHASHSEED plus what the caller passes.
- stdout and stderr are drained with a selector loop in the calling thread (the same loop
  enforces the deadline) and capped per stream; head and tail are kept.

Fails closed: ``mode="bwrap"`` (the default) never falls back; without a usable bwrap a
run is refused with the reason and the fix. ``mode="process"`` (asked for explicitly, for
local development) applies the same uid drop, rlimits, timeout and environment to a plain
process, which sees the host file system as uid 65534 would. Not root: no uid drop.

Whole-run limits (``cgroup``): as root, each run gets its own cgroup bounding total memory
and processes (v2 when delegated, else v1), which also kills processes that left the
process group; its work folder is a tmpfs of ``disk_mb``. ``SandboxResult.limit`` names
the limit that stopped a run. Without root: per-process rlimits only, said in
``isolation``.

Tools that read a tree on the host (bandit) run isolated from it: ``tool_process``.

Not trustworthy by construction: what the run reports about itself. The test runner's
JUnit and coverage files and its exit code come from inside the sandbox, written by the
same uid as the tested code, which can rewrite them. The test stages name the reports
randomly per run and cross-check them against the exit code, the runner's printed counts
and its own count channel (``TestRun.report_warnings``; a disagreement fails the run),
which catches a report rewritten after the fact (``tests/security/``) but not code that
forges all of them consistently.
"""

from quantumlayer_dagster.sandbox.models import SandboxLimits, SandboxResult
from quantumlayer_dagster.sandbox.protocol import CodeSandbox
from quantumlayer_dagster.sandbox.runner import Sandbox

__all__ = ["CodeSandbox", "Sandbox", "SandboxLimits", "SandboxResult"]
