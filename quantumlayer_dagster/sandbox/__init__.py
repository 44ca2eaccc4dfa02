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

Fallbacks, always named in ``SandboxResult.isolation``: without a usable bwrap the same
uid drop, rlimits, timeout and environment apply to a plain process ("process-only (no
network isolation; ...)"), and it then sees the host file system as uid 65534 would; a
process that calls setsid() can outlive the group kill (its CPU limit still ends it).
Not root: no uid drop ("no uid drop: not root"), bwrap then uses a user namespace.

Not limited: total disk use of the work folder (only per-file size), and RLIMIT_NPROC
counts every process of uid 65534 on the host, so concurrent sandboxes share it.

Not trustworthy by construction: what the run reports about itself. The test runner's
JUnit and coverage files and its exit code come from inside the sandbox, written by the
same uid as the tested code, which can rewrite them. The test stages name the reports
randomly per run and cross-check them against the exit code and the runner's printed
counts (``TestRun.report_warnings``; a disagreement fails the run), which catches a
report rewritten after the fact (see ``tests/integration/test_sandbox_hostile.py``) but
not code that forges the report, the printed counts and the exit code consistently.

In a cluster, ``K8sJobSandbox`` (``sandbox/k8s_job.py``) runs each test run as its own Job
in a pod without network, token or secrets; ``CodeSandbox`` is the protocol both satisfy.
"""

from quantumlayer_dagster.sandbox.models import SandboxLimits, SandboxResult
from quantumlayer_dagster.sandbox.protocol import CodeSandbox
from quantumlayer_dagster.sandbox.runner import Sandbox

__all__ = ["CodeSandbox", "Sandbox", "SandboxLimits", "SandboxResult"]
