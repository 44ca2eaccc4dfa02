"""Prompt templates, one file per stage: a system part, a line ``=== user ===``, a user part.

The user part is filled with ``str.format``; a template's digest feeds the stage's
``code_version`` so the UI shows which requests are stale after a template change.
"""

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

SEPARATOR = "=== user ==="


@dataclass(frozen=True)
class Template:
    name: str
    system: str
    user: str

    def messages(self, **fields: object) -> list[dict[str, str]]:
        """The chat messages for this template with ``fields`` filled in."""
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.user.format(**fields)},
        ]

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.system}\n{self.user}".encode()).hexdigest()[:12]


@cache
def load_template(name: str) -> Template:
    """Load ``<name>.txt`` from this package; raise KeyError naming it when absent."""
    path = resources.files(__package__).joinpath(f"{name}.txt")
    if not path.is_file():
        raise KeyError(f"no prompt template {name!r}")
    system, sep, user = path.read_text(encoding="utf-8").partition(SEPARATOR)
    if not sep:
        raise ValueError(f"prompt template {name!r} has no {SEPARATOR!r} line")
    return Template(name=name, system=system.strip(), user=user.strip())
