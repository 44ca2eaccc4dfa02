"""Whether a released version satisfies an npm version range (node-semver's grammar).

Covers what package.json files hold: exact versions, ``^`` and ``~``, comparators
(``>=1.2 <3``), x-ranges (``1.x``, ``*``), hyphen ranges (``1.2 - 2``) and ``||``. Anything
else (tags such as ``latest``, ``git+``/``file:``/``npm:`` specifiers, prerelease versions)
is answered None, "cannot tell", and never guessed at.
"""

import re

Version = tuple[int, int, int]

_PARTIAL = re.compile(r"^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$")
_FULL = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")
_COMPARATOR = re.compile(r"^(<=|>=|<|>|=|\^|~>|~)?\s*(\S+)$")
_Bound = tuple[str, Version]


def release(version: str) -> Version | None:
    """``"1.2.3"`` -> (1, 2, 3); None for anything else (prereleases included). Build
    metadata (``+build``) is ignored, as semver orders it."""
    match = _FULL.match(version.strip().split("+", 1)[0])
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def exact_version(spec: str) -> str | None:
    """The one version an exact range names (``"1.2.3"``, ``"=1.2.3"``, ``"v1.2.3"``)."""
    bare = spec.strip().removeprefix("=").strip()
    version = release(bare)
    return ".".join(map(str, version)) if version else None


def satisfies(version: str, spec: str) -> bool | None:
    """Whether ``version`` lies in the npm range ``spec``; None when either is outside the
    grammar above."""
    current = release(version)
    if current is None:
        return None
    answers = []
    for alternative in spec.split("||"):
        bounds = _bounds(alternative.strip())
        if bounds is None:
            return None
        answers.append(all(_holds(current, op, limit) for op, limit in bounds))
    return any(answers)


def _bounds(text: str) -> list[_Bound] | None:
    if text in ("", "*", "x", "X", "latest"):
        return [] if text != "latest" else None
    hyphen = re.fullmatch(r"(\S+)\s+-\s+(\S+)", text)
    if hyphen:
        low, high = _partial(hyphen[1]), _partial(hyphen[2])
        if low is None or high is None:
            return None
        return [(">=", _floor(low)), *_upper_of(high, inclusive=True)]
    bounds: list[_Bound] = []
    for token in re.sub(r"(<=|>=|<|>|=|\^|~>|~)\s+", r"\1", text).split():
        match = _COMPARATOR.match(token)
        parts = _partial(match[2]) if match else None
        if match is None or parts is None:
            return None
        bounds += _desugar(match[1] or "", parts)
    return bounds


def _partial(text: str) -> list[int | None] | None:
    match = _PARTIAL.match(text.split("+", 1)[0])
    if match is None:
        return None
    parts: list[int | None] = []
    for group in match.groups():
        if group is None or not group.isdigit():
            break
        parts.append(int(group))
    return parts


def _floor(parts: list[int | None]) -> Version:
    major, minor, patch = [*parts, 0, 0, 0][:3]
    return (major or 0, minor or 0, patch or 0)


def _bump(parts: list[int | None]) -> Version:
    """The first version past a partial (``1`` -> 2.0.0, ``1.2`` -> 1.3.0)."""
    if len(parts) == 1:
        return (int(parts[0] or 0) + 1, 0, 0)
    return (int(parts[0] or 0), int(parts[1] or 0) + 1, 0)


def _upper_of(parts: list[int | None], *, inclusive: bool) -> list[_Bound]:
    if not parts:
        return []
    if len(parts) == 3:
        return [("<=" if inclusive else "<", _floor(parts))]
    return [("<", _bump(parts))]


def _desugar(op: str, parts: list[int | None]) -> list[_Bound]:
    if not parts:  # "*", ">=x": anything; "<x", ">x": nothing
        return [("<", (0, 0, 0))] if op in ("<", ">") else []
    floor = _floor(parts)
    if op in ("", "="):
        return [(">=", floor), *_upper_of(parts, inclusive=True)]
    if op in ("~", "~>"):
        return [(">=", floor), ("<", _bump(parts[:2]))]
    if op == "^":
        nonzero = next((i for i, p in enumerate(parts) if p), len(parts) - 1)
        return [
            (">=", floor),
            ("<", _bump(parts[: nonzero + 1]) if nonzero < 2 else _next_patch(floor)),
        ]
    if op == ">":
        return [(">", floor)] if len(parts) == 3 else [(">=", _bump(parts))]
    if op == "<=":
        return _upper_of(parts, inclusive=True)
    if op == "<":
        return [("<", floor)]
    return [(">=", floor)]  # ">="


def _next_patch(version: Version) -> Version:
    return (version[0], version[1], version[2] + 1)


def _holds(version: Version, op: str, limit: Version) -> bool:
    return {
        "<": version < limit,
        "<=": version <= limit,
        ">": version > limit,
        ">=": version >= limit,
    }[op]
