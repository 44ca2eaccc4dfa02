"""Dynamic security testing of a generated HTTP service: found by reading the tree
(``detect``), started and attacked inside the sandbox (``run``, ``driver``, the launchers),
its failures turned into findings (``rules``) and, for server errors, into what the repair
loop needs (``repair``)."""
