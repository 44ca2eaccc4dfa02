"""The audit trail: who asked for what, kept as a hash chain in the instance's database.

``record.py`` is the record and its canonical form, ``content.py`` what a record may hold
(digests, never prompt text or secrets), ``log.py`` the protocol hooks append through,
``sql_log.py`` the append-only table (Postgres, or an SQLite file beside a local instance),
``chain.py`` the re-walk that names the first record altered, removed or reordered, and
``actor.py`` who the CLI's user is, as far as it can tell.
"""
