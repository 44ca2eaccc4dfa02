"""The shipped code location with the steps of a run executing in the run's own process
(``in_process_executor``), for ``bench/scale.py --in-process``: on a machine too loaded for
one process per step, it shows the platform's behaviour at a fraction of the cost. The
figures of the shipped location (one process per step) are the ones that count."""

import dagster as dg

from quantumlayer_dagster.definitions import defs as shipped

defs = dg.Definitions.merge(shipped, dg.Definitions(executor=dg.in_process_executor))
