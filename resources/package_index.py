"""Where the package index's answers are cached between runs (``$QL_HOME/cache``)."""

from pathlib import Path

import dagster as dg

from quantumlayer_dagster.supply_chain.package_index import PackageIndex


class PackageIndexResource(dg.ConfigurableResource):
    """``cache_file``: the JSON file of versions the index gave, reused when it is offline."""

    cache_file: str

    def index(self, online: bool) -> PackageIndex:
        """The index through this cache; ``online=False`` answers from the cache alone."""
        return PackageIndex(Path(self.cache_file), online=online)
