"""Getting the source file out of a free-text LLM reply."""

from quantumlayer_dagster.llm.code_blocks import extract_code

COUNTER = 'def count(text):\n    """Words in text."""\n    return len(text.split())\n'


def test_a_reply_that_is_one_fenced_block_gives_its_body() -> None:
    assert extract_code(f"```python\n{COUNTER}```") == COUNTER


def test_prose_around_the_block_is_dropped() -> None:
    reply = f"Here is the module you asked for:\n\n```python\n{COUNTER}```\n\nIt uses split()."
    assert extract_code(reply) == COUNTER


def test_of_several_blocks_the_longest_is_taken() -> None:
    reply = (
        "Install nothing:\n```bash\npip list\n```\n"
        f"The module:\n```python\n{COUNTER}```\n"
        "Try it:\n```python\ncount('a b')\n```\n"
    )
    assert extract_code(reply) == COUNTER


def test_an_unterminated_fence_runs_to_the_end_of_a_truncated_reply() -> None:
    reply = "```python\ndef count(text):\n    return len(text.spl"
    assert extract_code(reply) == "def count(text):\n    return len(text.spl\n"


def test_a_reply_without_a_fence_is_taken_whole() -> None:
    assert extract_code(f"\n\n{COUNTER}\n\n") == COUNTER


def test_an_info_string_after_the_language_is_not_part_of_the_code() -> None:
    # Models write "```python title=counter.py" or "```python:pkg/counter.py".
    assert extract_code(f"```python title=counter.py\n{COUNTER}```") == COUNTER
    assert extract_code(f"```python:wordcount/counter.py\n{COUNTER}```") == COUNTER


def test_a_fence_opened_after_prose_on_the_same_line_is_found() -> None:
    assert extract_code(f"Sure: ```python\n{COUNTER}```") == COUNTER


def test_backticks_inside_prose_do_not_open_a_block() -> None:
    reply = f"I put the code in ``` fences:\n```python\n{COUNTER}```\n"
    assert extract_code(reply) == COUNTER


def test_the_result_ends_with_exactly_one_newline() -> None:
    assert extract_code("```python\nx = 1   \n\n\n```") == "x = 1\n"


def test_an_empty_fenced_block_gives_empty_code_not_the_closing_fence() -> None:
    assert extract_code("```python\n```") == ""


def test_a_reply_with_only_whitespace_gives_empty_code() -> None:
    assert extract_code("  \n\n ") == ""
