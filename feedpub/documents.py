"""Reading a content file: bytes -> text -> frontmatter mapping and Markdown body.

Files must be UTF-8 (a BOM and CRLF are fine); characters XML cannot carry are removed with a
warning; YAML is parsed safely, through a fast path for the plain shapes frontmatter uses.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import NamedTuple

from feedpub import simpleyaml
from feedpub.reporting import XML_FORBIDDEN, FieldReporter, describe, may_have_forbidden

# An article this large would make its feeds too big for readers (they refuse feeds of a few MB).
MAX_FILE_BYTES = 2_000_000
# python-frontmatter's YAMLHandler.FM_BOUNDARY (tested equal): the '---' lines around the YAML.
FM_BOUNDARY = re.compile(r"^-{3,}\s*$", re.MULTILINE)
# Only for frontmatter beyond the simple subset, left to PyYAML: compiled on first use (re's cache).
TOP_LEVEL_KEY = r"(?m)^([^\s#:'\"{}\[\],&*!|>%@`-][^:#]*?)\s*:(?:\s|$)"


class Document(NamedTuple):
    """A content file split into its frontmatter mapping and body, with where each key sits."""

    path: Path | str
    meta: dict[str, object]
    text: str
    body_start: int
    key_lines: dict[str, int]

    @property
    def body(self) -> str:
        """The Markdown after the frontmatter, cut only when wanted (checking never needs it)."""
        return self.text[self.body_start :].lstrip("\n")


def read_text(path: Path | str, reporter: FieldReporter) -> str | None:
    try:
        raw, size = _read_limited(path)
    except OSError as exc:
        reporter.error(None, f"cannot read file ({exc.strerror})")
        return None
    if len(raw) > MAX_FILE_BYTES:
        megabytes = max(size, len(raw)) / 1e6
        limit = MAX_FILE_BYTES // 1_000_000
        reporter.error(None, f"file is {megabytes:.1f} MB (expected at most {limit} MB: feeds must stay small)")
        return None
    reporter.sha256 = hashlib.sha256(raw).hexdigest()
    return decode(raw, reporter)


def _read_limited(path: Path | str) -> tuple[bytes, int]:
    """The file's bytes (at most one past the limit) and its size by fstat. os-level calls sized
    by fstat: a third of the cost of a buffered read, for ten thousand small files."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        size = os.fstat(descriptor).st_size
        raw = os.read(descriptor, min(size, MAX_FILE_BYTES) + 1)
        if len(raw) != size:  # grew or shrank since fstat, a short read, or not a regular file
            while len(raw) <= MAX_FILE_BYTES and (more := os.read(descriptor, MAX_FILE_BYTES + 1 - len(raw))):
                raw += more
        return raw, size
    finally:
        os.close(descriptor)


def decode(raw: bytes, reporter: FieldReporter) -> str | None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        reporter.error(None, "file is UTF-16 (expected UTF-8 text)")
        return None
    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0  # a UTF-8 BOM is fine, and dropped
    try:
        text = raw[bom:].decode("utf-8") if bom else raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start + bom
        line = raw.count(b"\n", 0, start) + 1
        reporter.error(None, f"not valid UTF-8 at byte {start} (expected UTF-8 text)", line=line)
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x85" in text:  # NEL is a line break to YAML (and to Unicode): keep it one, as a plain newline
        text = text.replace("\x85", "\n")
    if may_have_forbidden(raw) and (first := re.search(XML_FORBIDDEN, text)):
        line = text.count("\n", 0, first.start()) + 1
        text, removed = re.subn(XML_FORBIDDEN, "", text)
        reporter.warn(
            None,
            f"removed {removed} character(s) that XML 1.0 forbids or discourages (first: U+{ord(first.group()):04X})",
            line=line,
        )
    return text


def split_frontmatter(text: str) -> tuple[re.Match[str], re.Match[str]] | None:
    """The opening and closing '---' lines of the frontmatter, or None: FM_BOUNDARY.match, then
    FM_BOUNDARY.search from its end (tested equal). The search is made only where a line starts
    with '---', found by str.find; the regex tried every character of the frontmatter."""
    opening = FM_BOUNDARY.match(text)
    if opening is None:
        return None
    newline = opening.end() - 1  # the closing line may start right after the opening one
    while (newline := text.find("\n---", newline)) >= 0:
        closing = FM_BOUNDARY.match(text, newline + 1)
        if closing is not None:
            return opening, closing
        newline += 1
    return None


def parse_document(path: Path | str, reporter: FieldReporter) -> Document | None:
    text = read_text(path, reporter)
    if text is None:
        return None
    if not text or text.isspace():
        reporter.error(None, "file is empty (expected '---', YAML frontmatter, '---', then the text)", line=1)
        return None
    split = split_frontmatter(text)
    if split is None:
        message = "no frontmatter (expected the file to start with a '---' line)"
        if FM_BOUNDARY.match(text):
            message = "frontmatter is not closed (expected a second '---' line after the YAML)"
        reporter.error(None, message, line=1)
        return None
    opening, closing = split
    fm_text = text[opening.end() : closing.start()]
    first_line = text.count("\n", 0, opening.end()) + 1
    simple = simpleyaml.load_with_lines(fm_text, xml_clean=True)  # decode() removed what XML forbids, and CRs
    if simple is not None:
        meta, keys = simple
        reporter.values_clean = True  # the fast path reads no escapes: values are slices of clean text
    else:
        # PyYAML (through python-frontmatter's handler), imported only for the rare file outside
        # the fast path, so most builds never pay for importing it.
        from feedpub import fullyaml

        try:
            meta = fullyaml.HANDLER.load(fm_text)
        except fullyaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = first_line + mark.line if mark else first_line
            reporter.error(
                None, f"malformed YAML frontmatter: {exc.problem or exc.context} (expected valid YAML)", line=line
            )
            return None
        except fullyaml.YAMLError as exc:
            reporter.error(None, f"malformed YAML frontmatter: {exc} (expected valid YAML)", line=first_line)
            return None
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            reporter.error(
                None, f"frontmatter is {describe(meta)} (expected a mapping of field: value lines)", line=first_line + 1
            )
            return None
        keys = [
            (match.group(1).strip(), fm_text.count("\n", 0, match.start()))
            for match in re.finditer(TOP_LEVEL_KEY, fm_text)
        ]
        meta = {str(k): v for k, v in meta.items()}
    key_lines: dict[str, int] = {}
    for key, offset in keys:
        line = first_line + offset
        if key in key_lines:
            reporter.error(key, f"given twice, also on line {key_lines[key]} (expected each field once)", line=line)
        else:
            key_lines[key] = line
    reporter.key_lines = key_lines
    return Document(path, meta, text, closing.end(), key_lines)
