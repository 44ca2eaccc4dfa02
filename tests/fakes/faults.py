"""The faults the fake OpenAI server can inject, and the rules that say when.

Transport faults break the HTTP exchange (status codes, a reset, no answer, a body cut
short); content faults answer 200 with a well-formed chat completion whose content is bad
(the LLM misbehaving rather than the network).
"""

from dataclasses import dataclass
from typing import Literal

Fault = Literal[
    "429",  # rate limited, with a Retry-After header
    "401",  # authentication failed; the error body echoes the key it was sent
    "500",  # internal error; the error body echoes the key it was sent
    "503",  # service unavailable
    "reset",  # the TCP connection is reset (RST) before any answer
    "timeout",  # no answer at all until the server stops (or hang_s passes)
    "truncated",  # 200 with a Content-Length the body never reaches, then the socket closes
    "malformed_json",  # 200, content is broken JSON
    "wrong_shape",  # 200, content is valid JSON of the wrong shape
    "empty",  # 200, content is the empty string
]

TRANSPORT_FAULTS: frozenset[str] = frozenset(
    {"429", "401", "500", "503", "reset", "timeout", "truncated"}
)
CONTENT_FAULTS: frozenset[str] = frozenset({"malformed_json", "wrong_shape", "empty"})
ALL_FAULTS: tuple[str, ...] = tuple(sorted(TRANSPORT_FAULTS | CONTENT_FAULTS))

MALFORMED_JSON = '{"title": "Word counter", "summary": "counts words", "goals": ['
"""Content for ``malformed_json``: JSON cut off mid-array (also not valid Python)."""

WRONG_SHAPE = '{"answer": "wrong shape", "items": [1, 2, 3]}'
"""Content for ``wrong_shape``: valid JSON that matches no stage's schema."""


@dataclass
class FaultRule:
    """Inject ``fault`` into matching requests.

    A request matches when its stage is ``stage`` (None: any stage), its file is ``file``
    (None: any file or none) and, when ``call`` is set, it is that stage's ``call``-th
    request (1-based, counting every request the stage made, faulted ones included; with
    ``file`` set, that file's ``call``-th request). ``times`` is how many more requests the
    rule applies to (None: every matching request, a permanent fault).
    """

    fault: Fault
    stage: str | None = None
    file: str | None = None
    call: int | None = None
    times: int | None = 1

    def __post_init__(self) -> None:
        if self.fault not in ALL_FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; known: {', '.join(ALL_FAULTS)}")

    def matches(self, stage: str, file: str | None, stage_call: int, file_call: int) -> bool:
        """Whether this rule applies to a request (and still has uses left)."""
        if self.times is not None and self.times <= 0:
            return False
        if self.stage is not None and self.stage != stage:
            return False
        if self.file is not None and self.file != file:
            return False
        index = file_call if self.file is not None else stage_call
        return self.call is None or self.call == index

    def use(self) -> None:
        """Count one application against ``times``."""
        if self.times is not None:
            self.times -= 1
