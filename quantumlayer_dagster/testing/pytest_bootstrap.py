"""How pytest starts in the sandbox so that the tree it tests cannot steer it.

``python -m pytest`` from the project folder puts that folder first on ``sys.path``: a
generated ``pytest.py``, ``_pytest/``, ``pluggy/``, ``coverage/`` or ``pytest_cov/`` would
be imported in place of the real one. Instead the sandbox runs ``python -I -c BOOTSTRAP``:

- ``-I``: no working folder on ``sys.path``, ``PYTHON*`` variables and user site ignored;
- pytest, pluggy and (when asked) pytest-cov and coverage are imported *before* the project
  folder is appended, at the end of ``sys.path``, so site-packages always come first;
- ``--import-mode=append`` makes pytest append test folders instead of prepending them;
- ``-c /dev/null`` and ``--cov-config=/dev/null``: the tree's pytest.ini, pyproject.toml,
  tox.ini, setup.cfg and .coveragerc are not read (their ``addopts``, ``pythonpath``,
  ``-p`` plugins and coverage ``omit`` would steer the runner);
- ``PYTEST_DISABLE_PLUGIN_AUTOLOAD``: no plugin comes from an entry point (a ``*.dist-info``
  in the tree would otherwise declare one); pytest-cov is loaded by name.

The counts channel: the bootstrap's own plugin counts outcomes from pytest's hooks and,
after ``pytest.main`` returns, writes them with the exit code to a file created new
(``O_EXCL``, no links); ``test_reports`` cross-checks it against the JUnit report, the
printed summary and the process exit code. Tested code runs in the same interpreter and
can still forge all of them consistently (see the README's security section).
"""

BOOTSTRAP = """\
import json, os, sys
import pluggy, pytest, _pytest.config
if sys.argv[2] == "cov":
    import coverage, pytest_cov.plugin
channel, root, args = sys.argv[1], sys.argv[3], sys.argv[4:]
sys.path.append(root)

class QlCounts:
    def __init__(self):
        self.counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":
            key = "error" if report.when != "call" and report.failed else report.outcome
            self.counts[key] += 1

counter = QlCounts()
code = int(pytest.main(args, plugins=[counter]))
flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
with os.fdopen(os.open(channel, flags, 0o600), "w") as out:
    json.dump({"exit_code": code, **counter.counts}, out)
sys.exit(code)
"""
"""Run as ``python -I -c BOOTSTRAP CHANNEL cov|nocov ROOT PYTEST_ARGS...``."""

PYTEST_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def bootstrap_argv(
    python: str, channel: str, root: str, pytest_args: list[str], *, coverage: bool
) -> list[str]:
    """The sandboxed command line that runs pytest with ``pytest_args`` over ``root``."""
    plugins = ["-p", "pytest_cov.plugin", "--cov-config=/dev/null"] if coverage else []
    steer = ["-c", "/dev/null", "--import-mode=append", "-p", "no:cacheprovider", *plugins]
    head = [python, "-I", "-c", BOOTSTRAP, channel, "cov" if coverage else "nocov", root]
    return [*head, *steer, *pytest_args]
