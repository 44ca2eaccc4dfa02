"""What the engine knows of each body it writes: the target (where the function is, what
judges it, what its body may import and define), each candidate with its verdict, and the
state of one body across rounds."""

from dataclasses import dataclass, field

from quantumlayer_dagster.generation.body_kit import BodyKit
from quantumlayer_dagster.generation.examples import Example
from quantumlayer_dagster.generation.run_examples import ExampleOutcome
from quantumlayer_dagster.generation.splice_body import Allowance, Body
from quantumlayer_dagster.llm.protocol import Message


@dataclass(frozen=True)
class BodyTarget:
    """One function to write: where it is, the examples that judge it, what the request
    says around the code (``context``), and what its body may import and define."""

    path: str
    qualname: str
    examples: tuple[Example, ...]
    context: str = ""
    allowed: Allowance = field(default=lambda module: None, compare=False)
    taken: frozenset[str] = frozenset()
    siblings: frozenset[str] = frozenset()
    current: bool = False
    """The function already has a body: it is judged first and only repaired (with what
    its examples show) when it fails them."""
    complaints: tuple[str, ...] = ()
    """What showed the current body wrong besides its examples (a server error it caused,
    with the request and traceback): sent back first, and the current body gives way to a
    repair that passes as many examples."""

    @property
    def key(self) -> str:
        return f"{self.path}::{self.qualname}"


@dataclass
class Candidate:
    round: int
    number: int | None
    reply: str
    code: str
    body: Body | None
    findings: list[str]
    sent_back: list[str]
    outcomes: list[ExampleOutcome] = field(default_factory=list)
    judged_with: str = ""
    """The digest of the files its outcomes were judged against."""

    @property
    def passed(self) -> int:
        return sum(1 for o in self.outcomes if o.passed)


@dataclass
class BodyState:
    target: BodyTarget
    messages: list[Message]
    kit: BodyKit
    candidates: list[Candidate] = field(default_factory=list)
    kept: int | None = None

    @property
    def best(self) -> Candidate | None:
        return self.candidates[self.kept] if self.kept is not None else None

    def done(self) -> bool:
        """Every example passes, or the kept body fails only because something it calls is
        still a placeholder (a repair of this body cannot help); never while the kept body
        is one complained about."""
        best = self.best
        if best is None or complained(self, best):
            return False
        failing = [o for o in best.outcomes if not o.passed]
        return not failing or all(self.kit.placeholder_failure(o.detail) for o in failing)


def complained(state: BodyState, candidate: Candidate) -> bool:
    """Whether the candidate is the current body its target's complaints are about."""
    return candidate.round == 0 and bool(state.target.complaints)


def usable(candidate: Candidate) -> bool:
    return candidate.body is not None and not candidate.findings
