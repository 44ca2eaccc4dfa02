"""The request a ``run`` or ``launch`` command hands in: the prompt file, checked, and the
request options chosen on the command line."""

import argparse

from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.intake.prompt_checks import read_prompt_file


def request_from_args(args: argparse.Namespace) -> tuple[str, RequestOptions]:
    """(prompt text, options) from ``args.prompt_file``, ``--max-files`` and ``--tenant``;
    raises PromptRejected (one line saying why) for a prompt that cannot be used."""
    prompt = read_prompt_file(args.prompt_file)
    chosen = {"max_files": args.max_files, "tenant": args.tenant}
    return prompt, RequestOptions(**{k: v for k, v in chosen.items() if v is not None})
