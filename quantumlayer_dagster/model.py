"""The base of our pydantic models."""

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A pydantic model whose validator and serializer are built when the class is first
    used, not when its module is imported: every run worker, code server and step process
    imports the definitions, and building the schemas of about eighty models there cost
    about 0.1 s of each start (``bench/startup.py``). Pydantic builds a deferred model under
    a lock (pydantic>=2.14), so threads may use it first at once."""

    model_config = ConfigDict(defer_build=True)
