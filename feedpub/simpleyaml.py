"""A fast path for the YAML that frontmatter almost always is, with PyYAML's exact meaning.

Handles only: top-level `key: value` lines; values that are plain, single- or double-quoted
(no escapes) scalars, flow lists `[a, b]` and flow maps `{k: v}` of plain scalars; and one
nested level (`key:` followed by `  - item` or `  sub: value` lines). Plain scalars get
PyYAML's own implicit tags (so `no` is False and `2026-01-01` a timestamp) and PyYAML's own
constructors' results. Anything else returns None and the caller uses PyYAML: the result is always
what PyYAML would give, which tests/test_simpleyaml.py checks against PyYAML on generated input.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_PLAIN_START_FORBIDDEN = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_FORBIDDEN = re.compile(r"[,\[\]{}\"':]")
_TAG = "tag:yaml.org,2002:"
# Characters PyYAML refuses (its reader's NON_PRINTABLE) or reads as line breaks (CR, NEL, LS,
# PS), and the byte order mark: text with any of them is left to PyYAML. Written as the
# characters outside PyYAML's printable set (compiling the negated set costs milliseconds at
# every start), and compiled on first use (through re's cache): text the caller vouches for
# as XML-clean, all articles', needs only the three `in` checks below.
_OUTSIDE = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
# Of those, the ones text free of XML's forbidden characters and of CR can still hold.
_OUTSIDE_XML_CLEAN = ("\u2028", "\u2029", "\ufeff")

# PyYAML's implicit resolvers (yaml/resolver.py) in its order: (tag, pattern, first characters).
# A copy, so the fast path never imports PyYAML; tests/test_simpleyaml.py checks it is exact.
_IMPLICIT: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "bool",
        (
            "^(?:yes|Yes|YES|no|No|NO\n"
            "                    |true|True|TRUE|false|False|FALSE\n"
            "                    |on|On|ON|off|Off|OFF)$"
        ),
        ("y", "Y", "n", "N", "t", "T", "f", "F", "o", "O"),
    ),
    (
        "float",
        (
            "^(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?\n"
            "                    |\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?\n"
            "                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*\n"
            "                    |[-+]?\\.(?:inf|Inf|INF)\n"
            "                    |\\.(?:nan|NaN|NAN))$"
        ),
        ("-", "+", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "."),
    ),
    (
        "int",
        (
            "^(?:[-+]?0b[0-1_]+\n"
            "                    |[-+]?0[0-7_]+\n"
            "                    |[-+]?(?:0|[1-9][0-9_]*)\n"
            "                    |[-+]?0x[0-9a-fA-F_]+\n"
            "                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
        ),
        ("-", "+", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
    ),
    (
        "merge",
        "^(?:<<)$",
        ("<",),
    ),
    (
        "null",
        ("^(?: ~\n                    |null|Null|NULL\n                    | )$"),
        ("n", "N", "~", ""),
    ),
    (
        "timestamp",
        (
            "^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]\n"
            "                    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?\n"
            "                     (?:[Tt]|[ \\t]+)[0-9][0-9]?\n"
            "                     :[0-9][0-9] :[0-9][0-9] (?:\\.[0-9]*)?\n"
            "                     (?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"
        ),
        ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
    ),
    (
        "value",
        "^(?:=)$",
        ("=",),
    ),
    (
        "yaml",
        "^(?:!|&|\\*)$",
        ("!", "&", "*"),
    ),
]
_VERBOSE = frozenset({"bool", "float", "int", "null", "timestamp"})  # compiled with re.X, as PyYAML does
# First character -> (tag, pattern, flags), in order. Each pattern is compiled on first use
# (compiling all eight took ~2 ms at every start; a rebuild's frontmatter needs four or five).
_RESOLVERS: dict[str, list[tuple[str, str, int]]] = {}
for _name, _pattern, _firsts in _IMPLICIT:
    for _first in _firsts:
        _RESOLVERS.setdefault(_first, []).append((f"{_TAG}{_name}", _pattern, re.X if _name in _VERBOSE else 0))
# By tag. Not through re's cache, as the modules' rare patterns are: _resolve runs for every new
# plain value of a cold build, where re's per-call lookup would cost more than a dict's.
_COMPILED: dict[str, re.Pattern[str]] = {}
_FLOAT = f"{_TAG}float"
_STR = f"{_TAG}str"
_GOOD_KEYS: set[str] = set()  # keys already known to be simple and to resolve to text
# Bound on each memo below (and on _GOOD_KEYS), and on the loader's byline memo: frontmatter
# repeats few values.
MEMO_MAX = 4096
_BOOLEANS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}


class _NotSimple(Exception):
    pass


def load(text: str) -> dict[str, object] | None:
    """The mapping PyYAML would load from text, or None when text is not in the simple subset."""
    loaded = load_with_lines(text)
    return loaded[0] if loaded is not None else None


def load_with_lines(text: str, *, xml_clean: bool = False) -> tuple[dict[str, object], list[tuple[str, int]]] | None:
    """As load, plus every top-level key with its 0-based line, repeats included, in order
    (so the caller can report a field given twice, which PyYAML silently lets the last win).

    xml_clean: the caller vouches that text holds no character XML 1.0 forbids and no CR, so
    only three characters need looking for instead of a regex scan (a seventh of the cost).
    """
    if xml_clean:
        if not text.isascii() and any(character in text for character in _OUTSIDE_XML_CLEAN):
            return None
    elif re.search(_OUTSIDE, text):
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
        key, value = _key_and_value(line)
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


def _key_and_value(line: str) -> tuple[str, str]:
    """A `key: value` or `key:` line (no trailing spaces) as (key, value or "")."""
    key, colon, rest = line.partition(":")
    if not colon or (rest and rest[0] != " "):
        raise _NotSimple
    _check_key(key)
    return key, rest.lstrip(" ")


def _check_key(key: str) -> None:
    # Only plain word keys; and keys PyYAML would read as something other than text (true,
    # null, <<) are left to it.
    if key not in _GOOD_KEYS:
        if not _KEY.fullmatch(key) or _resolve(key) != _STR:
            raise _NotSimple
        if len(_GOOD_KEYS) < MEMO_MAX:
            _GOOD_KEYS.add(key)


def _block(lines: list[str]) -> object:
    if not lines:
        return None
    if all(line.startswith("  - ") for line in lines):
        return [_inline(line[4:].lstrip(" ")) for line in lines]
    mapping: dict[str, object] = {}
    for line in lines:
        if line[2] == " ":  # deeper than one level
            raise _NotSimple
        key, value = _key_and_value(line[2:])
        if not value:
            raise _NotSimple
        mapping[key] = _inline(value)
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
    if first == "[" or first == "{":
        # Flow collections recur from file to file too (tag lists, author maps): looked up, and
        # copied, since the caller owns what it gets (the items are plain, immutable scalars).
        known = _FLOW_MEMO.get(value)
        if known is None:
            known = _flow(value)
            if len(_FLOW_MEMO) < MEMO_MAX:
                _FLOW_MEMO[value] = known
        return known.copy()
    return _plain(value, flow=False)


_FLOW_MEMO: dict[str, list[object] | dict[str, object]] = {}


def _flow(value: str) -> list[object] | dict[str, object]:
    """A flow list `[a, b]` or flow map `{k: v}` of plain scalars."""
    if value[0] == "[":
        if not value.endswith("]"):
            raise _NotSimple
        inner = value[1:-1].strip(" ")
        return [_plain(item.strip(" "), flow=True) for item in inner.split(",")] if inner else []
    if not value.endswith("}"):
        raise _NotSimple
    mapping: dict[str, object] = {}
    inner = value[1:-1].strip(" ")
    for item in inner.split(",") if inner else []:
        key, separator, item_value = item.strip(" ").partition(": ")
        if not separator:
            raise _NotSimple
        _check_key(key)
        mapping[key] = _plain(item_value.strip(" "), flow=True)
    return mapping


def _plain(value: str, *, flow: bool) -> object:
    """A plain scalar's value. Names and tags recur from file to file: they are looked up."""
    memo = _PLAIN_MEMO[flow]
    known = memo.get(value, _UNKNOWN)
    if known is _UNKNOWN:
        known = _plain_value(value, flow)
        if len(memo) < MEMO_MAX:
            memo[value] = known
    return known


_UNKNOWN = object()
_PLAIN_MEMO: tuple[dict[str, object], dict[str, object]] = ({}, {})  # block context, flow context


def _plain_value(value: str, flow: bool) -> object:
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
    return construct(value)


def _integer(value: str) -> int:
    """PyYAML's SafeConstructor.construct_yaml_int, but for sexagesimal (1:30), left to PyYAML."""
    digits = value.replace("_", "")
    sign = -1 if digits[0] == "-" else 1
    if digits[0] in "+-":
        digits = digits[1:]
    try:
        if digits == "0":
            return 0
        if digits.startswith("0b"):
            return sign * int(digits[2:], 2)
        if digits.startswith("0x"):
            return sign * int(digits[2:], 16)
        if digits[0] == "0":
            return sign * int(digits, 8)
        if ":" in digits:
            raise _NotSimple
        return sign * int(digits)
    except ValueError:  # "0b_": PyYAML fails its own way
        raise _NotSimple from None


_CONSTRUCT: dict[str, Callable[[str], object]] = {
    f"{_TAG}null": lambda value: None,
    f"{_TAG}bool": lambda value: _BOOLEANS[value.lower()],
    f"{_TAG}int": _integer,
    f"{_TAG}timestamp": lambda value: value,  # dates are parsed by feedpub.dates, as text
    # Floats (and merge keys, values) are rare in frontmatter: PyYAML reads them.
}


def _resolve(value: str) -> str:
    """The tag PyYAML's resolver gives a plain scalar: Resolver.resolve's own loop over the
    implicit resolvers for the first character, without its per-call overhead."""
    for tag, pattern, flags in _RESOLVERS.get(value[:1], ()):
        if tag == _FLOAT and "." not in value:
            continue  # each of the float pattern's forms has a dot: dates and integers skip it
        compiled = _COMPILED.get(tag)
        if compiled is None:
            compiled = _COMPILED[tag] = re.compile(pattern, flags)
        if compiled.match(value):
            return tag
    return _STR
