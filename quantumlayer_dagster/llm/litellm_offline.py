"""litellm, imported so that it never reaches for the internet.

Import litellm from here, not directly: litellm fetches its model price map from GitHub at
import time unless told to use the copy it ships with, which hangs on an offline machine.
"""

import os

from quantumlayer_dagster.heavy_import import heavy_import

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

with heavy_import():  # about 3 s, a third of it the garbage collector's otherwise
    import litellm
    from litellm.llms.custom_llm import CustomLLM, CustomLLMError
    from litellm.types.utils import ModelResponse, Usage

# litellm prints "Give Feedback / Get Help" banners to stdout on every exception otherwise.
litellm.suppress_debug_info = True

__all__ = ["CustomLLM", "CustomLLMError", "ModelResponse", "Usage", "litellm"]
