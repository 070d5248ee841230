"""The first real article, checked field by field against values written by hand from the seed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from lxml import html as lxml_html

from feedpub.loading import load_content
from feedpub.rendering import render_article
from tests.conftest import PROJECT

SLUG = "open-source-models-changed-the-balance-of-power-in-ai"
HEADINGS = [
    "The moat that was assumed, not proven",
    "Distribution beats secrecy",
    "What the big labs still hold",
    "A more crowded field",
]


def seed_article():  # type: ignore[no-untyped-def]
    content, warnings = load_content(PROJECT / "content")
    assert warnings == ()
    [article] = [a for a in content.articles if a.slug == SLUG]
    return article


def test_seed_frontmatter() -> None:
    article = seed_article()
    assert article.section == "technology"
    assert article.title == "Open-Source Models Quietly Changed the Balance of Power in AI"
    assert article.summary == (
        "Freely available models have eroded the moat that the largest labs once assumed was theirs to keep"
    )
    assert [a.name for a in article.authors] == ["Technology Desk"]  # no byline: the desk, not a person
    assert article.date == datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # London is on GMT in November
    assert article.draft is False


def test_seed_body_structure_and_no_page_furniture() -> None:
    rendered = render_article(seed_article())
    tree = lxml_html.fragment_fromstring(rendered.content_html, create_parent="div")
    assert [h.text_content() for h in tree.findall("h2")] == HEADINGS
    paragraphs = [p.text_content() for p in tree.findall("p")]
    assert len(paragraphs) == 7
    assert paragraphs[0].startswith("For a brief moment it looked as though artificial intelligence")
    assert paragraphs[-1].endswith("that, more than any single release, is what has happened here.")
    assert "daily digest" not in rendered.content_html.lower()
    assert "One email each morning" not in rendered.content_html


def test_seed_paragraphs_are_verbatim(shared: Path) -> None:
    lines = (shared / "seeds" / "000_fe03d6ea3c27e277.txt").read_text(encoding="utf-8").splitlines()
    expected = [line for line in lines[3:-2] if line.strip() and line not in HEADINGS]
    rendered = render_article(seed_article())
    tree = lxml_html.fragment_fromstring(rendered.content_html, create_parent="div")
    assert [p.text_content() for p in tree.findall("p")] == expected
    assert lines[-2:] == ["The daily digest", "One email each morning, all the day’s reporting."]
