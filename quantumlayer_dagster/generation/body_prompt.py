"""The requests for one body: the first (``body``) and a repair (``body_repair``)."""

from quantumlayer_dagster.llm.protocol import Message
from quantumlayer_dagster.prompts import load_template


def body_messages(template: str, target: str, context: str, code: str) -> list[Message]:
    """Ask (with the prompt ``template``) for the body of the function at the end of
    ``code`` (the module up to its docstring); ``context`` (what it may call, defined
    further down or in other modules) comes first; ``target`` (``path::qualname``) is the
    request's ``file:`` line."""
    context = f"{context.rstrip()}\n\n" if context.strip() else ""
    return load_template(template).messages(context=context, code=code, target=target)


def repair_messages(
    messages: list[Message], answered: str, target: str, problems: list[str], fence: str = "python"
) -> list[Message]:
    """The first request, the code being answered, and what is wrong with it: only the
    latest version goes back, so repairs cannot outgrow the model's context."""
    listed = "\n".join(f"- {p}" for p in problems) or "- it does not work"
    repair = load_template("body_repair").user.format(problems=listed, target=target, fence=fence)
    return [
        *messages,
        {"role": "assistant", "content": f"```{fence}\n{answered.rstrip()}\n```"},
        {"role": "user", "content": repair},
    ]
