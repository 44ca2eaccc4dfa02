"""Stage 4: the planned project layout."""

import re
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from quantumlayer_dagster.artifacts.brief import Brief
from quantumlayer_dagster.artifacts.interface import ModuleInterface
from quantumlayer_dagster.artifacts.limits import MAX_PROJECT_FILES
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.paths import check_relative_path, check_unique
from quantumlayer_dagster.artifacts.text_fields import Sentence
from quantumlayer_dagster.model import Model

PACKAGE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
MODULE_SUFFIXES = {"python": ".py", "typescript": ".ts", "javascript": ".js"}
"""The suffix of a planned module, by the request's language."""
CONFIG_FILES = frozenset({"package.json", "tsconfig.json"})
"""Files of a Node package that our code writes from the plan (never the LLM)."""
_PATH_PATTERN = r"^[a-z_][a-z0-9_/]*[.]{suffix}$"


def path_pattern(suffix: str) -> str:
    """The pattern a planned path matches: ``.py`` -> ``^[a-z_][a-z0-9_/]*[.]py$``."""
    return _PATH_PATTERN.format(suffix=suffix.lstrip("."))


class PlannedFileDraft(Model):
    path: str = Field(max_length=80, pattern=path_pattern("(py|ts|js)"))
    purpose: Sentence
    uses: list[str] = Field(default_factory=list, max_length=8)
    """Paths of other planned files this one imports (its dependencies, written first)."""

    @field_validator("path", mode="before")
    @classmethod
    def _safe_first(cls, v: object) -> object:
        # Say "absolute path" or "'..' segment" rather than "does not match a pattern".
        return check_relative_path(v) if isinstance(v, str) else v


class ProjectStructureDraft(Model):
    """What the LLM returns for stage 4."""

    package: str = Field(pattern=PACKAGE_NAME.pattern)
    files: list[PlannedFileDraft] = Field(min_length=1, max_length=8)

    @model_validator(mode="after")
    def _within_request_limit(self, info: ValidationInfo) -> "ProjectStructureDraft":
        context = info.context or {}
        max_files = context.get("max_files")
        if max_files is not None and len(self.files) > max_files:
            raise ValueError(f"{len(self.files)} files planned; plan at most {max_files}")
        suffix = MODULE_SUFFIXES[context.get("language", "python")]
        wrong = [f.path for f in self.files if not f.path.endswith(suffix)]
        if wrong:
            raise ValueError(f"{wrong[0]!r}: every planned file ends in {suffix}")
        known = {f.path for f in self.files} | {PurePosixPath(f.path).name for f in self.files}
        for f in self.files:
            unknown = [u for u in f.uses if u not in known and PurePosixPath(u).name not in known]
            if unknown:
                planned = ", ".join(x.path for x in self.files)
                raise ValueError(
                    f"{f.path!r} uses {unknown[0]!r}, which is not a planned file ({planned})"
                )
        return self

    @classmethod
    def json_schema_for(cls, max_files: int, language: str = "python") -> dict[str, Any]:
        """The decoding schema with the request's file limit as ``maxItems`` and paths
        ending in the suffix of the request's ``language``."""
        schema = cls.model_json_schema()
        files = schema["properties"]["files"]
        files["maxItems"] = min(files.get("maxItems", max_files), max_files)
        path = schema["$defs"]["PlannedFileDraft"]["properties"]["path"]
        path["pattern"] = path_pattern(MODULE_SUFFIXES[language])
        return schema


class PlannedFile(Model):
    path: str
    purpose: str
    kind: Literal["module", "package_marker", "config"] = "module"
    """``config``: ``package.json`` or ``tsconfig.json``, written by our code from the plan."""
    uses: list[str] = Field(default_factory=list)
    """Planned files this one imports: code generation writes them first."""
    interface: ModuleInterface | None = None
    """The module's planned public interface: our code renders the module from it and the
    model writes the bodies."""

    @field_validator("path")
    @classmethod
    def _safe(cls, v: str) -> str:
        v = check_relative_path(v)
        if not v.endswith(tuple(MODULE_SUFFIXES.values())) and v not in CONFIG_FILES:
            raise ValueError(f"{v!r}: only Python, TypeScript or JavaScript modules can be planned")
        if v.split("/")[0] == "tests":
            raise ValueError(f"{v!r}: tests are planned by the test plan, not here")
        return v

    @model_validator(mode="after")
    def _config_kind(self) -> "PlannedFile":
        if (self.kind == "config") != (self.path in CONFIG_FILES):
            raise ValueError(f"{self.path!r}: only package.json and tsconfig.json are config")
        return self


class ProjectStructure(Model):
    """Stage 4 artifact: the package name and every source file to generate."""

    request_id: str
    brief: Brief
    package: str
    files: list[PlannedFile]
    libraries: list[str]
    requirement_notes: list[str]
    """One line per requirement (priority, components, criteria): context for code generation."""
    dropped: list[str] = Field(default_factory=list)
    """Parts of the model's plan left out, each with why: examples that were not literal
    calls of their signature, and what a reply that never passed its checks could not keep
    (``generation.plan_salvage``)."""
    llm: LLMUsage = Field(default_factory=LLMUsage)

    @model_validator(mode="after")
    def _limits(self) -> "ProjectStructure":
        if not PACKAGE_NAME.match(self.package):
            raise ValueError(f"package name {self.package!r} is not a short lowercase identifier")
        if len(self.files) > MAX_PROJECT_FILES:
            raise ValueError(f"{len(self.files)} files planned, over {MAX_PROJECT_FILES}")
        check_unique([f.path for f in self.files])
        return self

    @property
    def modules(self) -> list[PlannedFile]:
        return [f for f in self.files if f.kind == "module"]
