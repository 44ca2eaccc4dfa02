"""LLMResource: the LLM client stages receive, built from an LLM config file."""

import dagster as dg
from pydantic import PrivateAttr

from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import PACKAGED_LLM_CONFIG, load_llm_config
from quantumlayer_dagster.llm.protocol import LLM


class LLMResource(dg.ConfigurableResource):
    """The LLM named by ``config_path`` (default: the embedded local SmolLM2 config).

    The client is built once per run (in ``setup_for_execution``, or on first use outside a
    run) so a broken config fails the run at its start with the file and field named.
    """

    config_path: str = str(PACKAGED_LLM_CONFIG)

    _client: LiteLLMClient | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Load the config and build the client before any asset uses it."""
        self._client = LiteLLMClient(load_llm_config(self.config_path))

    @property
    def client(self) -> LLM:
        """The LLM protocol object stage functions take."""
        if self._client is None:
            self._client = LiteLLMClient(load_llm_config(self.config_path))
        return self._client
