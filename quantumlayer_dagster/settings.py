"""The one settings object: where a local installation keeps its state and its LLM config.

Read from the environment once, at the edge (Definitions or the CLI), never in stage logic.
"""

import os
from pathlib import Path

from pydantic import BaseModel

from quantumlayer_dagster.llm.config import PACKAGED_LLM_CONFIG


class Settings(BaseModel):
    home: Path
    """State of a local installation: ``artifacts/`` (the store) and ``dagster/`` (instance)."""
    llm_config: Path
    """The YAML file naming the LLM model(s)."""
    test_timeout_s: int = 120

    @property
    def artifacts_dir(self) -> Path:
        return self.home / "artifacts"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @classmethod
    def from_env(cls) -> "Settings":
        """``QL_HOME`` (default ``.ql`` in the working folder), ``QL_LLM_CONFIG`` (default:
        the packaged local llama.cpp config), ``QL_TEST_TIMEOUT_S``."""
        return cls(
            home=Path(os.environ.get("QL_HOME", ".ql")).resolve(),
            llm_config=Path(os.environ.get("QL_LLM_CONFIG", str(PACKAGED_LLM_CONFIG))),
            test_timeout_s=int(os.environ.get("QL_TEST_TIMEOUT_S", "120")),
        )
