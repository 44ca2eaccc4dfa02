"""Server errors of the running service, in the shape the body-repair loop takes a failing
call: the request that crashed it and the traceback the service printed for it.

The lead's generation flow (issue 18) sends a failing body back with "the failing call and
what happened"; a 5xx on an endpoint is one such failure::

    for failure in dast_failures(project.all_files, sandbox):
        feedback = failure_feedback(failure)   # -> the model, like a failing example
        path, line = failure_frame(failure, {f.path for f in project.sources})
"""

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.dast import DastFailure
from quantumlayer_dagster.dast.options import DastOptions
from quantumlayer_dagster.dast.rules import traceback_frame
from quantumlayer_dagster.dast.run import attack_service
from quantumlayer_dagster.sandbox import CodeSandbox

_FEEDBACK_BODY_CHARS = 500


def dast_failures(
    files: list[SourceFile],
    sandbox: CodeSandbox,
    *,
    options: DastOptions | None = None,
    planned_schema: dict[str, object] | None = None,
) -> list[DastFailure]:
    """Start the HTTP service of ``files`` in ``sandbox``, attack it, and return each
    server error (a 5xx answer, or a service that did not start) with its request
    (``failure.request``: method, path with query, headers, body, curl) and the service's
    traceback (``failure.traceback``, project frames kept, paths relative to the project).
    Empty for a project that is not an HTTP service or could not be tested."""
    report = attack_service(files, sandbox, options=options, planned_schema=planned_schema)
    return report.server_errors


def failure_feedback(failure: DastFailure) -> str:
    """One failure as the text a failing test would give the model: the call, what came
    back, and the traceback."""
    if failure.request is None:
        return f"{failure.title}: {failure.message}".strip()
    request = failure.request
    lines = [f"{request.method} {request.path} answered {failure.status}: {failure.title}"]
    if request.body:
        lines.append(f"request body: {request.body[:_FEEDBACK_BODY_CHARS]}")
    lines.append(f"reproduce with: {request.curl}")
    if failure.traceback:
        lines += ["the service printed:", failure.traceback]
    return "\n".join(lines)


def failure_frame(failure: DastFailure, paths: set[str]) -> tuple[str, int] | None:
    """The project file and line the traceback ends in (the body to repair), or None."""
    return traceback_frame(failure.traceback, paths)
