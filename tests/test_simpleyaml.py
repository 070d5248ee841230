"""The YAML fast path must mean exactly what PyYAML means, or step aside (return None)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feedpub import simpleyaml
from feedpub.fullyaml import FrontmatterLoader
from tests.conftest import run_fresh_python


def pyyaml(text: str) -> object:
    return yaml.load(text, Loader=FrontmatterLoader)


TRICKY_SCALARS = [
    "no",
    "yes",
    "on",
    "off",
    "true",
    "False",
    "~",
    "null",
    "",
    "0",
    "07",
    "0x1f",
    "1_000",
    "1:30",
    "-5",
    "+5",
    ".5",
    "1e3",
    "1.5e3",
    ".inf",
    "-.inf",
    ".nan",
    "2026-01-01",
    "2026-01-01 10:00",
    "2026-1-1",
    "=",
    "<<",
    "a: b",
    "a #b",
    "a# b",
    "C#",
    "it's",
    'say "hi"',
    "trailing:",
    "-",
    "- x",
    "? x",
    "@x",
    "`x",
    "%x",
    "!x",
    "&x",
    "*x",
    "|",
    ">",
    "[x",
    "{x",
    "x]",
    "a, b",
    "a,b",
    "https://example.org/a?b=c",
    "caf\u00e9",
    "\u00a0x",
    "tab\there",
    "x\x85y",
    "line\u2028separator",
    "paragraph\u2029separator",
    "\ufeffbom",
    "emoji \U0001f600",
    "  spaced  ",
    "back\\slash",
    "'quoted'",
    '"dq"',
    "...",
    "---",
]
scalar = st.one_of(
    st.sampled_from(TRICKY_SCALARS),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)
key = st.one_of(
    st.sampled_from(["title", "date", "tags", "yes", "null", "1", "<<", "a-b", "_x", "x y"]),
    st.from_regex(r"[a-z]{1,6}", fullmatch=True),
)


def quoted(value: str, mark: str) -> str:
    return f"{mark}{value}{mark}"


value = st.one_of(
    scalar,
    scalar.map(lambda v: quoted(v, '"')),
    scalar.map(lambda v: quoted(v.replace("'", "''"), "'")),
    st.lists(scalar, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
    st.lists(st.tuples(key, scalar), max_size=3).map(
        lambda pairs: "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
    ),
)
block = st.one_of(
    st.lists(value, min_size=1, max_size=3).map(lambda items: "".join(f"\n  - {item}" for item in items)),
    st.lists(st.tuples(key, value), min_size=1, max_size=3).map(
        lambda pairs: "".join(f"\n  {k}: {v}" for k, v in pairs)
    ),
    st.just(""),
)
line = st.one_of(
    st.tuples(key, value).map(lambda kv: f"{kv[0]}: {kv[1]}"),
    st.tuples(key, block).map(lambda kb: f"{kb[0]}:{kb[1]}"),
    st.sampled_from(["# a comment", "", "   ", "- top-level list", "  indented: x", "key:value", "k:  x  "]),
)
document = st.lists(line, max_size=8).map("\n".join)


@settings(max_examples=600, deadline=None)
@given(document)
def test_fast_path_agrees_with_pyyaml(text: str) -> None:
    fast = simpleyaml.load(text)
    if fast is None:
        return  # not in the simple subset: PyYAML decides
    assert fast == pyyaml(text) or (pyyaml(text) is None and fast == {})


@pytest.mark.parametrize("text", TRICKY_SCALARS)
def test_every_tricky_scalar_agrees_or_steps_aside(text: str) -> None:
    for document_text in (f"k: {text}", f"k: [{text}]", f"k:\n  - {text}", f"k:\n  s: {text}", f'k: "{text}"'):
        fast = simpleyaml.load(document_text)
        if fast is not None:
            assert fast == pyyaml(document_text), document_text


def test_norway_and_dates_mean_what_pyyaml_says() -> None:
    assert simpleyaml.load("language: no\ndate: 2026-01-01\ncount: 007") == {
        "language": False,
        "date": "2026-01-01",
        "count": 7,
    }


def test_typical_frontmatter_takes_the_fast_path() -> None:
    text = (
        '\ntitle: "Chips: the new oil"\ndate: 2026-03-01T09:30:00+01:00\nsummary: A standfirst.\n'
        "authors:\n  - {name: Ada Lovelace, email: ada@example.org}\n  - Charles Babbage\n"
        "tags: [semiconductors, trade]\nimage:\n  url: /img/chip.jpg\n  alt: A chip\ndraft: false\n"
    )
    assert simpleyaml.load(text) == pyyaml(text)
    assert simpleyaml.load(text) is not None


def test_seed_article_frontmatter_takes_the_fast_path() -> None:
    text = (Path(__file__).resolve().parents[1] / "content" / "technology").glob("*.md")
    for path in text:
        if path.name != "_index.md":
            frontmatter_text = path.read_text(encoding="utf-8").split("---")[1]
            assert simpleyaml.load(frontmatter_text) == pyyaml(frontmatter_text) != {}


def test_resolver_table_is_pyyamls_own() -> None:
    """The fast path carries a copy of PyYAML's implicit resolvers (so it never imports PyYAML):
    same tags, same patterns and flags, same first characters, same order."""
    ours = {
        first: [(tag, pattern, re.compile(pattern, flags).flags) for tag, pattern, flags in resolvers]
        for first, resolvers in simpleyaml._RESOLVERS.items()
    }
    theirs = {
        first: [(tag, p.pattern, p.flags) for tag, p in pairs]
        for first, pairs in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }
    assert ours == theirs


@given(st.text(alphabet="0123456789+-_.:eEinfaINFAN", max_size=12))
def test_only_a_dotted_scalar_is_a_float(text: str) -> None:
    """The fast path skips the float pattern for text without a dot: PyYAML agrees."""
    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False))
    assert tag != "tag:yaml.org,2002:float" or "." in text
    assert simpleyaml._resolve(text) == tag


def test_frontmatter_boundary_is_python_frontmatters() -> None:
    from frontmatter.default_handlers import YAMLHandler

    from feedpub.documents import FM_BOUNDARY

    assert (FM_BOUNDARY.pattern, FM_BOUNDARY.flags) == (YAMLHandler.FM_BOUNDARY.pattern, YAMLHandler.FM_BOUNDARY.flags)


def test_reading_typical_articles_never_imports_pyyaml(tmp_path: Path) -> None:
    """PyYAML is imported only for frontmatter outside the fast path: a rebuild after an edit
    must not pay for it."""
    article = tmp_path / "a.md"
    article.write_text("---\ntitle: A\ndate: 2026-03-01\ncount: 12\ndraft: no\ntags: [x, y]\n---\n\nText.\n")
    code = (
        "import sys; from pathlib import Path; from feedpub.documents import parse_document; "
        "from feedpub.reporting import FieldReporter; "
        f"d = parse_document(Path({str(article)!r}), FieldReporter(Path('a'))); "
        "assert d.meta == {'title': 'A', 'date': '2026-03-01', 'count': 12, 'draft': False, 'tags': ['x', 'y']}, d.meta; "
        "assert 'yaml' not in sys.modules and 'frontmatter' not in sys.modules, 'PyYAML imported'"
    )
    result = run_fresh_python(code)
    assert result.returncode == 0, result.stderr


def test_recurring_values_are_never_shared_between_documents() -> None:
    """Looked-up flow lists and maps are copies: one document's caller cannot change another's."""
    first = simpleyaml.load("tags: [a, b]\nauthor: {name: X}\n")
    assert first is not None
    first["tags"].append("c")  # type: ignore[attr-defined]
    first["author"]["name"] = "Y"  # type: ignore[index]
    assert simpleyaml.load("tags: [a, b]\nauthor: {name: X}\n") == {"tags": ["a", "b"], "author": {"name": "X"}}


frontmatter_text = st.lists(
    st.sampled_from(["---", "----", "--- ", "---x", "-- -", "", " ", "\t", "title: x", "a---", "---\t", "\r", "x\n"]),
    max_size=10,
).map("\n".join)


@settings(max_examples=500, deadline=None)
@given(frontmatter_text)
def test_frontmatter_split_finds_what_the_regex_search_finds(text: str) -> None:
    from feedpub.documents import FM_BOUNDARY, split_frontmatter

    opening = FM_BOUNDARY.match(text)
    closing = FM_BOUNDARY.search(text, opening.end()) if opening else None
    expected = (opening.span(), closing.span()) if opening and closing else None
    found = split_frontmatter(text)
    assert (found and (found[0].span(), found[1].span())) == expected
