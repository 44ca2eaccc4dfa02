"""The collection check behind the ``server`` marker finds a server however a test reaches
it: directly, or through a helper of the test suite that starts one."""

from tests import conftest
from tests.fixtures.postgres import fresh_postgres_database


def _opens_a_database() -> str:
    with fresh_postgres_database() as db:
        return db.name


def _calls_a_helper_that_opens_one() -> str:
    return _opens_a_database()


def _touches_nothing() -> int:
    return 1


# Reached through a dict, so this module's own tests do not reach the samples' servers.
SAMPLES = {
    "direct": _opens_a_database,
    "through a helper": _calls_a_helper_that_opens_one,
    "none": _touches_nothing,
}


def reached(sample: str) -> set[str]:
    return conftest._servers_reached(SAMPLES[sample], conftest._server_entry_points(), set())


def test_a_function_starting_a_server_is_found() -> None:
    assert reached("direct") == {"fresh_postgres_database"}


def test_a_server_started_by_a_helper_is_found_through_the_call() -> None:
    assert reached("through a helper") == {"fresh_postgres_database"}


def test_a_function_reaching_no_server_is_left_alone() -> None:
    assert reached("none") == set()
