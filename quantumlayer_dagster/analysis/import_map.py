"""Which distribution provides an imported module: the evidence behind stage 7 and the
import check of stage 6.

An import name is mapped to a distribution only from evidence: a curated table of
well-known mismatches (``yaml`` -> PyYAML), the distributions installed in this
environment (``importlib.metadata.packages_distributions()``), or a declared requirement
of the same name. Anything else stays unresolved; nothing is guessed.
"""

import re
from functools import cache
from importlib import metadata

from quantumlayer_dagster.artifacts.dependencies import FoundVia, normalize_distribution

# Import names whose distribution is named differently; dotted keys win over their top level.
KNOWN_DISTRIBUTIONS: dict[str, str] = {
    "yaml": "PyYAML",
    "PIL": "Pillow",
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "cv2": "opencv-python",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "jwt": "PyJWT",
    "dotenv": "python-dotenv",
    "attr": "attrs",
    "google.protobuf": "protobuf",
    "google.cloud.storage": "google-cloud-storage",
    "googleapiclient": "google-api-python-client",
    "Crypto": "pycryptodome",
    "Cryptodome": "pycryptodomex",
    "OpenSSL": "pyOpenSSL",
    "nacl": "PyNaCl",
    "jose": "python-jose",
    "multipart": "python-multipart",
    "magic": "python-magic",
    "serial": "pyserial",
    "usb": "pyusb",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "fitz": "PyMuPDF",
    "MySQLdb": "mysqlclient",
    "git": "GitPython",
    "slugify": "python-slugify",
    "dns": "dnspython",
    "zmq": "pyzmq",
    "websocket": "websocket-client",
    "kafka": "kafka-python",
    "socketio": "python-socketio",
    "telegram": "python-telegram-bot",
    "discord": "discord.py",
    "gi": "PyGObject",
    "win32api": "pywin32",
    "ldap": "python-ldap",
    "pkg_resources": "setuptools",
    "faiss": "faiss-cpu",
}

# a requirement's name, but not the scheme of a URL or VCS line ("git+https://...")
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?=$|[\[<>=!~;@ ])")
_PINNED = re.compile(r"==\s*([A-Za-z0-9.+!_-]+)\s*(?:;|$)")


def import_key(module: str) -> str:
    """What to resolve an import by: the longest dotted prefix in the curated table, the
    first two parts for a namespace shared by several installed distributions
    ("google.auth"), else the top-level name."""
    parts = module.split(".")
    for end in range(len(parts), 1, -1):
        prefix = ".".join(parts[:end])
        if prefix in KNOWN_DISTRIBUTIONS:
            return prefix
    if len(parts) > 1 and len(installed_providers().get(parts[0], [])) > 1:
        return ".".join(parts[:2])
    return parts[0]


def distribution_for(
    key: str, pins: dict[str, str | None]
) -> tuple[str | None, FoundVia | None, str]:
    """(distribution, how it was found, why none was) for one import key."""
    if key in KNOWN_DISTRIBUTIONS:
        return KNOWN_DISTRIBUTIONS[key], "curated", ""
    top = key.split(".")[0]
    installed = sorted(set(installed_providers().get(top, [])))
    if "." in key:
        installed = [d for d in installed if _ships_module(d, key)]
    if len(installed) == 1:
        return installed[0], "environment", ""
    # a namespace shared by several installed distributions: the declared one, if exactly one
    declared = [d for d in installed if normalize_distribution(d) in pins]
    if len(declared) == 1:
        return declared[0], "environment", ""
    if normalize_distribution(key) in pins:
        return key, "declared", ""
    if installed:
        names = ", ".join(installed)
        return None, None, f"import '{key}' is provided by several distributions: {names}"
    return None, None, f"no distribution known for import '{key}'"


@cache
def installed_providers() -> dict[str, list[str]]:
    # scanning every installed distribution's metadata is slow; the environment is fixed per process
    return dict(metadata.packages_distributions())


def _ships_module(distribution: str, module: str) -> bool:
    """Whether the installed ``distribution`` has files for the dotted ``module``."""
    path = module.replace(".", "/")
    files = metadata.distribution(distribution).files or []
    return any(str(f) == f"{path}.py" or str(f).startswith(f"{path}/") for f in files)


def declared_names(declared: list[str]) -> list[str]:
    return [m.group(1) for d in declared if (m := _REQUIREMENT_NAME.match(d))]


def declared_pins(declared: list[str]) -> dict[str, str | None]:
    """Normalised declared name -> its ``==`` pin (None when not pinned exactly)."""
    pins: dict[str, str | None] = {}
    for requirement in declared:
        name = _REQUIREMENT_NAME.match(requirement)
        if name:
            pin = _PINNED.search(requirement)
            pins[normalize_distribution(name.group(1))] = pin.group(1) if pin else None
    return pins
