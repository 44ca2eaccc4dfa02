"""Binding a setting to the environment variable it came from, as Dagster expects."""

import os

import dagster as dg


def bound_to_env(variable: str, value: str) -> str:
    """``dg.EnvVar(variable)`` when the environment holds ``value`` there, so the UI and the
    stored run config show the variable's name, never its value (a URL may carry a password);
    ``value`` itself when it did not come from the environment (a ``Settings`` built in code).
    The resource resolves an ``EnvVar`` when it is initialised."""
    if value and os.environ.get(variable) == value:
        return dg.EnvVar(variable)
    return value


def env_vars_set(names: list[str]) -> dict[str, str]:
    """``{name: dg.EnvVar(name)}`` for each of ``names`` set in the environment. An unset one
    is left out so that its reader names it with the fix (``load_llm_config`` says which
    field of the LLM config names it), instead of Dagster's generic "not set" error."""
    return {name: dg.EnvVar(name) for name in names if name in os.environ}
