"""Stage 10, dynamic part: the generated HTTP service started in the sandbox and attacked
(schemathesis against its OpenAPI schema, plus our own probes), and what came back."""

from typing import Literal

from pydantic import Field

from quantumlayer_dagster.artifacts.markdown import markdown_cell, markdown_table
from quantumlayer_dagster.model import Model

Framework = Literal["fastapi", "starlette", "flask", "express", "node-http"]
Level = Literal["LOW", "MEDIUM", "HIGH"]


class ServiceTarget(Model):
    """The HTTP service found in a tree by reading it (never by importing it): the object
    that serves requests and where it is defined."""

    language: Literal["python", "javascript"]
    framework: Framework
    path: str
    """The file that defines the app or server (project-relative)."""
    line: int
    module: str
    """Python: the dotted module (``app.main``); JavaScript: the file path again."""
    attribute: str
    """The name the app is bound to (``app``); for a Node module, the export used."""

    def describe(self) -> str:
        return f"{self.framework} app `{self.attribute}` in {self.path}:{self.line}"


class HttpRequest(Model):
    """A request that reproduces a failure, as the client sent it."""

    method: str
    path: str
    """Path and query string, e.g. ``/files?name=..%2F..%2Fetc%2Fpasswd``."""
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    curl: str = ""
    """The reproduction as schemathesis prints it (``curl -X GET 'http://.../files?...'``)."""


class DastFailure(Model):
    """One failure of the running service: what was sent, what came back, and for a server
    error the traceback the service printed while answering it."""

    rule_id: str
    """schemathesis's failure code (``ST101`` server error, ``ST108`` schema violation, ...)
    or one of our probes' (``QLD...``; ``dast.rules``)."""
    title: str
    operation: str
    """The schema operation, e.g. ``GET /files/{name}`` (``service`` when none applies)."""
    message: str = ""
    request: HttpRequest | None = None
    status: int | None = None
    response_excerpt: str = ""
    traceback: str = ""
    """What the service wrote to its log while it answered ``request`` (replayed alone),
    capped; empty when it wrote nothing or the failure is not a server error."""
    reproduced: bool | None = None
    """Whether replaying ``request`` alone gave the same 5xx (None: not replayed)."""

    @property
    def is_server_error(self) -> bool:
        return self.status is not None and self.status >= 500


class DastReport(Model):
    """The dynamic test of one generated project.

    ``target`` is None when the tree holds no HTTP service (``not_http`` says what was
    looked for); ``not_run`` says why a service that was found could not be tested (no
    usable sandbox, schemathesis missing, the run was stopped at a limit). A service that
    did not start is tested and failed: ``started`` is False and the failure says why."""

    target: ServiceTarget | None = None
    not_http: str | None = None
    not_run: str | None = None
    started: bool = False
    startup_s: float | None = None
    schema_source: str = ""
    """Where the OpenAPI schema came from: served by the app, generated from its routes, or
    from the plan."""
    operations: list[str] = Field(default_factory=list)
    cases: int = 0
    """Requests schemathesis generated and sent."""
    time_limited: bool = False
    """schemathesis was stopped at the time limit (``DastOptions.time_s``) before it sent
    every case it planned."""
    probes: int = 0
    """Requests our own probes sent."""
    failures: list[DastFailure] = Field(default_factory=list)
    failures_dropped: int = 0
    """Failures left out to keep the driver's result within the sandbox's output cap."""
    service_log_tail: str = ""
    tool_version: str = ""
    isolation: str = ""
    duration_s: float = 0.0

    @property
    def ran(self) -> bool:
        return self.target is not None and self.not_run is None

    @property
    def server_errors(self) -> list[DastFailure]:
        """Failures that are the service failing: a 5xx answer, or no answer at all."""
        return [f for f in self.failures if f.is_server_error or f.rule_id == "QLD100"]

    def summary(self) -> str:
        if self.target is None and self.not_run:
            return f"dynamic test did not run: {self.not_run}"
        if self.target is None:
            return f"not an HTTP service ({self.not_http or 'nothing found'}): no dynamic test"
        if self.not_run:
            return f"{self.target.describe()}: dynamic test did not run: {self.not_run}"
        if not self.started:
            return f"{self.target.describe()}: the service did not start"
        return (
            f"{self.target.describe()}: {len(self.operations)} operation(s), {self.cases} "
            f"generated case(s) and {self.probes} probe(s), {len(self.failures)} failure(s), "
            f"{len(self.server_errors)} server error(s) in {self.duration_s:g}s"
            + (" (stopped at the time limit)" if self.time_limited else "")
        )

    def markdown(self) -> str:
        lines = [f"**Dynamic test**: {markdown_cell(self.summary(), 400)}"]
        if self.schema_source:
            lines += ["", f"Schema: {markdown_cell(self.schema_source)}."]
        if self.failures:
            rows = [
                [
                    markdown_cell(f.rule_id),
                    markdown_cell(f.operation),
                    str(f.status or ""),
                    markdown_cell(f.title),
                    f"`{markdown_cell(f.request.curl if f.request else '', 300)}`",
                ]
                for f in self.failures
            ]
            header = ["rule", "operation", "status", "failure", "reproduce with"]
            lines += ["", markdown_table(header, rows)]
        return "\n".join(lines)
