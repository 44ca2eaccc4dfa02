"""The request a ``run`` or ``launch`` command hands in: the prompt file, checked, and the
request options chosen on the command line."""

import argparse

from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.intake.front_matter import read_request_file


def request_from_args(args: argparse.Namespace) -> tuple[str, RequestOptions]:
    """(prompt text, options) from ``args.prompt_file`` (its front-matter block, e.g.
    ``language: typescript``), ``--max-files``, ``--tenant`` and ``--language`` (which wins
    over the file's); raises PromptRejected (one line saying why) for a prompt that cannot be
    used."""
    prompt, fields = read_request_file(args.prompt_file)
    given = {
        "max_files": args.max_files,
        "tenant": args.tenant,
        "language": getattr(args, "language", None),
    }
    chosen = {**fields, **{k: v for k, v in given.items() if v is not None}}
    return prompt, RequestOptions.model_validate(chosen)
