"""The instance's Postgres database with ``pg_dump`` (custom format: one consistent snapshot
of every table, Dagster's and ours: the spend ledger, the audit trail) and ``pg_restore``.

The connection goes to the tools as ``PG*`` environment variables, never on the command
line, where the process list would show the password."""

import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

CLIENT_FIX = "install the PostgreSQL client tools (apt-get install postgresql-client)"


class PostgresToolFailed(RuntimeError):
    """pg_dump or pg_restore failed; the message has its last line and the fix."""


def libpq_environment(url: str) -> dict[str, str]:
    """``PGHOST``... for a ``postgresql[+driver]://user:password@host:port/db`` URL."""
    parts = urlsplit(url)
    env = {
        "PGHOST": parts.hostname or "localhost",
        "PGPORT": str(parts.port or 5432),
        "PGDATABASE": unquote(parts.path.lstrip("/")),
    }
    if parts.username:
        env["PGUSER"] = unquote(parts.username)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    return env


def describe(url: str) -> str:
    """host:port/db for messages (never the password)."""
    env = libpq_environment(url)
    return f"postgres {env['PGHOST']}:{env['PGPORT']}/{env['PGDATABASE']}"


def _run(command: list[str], url: str, what: str, base_env: dict[str, str]) -> str:
    env = {**base_env, **libpq_environment(url)}
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise PostgresToolFailed(f"{command[0]} not found: {CLIENT_FIX}") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit code {done.returncode}"
        raise PostgresToolFailed(
            f"{what} of {describe(url)} failed: {last}; check that the server is up and "
            "that the client tools are at least the server's version"
        )
    return done.stdout


def dump_database(url: str, out: Path, env: dict[str, str]) -> list[str]:
    """Dump the database into ``out``; the tables the dump holds."""
    _run(
        ["pg_dump", "--format=custom", "--no-password", f"--file={out}"],
        url, "pg_dump", env,
    )  # fmt: skip
    return dump_tables(out, env)


def dump_tables(dump: Path, env: dict[str, str]) -> list[str]:
    """The tables a custom-format dump holds (its table of contents)."""
    listing = subprocess.run(
        ["pg_restore", "--list", str(dump)], env=env, capture_output=True, text=True
    )
    tables = []
    for line in listing.stdout.splitlines():
        fields = line.split()
        # "215; 1259 16390 TABLE public runs postgres"
        if len(fields) >= 7 and fields[3] == "TABLE" and fields[4] != "DATA":
            tables.append(fields[5])
    return sorted(tables)


def restore_database(url: str, dump: Path, env: dict[str, str]) -> None:
    """Load the dump into the database, in one transaction: on any error nothing changes.
    Objects the dump holds are dropped first when they exist (``--clean``)."""
    _run(
        [
            "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
            "--single-transaction", "--exit-on-error", "--no-password",
            "--dbname", libpq_environment(url)["PGDATABASE"], str(dump),
        ],
        url, "pg_restore", env,
    )  # fmt: skip
