"""pip-audit, imported so that what it starts never imports the user's working folder.

Import pip-audit from here, not directly: pip-audit imports pip-api, which at import runs
``python -m pip --version`` with our environment and working folder. Run from inside a
generated tree (``quantumlayer scan .``), ``-m`` put that folder first on the child's
``sys.path``, and a ``tokenize.py`` there ran with our uid. ``PYTHONSAFEPATH`` (Python 3.11+)
keeps the working folder (and a script's folder) off ``sys.path`` of every Python process
started from this one with our environment; our own tools are started isolated anyway
(``sandbox.tool_process``).
"""

import os

os.environ["PYTHONSAFEPATH"] = "1"

from pip_audit._audit import Auditor
from pip_audit._dependency_source.interface import DependencySource
from pip_audit._format.json import JsonFormat
from pip_audit._service.interface import (
    Dependency,
    ResolvedDependency,
    ServiceError,
    SkippedDependency,
    VulnerabilityID,
    VulnerabilityResult,
    VulnerabilityService,
)
from pip_audit._service.osv import OsvService

__all__ = [
    "Auditor",
    "Dependency",
    "DependencySource",
    "JsonFormat",
    "OsvService",
    "ResolvedDependency",
    "ServiceError",
    "SkippedDependency",
    "VulnerabilityID",
    "VulnerabilityResult",
    "VulnerabilityService",
]
