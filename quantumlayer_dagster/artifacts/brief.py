"""The short brief every planning artifact carries forward to the next stage."""

from pydantic import BaseModel

from quantumlayer_dagster.artifacts.request import RequestOptions


class Brief(BaseModel):
    """What the request is about and how it is to be run; copied from stage 1 onwards so
    each stage sees it through its one upstream artifact."""

    request_id: str
    title: str
    summary: str
    language: str
    options: RequestOptions
