"""Importing a large package (litellm: about 3,000 modules with openai's) without paying for
the garbage collector on top.

Python runs a full collection each time enough new objects survive, and an import of that
size triggers several, each walking every object alive, Dagster's and the package's: about a
third of litellm's import time in a run worker. Module objects live as long as the process,
so ``heavy_import`` turns the collector off while it imports and then freezes what exists
(``gc.freeze``): later collections skip those objects instead of walking them again at every
full collection of the run. Cyclic garbage that exists at that moment is kept, not freed."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def heavy_import() -> Iterator[None]:
    """Run the imports in the block with the collector off, then freeze what they loaded."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.freeze()
