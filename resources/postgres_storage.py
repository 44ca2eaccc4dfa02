"""The Dagster instance's Postgres storage with one small connection pool per process.

dagster-postgres opens a new connection for every query outside the webserver (SQLAlchemy's
``NullPool``): a run worker made about 1,000 connections a request, each a new Postgres
backend (about 4 ms of the server's CPU to start, more to load its catalog caches), so
Postgres spent most of its time starting backends, not answering queries. This storage is
dagster-postgres's own (same tables, same queries, same configuration) with the three
storages sharing one pooled engine per process: ``pool_size`` connections kept open,
``max_overflow`` more opened while threads need them at once (the daemon's), each checked
with a ping before use so a restarted server costs a reconnect, not a failed step.

Not a resource: the instance loads it from ``dagster.yaml`` (``storage: custom:``), and every
process built from the instance (daemon, webserver, code servers, run workers) gets it from
the instance's reference.
"""

from typing import Any

import dagster as dg
from dagster._config.config_schema import UserConfigSchema
from dagster._core.storage.base_storage import DagsterStorage
from dagster._core.storage.config import pg_config
from dagster._core.storage.event_log import EventLogStorage
from dagster._core.storage.runs import RunStorage
from dagster._core.storage.schedules import ScheduleStorage
from dagster._serdes import ConfigurableClass, ConfigurableClassData
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage
from dagster_postgres.utils import (
    create_pg_engine,
    get_token_provider_from_config,
    pg_url_from_config,
)
from sqlalchemy.engine import Engine

POOL_SIZE = 1
"""Connections a process keeps open: a run worker queries from one thread."""
MAX_OVERFLOW = 10
"""Connections opened beyond the pool while threads query at once (closed when returned)."""
POOL_RECYCLE_S = 3600


class _PooledRunStorage(PostgresRunStorage):
    def dispose(self) -> None:
        super().dispose()
        self._engine.dispose()


class _PooledEventLogStorage(PostgresEventLogStorage):
    def dispose(self) -> None:
        super().dispose()
        self._engine.dispose()


class PooledPostgresStorage(DagsterStorage, ConfigurableClass):
    """dagster-postgres's run, event log and schedule storage on one pooled engine. Its
    configuration is ``storage: postgres:``'s, plus ``pool_size`` and ``max_overflow``."""

    def __init__(
        self,
        postgres_url: str,
        should_autocreate_tables: bool = True,
        inst_data: ConfigurableClassData | None = None,
        token_provider: Any = None,
        pool_size: int = POOL_SIZE,
        max_overflow: int = MAX_OVERFLOW,
    ) -> None:
        self._inst_data = inst_data
        self._run_storage = _PooledRunStorage(
            postgres_url, should_autocreate_tables, token_provider=token_provider
        )
        self._event_log_storage = _PooledEventLogStorage(
            postgres_url, should_autocreate_tables, token_provider=token_provider
        )
        self._schedule_storage = PostgresScheduleStorage(
            postgres_url, should_autocreate_tables, token_provider=token_provider
        )
        engine: Engine = create_pg_engine(
            postgres_url,
            token_provider,
            isolation_level="AUTOCOMMIT",
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_recycle=POOL_RECYCLE_S,
            pool_pre_ping=True,
        )
        # The constructors above made their tables (if needed) on their own NullPool engines.
        for storage in (self._run_storage, self._event_log_storage, self._schedule_storage):
            storage._engine.dispose()
            storage._engine = engine
        super().__init__()

    @property
    def inst_data(self) -> ConfigurableClassData | None:
        return self._inst_data

    @classmethod
    def config_type(cls) -> UserConfigSchema:
        return {
            **pg_config(),
            "pool_size": dg.Field(int, is_required=False, default_value=POOL_SIZE),
            "max_overflow": dg.Field(int, is_required=False, default_value=MAX_OVERFLOW),
        }

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Any
    ) -> "PooledPostgresStorage":
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
            pool_size=config_value.get("pool_size", POOL_SIZE),
            max_overflow=config_value.get("max_overflow", MAX_OVERFLOW),
        )

    @property
    def event_log_storage(self) -> EventLogStorage:
        return self._event_log_storage

    @property
    def run_storage(self) -> RunStorage:
        return self._run_storage

    @property
    def schedule_storage(self) -> ScheduleStorage:
        return self._schedule_storage
