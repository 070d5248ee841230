"""A fast path for the YAML that frontmatter almost always is, with PyYAML's exact meaning.

Handles only: top-level `key: value` lines; values that are plain, single- or double-quoted
(no escapes) scalars, flow lists `[a, b]` and flow maps `{k: v}` of plain scalars; and one
nested level (`key:` followed by `  - item` or `  sub: value` lines). Plain scalars get
PyYAML's own implicit tags (so `no` is False and `2026-01-01` a timestamp) and PyYAML's own
constructors. Anything else returns None and the caller uses PyYAML: the result is always
what PyYAML would give, which tests/test_simpleyaml.py checks against PyYAML on generated input.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml

_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?\Z")
_NESTED_KEY_LINE = re.compile(r" {2}([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?\Z")
_PLAIN_START_FORBIDDEN = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_FORBIDDEN = re.compile(r"[,\[\]{}\"':]")
_TAG = "tag:yaml.org,2002:"
# Characters PyYAML refuses (its reader's NON_PRINTABLE) or reads as line breaks (NEL, LS, PS),
# and the byte order mark: text with any of them is left to PyYAML.
_OUTSIDE = re.compile("[^\x09\x0a\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_RESOLVER = yaml.resolver.Resolver()
_RESOLVERS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    first: list(resolvers) for first, resolvers in _RESOLVER.yaml_implicit_resolvers.items() if first is not None
}
assert None not in _RESOLVER.yaml_implicit_resolvers  # no wildcard resolvers, or the shortcut is wrong
assert not _RESOLVER.yaml_path_resolvers  # nor path resolvers
_STR = f"{_TAG}str"
_TEXT_KEYS: set[str] = set()  # keys already known to resolve to text
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_CONSTRUCT: dict[str, Callable[[yaml.ScalarNode], object]] = {
    f"{_TAG}null": lambda node: None,
    f"{_TAG}bool": _CONSTRUCTOR.construct_yaml_bool,
    f"{_TAG}int": _CONSTRUCTOR.construct_yaml_int,
    f"{_TAG}float": _CONSTRUCTOR.construct_yaml_float,
    f"{_TAG}timestamp": lambda node: node.value,  # dates are parsed by feedpub.dates, as text
}


class _NotSimple(Exception):
    pass


def load(text: str) -> dict[str, object] | None:
    """The mapping PyYAML would load from text, or None when text is not in the simple subset."""
    loaded = load_with_lines(text)
    return loaded[0] if loaded is not None else None


def load_with_lines(text: str) -> tuple[dict[str, object], list[tuple[str, int]]] | None:
    """As load, plus every top-level key with its 0-based line, repeats included, in order
    (so the caller can report a field given twice, which PyYAML silently lets the last win)."""
    if _OUTSIDE.search(text):
        return None
    try:
        return _mapping(text.split("\n"))
    except _NotSimple:
        return None


def _mapping(lines: list[str]) -> tuple[dict[str, object], list[tuple[str, int]]]:
    result: dict[str, object] = {}
    keys: list[tuple[str, int]] = []
    index = 0
    count = len(lines)
    while index < count:
        line = lines[index].rstrip(" ")
        index += 1
        if not line or line[0] == "#":
            continue
        match = _KEY_LINE.match(line)
        if match is None:
            raise _NotSimple
        key, value = match.group(1, 2)
        _check_key(key)
        keys.append((key, index - 1))
        if value:
            result[key] = _inline(value)
            continue
        block = []
        while index < count and (lines[index].startswith("  ") or not lines[index].strip(" ")):
            nested = lines[index].rstrip(" ")
            if nested:
                block.append(nested)
            index += 1
        result[key] = _block(block)
    return result, keys


def _check_key(key: str) -> None:
    # Keys PyYAML would read as something other than text (true, null, 1e3, <<) are left to it.
    if key not in _TEXT_KEYS:
        if _resolve(key) != _STR:
            raise _NotSimple
        if len(_TEXT_KEYS) < 4096:
            _TEXT_KEYS.add(key)


def _block(lines: list[str]) -> object:
    if not lines:
        return None
    if all(line.startswith("  - ") for line in lines):
        return [_inline(line[4:].lstrip(" ")) for line in lines]
    mapping: dict[str, object] = {}
    for line in lines:
        match = _NESTED_KEY_LINE.match(line)
        if match is None or not match.group(2):
            raise _NotSimple
        _check_key(match.group(1))
        mapping[match.group(1)] = _inline(match.group(2))
    return mapping


def _inline(value: str) -> object:
    first = value[0]
    if first == '"':
        if len(value) < 2 or not value.endswith('"') or '"' in value[1:-1] or "\\" in value:
            raise _NotSimple
        return value[1:-1]
    if first == "'":
        inner = value[1:-1]
        if len(value) < 2 or not value.endswith("'") or "'" in inner.replace("''", ""):
            raise _NotSimple
        return inner.replace("''", "'")
    if first == "[":
        if not value.endswith("]"):
            raise _NotSimple
        inner = value[1:-1].strip(" ")
        return [_plain(item.strip(" "), flow=True) for item in inner.split(",")] if inner else []
    if first == "{":
        if not value.endswith("}"):
            raise _NotSimple
        mapping: dict[str, object] = {}
        inner = value[1:-1].strip(" ")
        for item in inner.split(",") if inner else []:
            key, separator, item_value = item.strip(" ").partition(": ")
            if not separator:
                raise _NotSimple
            _check_key(key)
            if not _KEY_LINE.match(f"{key}:"):
                raise _NotSimple
            mapping[key] = _plain(item_value.strip(" "), flow=True)
        return mapping
    return _plain(value, flow=False)


def _plain(value: str, *, flow: bool) -> object:
    if (
        not value
        or value[0] in _PLAIN_START_FORBIDDEN
        or ": " in value
        or " #" in value
        or value.endswith(":")
        or "\t" in value
        or (flow and _FLOW_FORBIDDEN.search(value))
    ):
        raise _NotSimple
    tag = _resolve(value)
    if tag == _STR:
        return value
    construct = _CONSTRUCT.get(tag)
    if construct is None:
        raise _NotSimple
    return construct(yaml.ScalarNode(tag, value))


def _resolve(value: str) -> str:
    """The tag PyYAML's resolver gives a plain scalar: Resolver.resolve's own loop over the
    implicit resolvers for the first character, without its per-call overhead."""
    for tag, pattern in _RESOLVERS.get(value[:1], ()):
        if pattern.match(value):
            return tag
    return _STR
