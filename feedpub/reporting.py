"""Checking one content file's fields: typed getters that report what is wrong, and where.

A FieldReporter collects the problems of one file, each with the line of its field, so every
problem of a run can be reported together.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from feedpub.errors import Level, Problem

# Characters XML 1.0 forbids (C0 controls, surrogates, U+FFFE/U+FFFF) or discourages (DEL, the C1
# controls, the U+FDD0-U+FDEF noncharacters): readers choke on the first and misread the second
# (feedparser, like browsers, turns U+0080 into a euro sign and U+0085 into an ellipsis), so both
# are removed. Compiled on first use (through re's cache), like the module's other rare patterns:
# few runs meet such a character, and compiling this class took ~0.65 ms at every start.
XML_FORBIDDEN = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]"


# A first test on the raw UTF-8 bytes, ten times faster than a regex scan: deleting every allowed
# byte leaves only the C0 controls and DEL; the rest are multi-byte sequences checked only when
# their lead byte occurs at all.
_ALLOWED_BYTES = bytes(b for b in range(256) if b in (9, 10, 13) or 32 <= b != 127)
_FORBIDDEN_SEQUENCES = re.compile(rb"\xc2[\x80-\x9f]|\xef\xb7[\x90-\xaf]|\xef\xbf[\xbe\xbf]")


def may_have_forbidden(raw: bytes) -> bool:
    if raw.translate(None, _ALLOWED_BYTES):
        return True
    return (b"\xc2" in raw or b"\xef" in raw) and bool(_FORBIDDEN_SEQUENCES.search(raw))


class FieldReporter:
    """Collects problems for one file and knows the line of each top-level key.

    A plain class, not a dataclass: nothing compares or prints reporters, and defining a
    dataclass costs ~0.7 ms at import (its methods are compiled from source).
    """

    __slots__ = ("key_lines", "path", "problems", "sha256", "values_clean")

    def __init__(self, path: Path | str) -> None:
        self.path = path  # made a Path only for a problem: most files have none
        self.key_lines: dict[str, int] = {}
        self.problems: list[Problem] = []
        self.sha256 = ""
        # Values cut verbatim from text already cleaned of forbidden characters need no second
        # scan; YAML escapes ("\0", "\x07") can make new ones, so values PyYAML decoded are scanned.
        self.values_clean = False

    def error(self, field_name: str | None, message: str, *, line: int | None = None) -> None:
        self._add(field_name, message, line, Level.ERROR)

    def warn(self, field_name: str | None, message: str, *, line: int | None = None) -> None:
        self._add(field_name, message, line, Level.WARNING)

    def _add(self, field_name: str | None, message: str, line: int | None, level: Level) -> None:
        if line is None and field_name:
            line = self.key_lines.get(field_name.split(".")[0].split("[")[0])
        self.problems.append(Problem(Path(self.path), line, field_name, message, level))

    # Typed getters: each returns a value of the right type or None, reporting what is wrong.

    def text(self, meta: Mapping[str, object], name: str, *, required: bool = False) -> str | None:
        return self.text_value(meta.get(name), name, required=required, present=name in meta)

    def text_value(self, value: object, name: str, *, required: bool = False, present: bool = True) -> str | None:
        if value is None:
            if required:
                self.error(name, "missing (expected text)" if not present else "empty (expected text)")
            return None
        if isinstance(value, str):
            if not self.values_clean and (first := re.search(XML_FORBIDDEN, value)):
                # YAML escapes ("\0", "\x07") can carry what the raw-byte check cannot see.
                message = (
                    f"removed character(s) that XML 1.0 forbids or discourages (first: U+{ord(first.group()):04X})"
                )
                self.warn(name, message)
                value = re.sub(XML_FORBIDDEN, "", value)
            stripped = value.strip()
            if not stripped:
                if required:
                    self.error(name, "empty (expected text)")
                return None
            return stripped
        self.error(name, f"expected text, got {describe(value)}{quote_hint(value)}")
        return None

    def integer(self, meta: Mapping[str, object], name: str, low: int, high: int) -> int | None:
        value = meta.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(name, f"expected a whole number from {low} to {high}, got {describe(value)}")
            return None
        if not low <= value <= high:
            self.error(name, f"{value} is out of range (expected {low} to {high})")
            return None
        return value

    def boolean(self, meta: Mapping[str, object], name: str) -> bool:
        value = meta.get(name, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(name, f"expected true or false, got {describe(value)}")
            return False
        return value

    def unknown_fields(self, meta: Mapping[str, object], known: frozenset[str]) -> None:
        if meta.keys() <= known:
            return
        import difflib  # only for a misspelt field: most builds never need it

        for name in meta:
            if name in known:
                continue
            close = difflib.get_close_matches(str(name), sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known fields: {', '.join(sorted(known))})"
            self.warn(str(name), f"unknown field, ignored{hint}")


def describe(value: object) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"{type(value).__name__} {value!r}"


def quote_hint(value: object) -> str:
    if isinstance(value, bool):
        return "; YAML reads unquoted yes/no/on/off/true/false as booleans, so quote the text"
    if isinstance(value, int | float):
        return "; quote it to make it text"
    return ""
