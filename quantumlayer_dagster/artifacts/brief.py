"""The short brief every planning artifact carries forward to the next stage."""

from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.model import Model


class Brief(Model):
    """What the request is about and how it is to be run; copied from stage 1 onwards so
    each stage sees it through its one upstream artifact."""

    request_id: str
    title: str
    summary: str
    language: str
    options: RequestOptions
    request: str = ""
    """The user's request in their own words (the prompt as submitted): planning prompts
    quote it, since a small model's title and summary can lose what was asked."""
