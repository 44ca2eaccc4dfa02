"""What the service printed while it failed, cut down to what a reader (or the model) needs:
the project's own frames, the innermost frame and the exception, never pages of framework."""

import re

TRACEBACK_CHARS = 3000
_FRAME = re.compile(r'^\s*File "([^"]+)", line \d+')


def condense_traceback(text: str, paths: set[str], limit: int = TRACEBACK_CHARS) -> str:
    """A Python traceback with only the frames in the project's ``paths`` (relative, as the
    log names them once the sandbox folder is cut off) and the innermost frame, each with
    its source line; other text (a Node stack, a log line) is kept as it is, capped."""
    lines = text.strip().splitlines()
    kept: list[str] = []
    skipped = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        frame = _FRAME.match(line)
        if frame is None:
            if skipped:
                kept.append(f"  [... {skipped} framework frame(s) ...]")
                skipped = 0
            kept.append(line)
            i += 1
            continue
        body = [line]
        i += 1
        while i < len(lines) and lines[i].startswith("    ") and not _FRAME.match(lines[i]):
            if set(lines[i].strip()) - set("^~ "):
                body.append(lines[i])
            i += 1
        innermost = i >= len(lines) or not _FRAME.match(lines[i])
        if frame.group(1) in paths or innermost:
            if skipped:
                kept.append(f"  [... {skipped} framework frame(s) ...]")
                skipped = 0
            kept += body
        else:
            skipped += 1
    condensed = "\n".join(kept)
    return condensed if len(condensed) <= limit else "[...]\n" + condensed[-limit:]
