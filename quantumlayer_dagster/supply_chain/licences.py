"""Licences of dependencies: read from a distribution's metadata, judged against a policy.

Metadata is read, in order of trust, from ``License-Expression`` (PEP 639, already SPDX),
the ``License :: OSI Approved :: ...`` classifiers, and a short ``License`` field. A
``License`` field holding the full licence text is recognised only by its first line; any
other value is ``None`` ("unknown"), which the policy flags rather than guesses at.
"""

import re
from email.message import Message
from importlib import metadata
from typing import Literal, NamedTuple

from pydantic import Field

from quantumlayer_dagster.model import Model

LicenceVerdict = Literal["allowed", "denied", "unknown"]
LicenceSource = Literal["License-Expression", "classifier", "License"]

# Trove classifier tail -> SPDX id (the classifiers cannot say which BSD variant: "BSD").
_CLASSIFIERS = {
    "MIT License": "MIT",
    "MIT No Attribution License (MIT-0)": "MIT-0",
    "BSD License": "BSD",
    "Apache Software License": "Apache-2.0",
    "ISC License (ISCL)": "ISC",
    "Python Software Foundation License": "PSF-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "The Unlicense (Unlicense)": "Unlicense",
    "Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "zlib/libpng License": "Zlib",
    "GNU Affero General Public License v3": "AGPL-3.0",
    "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "GNU General Public License v2 (GPLv2)": "GPL-2.0",
    "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "GNU General Public License v3 (GPLv3)": "GPL-3.0",
    "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0",
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
}

# Free-text License values (or the first line of a pasted licence) -> SPDX id.
_TEXT = [
    (re.compile(r"^(the )?mit( license)?$", re.I), "MIT"),
    (re.compile(r"^apache( software)?( license)?,?( version)? ?2(\.0)?$", re.I), "Apache-2.0"),
    (re.compile(r"^apache-2\.0$", re.I), "Apache-2.0"),
    (re.compile(r"^(new |modified |revised )?bsd( 3-clause| 3 clause)?( license)?$", re.I), "BSD"),
    (re.compile(r"^bsd[- ]2[- ]clause( license)?$", re.I), "BSD-2-Clause"),
    (re.compile(r"^bsd[- ]3[- ]clause( license)?$", re.I), "BSD-3-Clause"),
    (re.compile(r"^isc( license)?$", re.I), "ISC"),
    (re.compile(r"^(psf|python software foundation)( license)?$", re.I), "PSF-2.0"),
    (re.compile(r"^mpl[- ]?2(\.0)?$", re.I), "MPL-2.0"),
]
_SPDX_ID = re.compile(r"^[A-Za-z0-9.+-]+$")


class Licence(NamedTuple):
    """An SPDX-style expression (or None when unknown) and the metadata field it came from."""

    expression: str | None
    source: LicenceSource | None


class LicencePolicy(Model):
    """Which licences a generated project may depend on. An id matches a pattern when it
    starts with it, case-insensitively ("BSD" matches "BSD-3-Clause"); deny wins over
    allow; an id in neither list, or an unknown licence, is flagged ("unknown")."""

    allow: list[str] = Field(
        default_factory=lambda: [
            "MIT",
            "BSD",
            "0BSD",
            "Apache-2.0",
            "ISC",
            "PSF-2.0",
            "Python-2.0",
            "MPL-2.0",
            "Unlicense",
            "Zlib",
            "HPND",
            "CC0-1.0",
        ]
    )
    deny: list[str] = Field(default_factory=lambda: ["AGPL", "GPL", "SSPL"])

    def verdict(self, expression: str | None) -> LicenceVerdict:
        """ "allowed" when the expression can be satisfied by allowed licences (any side of
        an OR, every side of an AND), "denied" when a denied one cannot be avoided."""
        if not expression:
            return "unknown"
        alternatives = [
            [_bare(term) for term in re.split(r"\s+AND\s+", alt, flags=re.I)]
            for alt in re.split(r"\s+OR\s+", expression.replace("(", " ").replace(")", " "))
        ]
        verdicts = [[self._one(term) for term in terms] for terms in alternatives]
        if any(all(v == "allowed" for v in alt) for alt in verdicts):
            return "allowed"
        if all(any(v == "denied" for v in alt) for alt in verdicts):
            return "denied"
        return "unknown"

    def _one(self, licence_id: str) -> LicenceVerdict:
        upper = licence_id.upper()
        if any(upper.startswith(p.upper()) for p in self.deny):
            return "denied"
        if any(upper.startswith(p.upper()) for p in self.allow):
            return "allowed"
        return "unknown"


def _bare(term: str) -> str:
    # "Apache-2.0 WITH LLVM-exception" is judged by its licence, not the exception
    return re.split(r"\s+WITH\s+", term.strip(), flags=re.I)[0].strip()


def installed_licence(distribution: str) -> Licence:
    """The licence of an installed distribution from its metadata; (None, None) when the
    distribution is not installed or its metadata names no recognisable licence."""
    try:
        meta = metadata.metadata(distribution)
    except metadata.PackageNotFoundError:
        return Licence(None, None)
    return licence_from_metadata(meta)


def licence_from_metadata(meta: Message | metadata.PackageMetadata) -> Licence:
    """The licence named by core metadata fields (see the module docstring for the order)."""
    expression = _field(meta, "License-Expression")
    if expression:
        return Licence(expression, "License-Expression")
    classified = [
        _CLASSIFIERS[tail]
        for c in (meta.get_all("Classifier") or [])
        if c.startswith("License :: ") and (tail := c.split(" :: ")[-1]) in _CLASSIFIERS
    ]
    if classified:
        return Licence(" OR ".join(dict.fromkeys(classified)), "classifier")
    text = _field(meta, "License")
    first = text.splitlines()[0].strip() if text else ""
    for pattern, spdx in _TEXT:
        if pattern.match(first):
            return Licence(spdx, "License")
    if first.upper() not in ("UNKNOWN", "NONE") and _SPDX_ID.match(first) and len(text) <= 40:
        return Licence(first, "License")  # a bare SPDX-looking id such as "LGPL-3.0"
    return Licence(None, None)


def _field(meta: Message | metadata.PackageMetadata, name: str) -> str:
    values = meta.get_all(name) or []
    return str(values[0]).strip() if values else ""
