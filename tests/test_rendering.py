"""Markdown to safe, self-contained HTML, and summaries that are genuinely shorter plain text."""

from __future__ import annotations

import pytest

from feedpub.rendering import render_article, sanitise, summarise
from tests.conftest import ARTICLE_PERMALINK as BASE
from tests.conftest import make_article


def test_commonmark_rendering() -> None:
    html = render_article(make_article("## Head\n\nSome *emphasis* and `code`.\n\n- one\n- two\n")).content_html
    assert html == (
        "<h2>Head</h2>\n<p>Some <em>emphasis</em> and <code>code</code>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    )


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<a href="/about/">a</a>', '<a href="https://gazette.example.org/about/">a</a>'),
        ('<a href="../other/">o</a>', '<a href="https://gazette.example.org/science/other/">o</a>'),
        ('<img src="fig.png" alt="f">', '<img src="https://gazette.example.org/science/tides/fig.png" alt="f">'),
        ('<a href="#notes">n</a>', '<a href="https://gazette.example.org/science/tides/#notes">n</a>'),
        ('<a href="//cdn.example.net/x">x</a>', '<a href="https://cdn.example.net/x">x</a>'),
        ('<a href="https://elsewhere.example/">e</a>', '<a href="https://elsewhere.example/">e</a>'),
        ('<a href="javascript:alert(1)">j</a>', "<a>j</a>"),
        ('<img src="data:image/png;base64,AAAA" alt="d">', ""),
        ("<script>alert(1)</script>ok", "ok"),
        ("<style>p{color:red}</style>ok", "ok"),
        ('<p onclick="evil()">p</p>', "<p>p</p>"),
        ('<iframe src="https://video.example/embed"></iframe>ok', "ok"),
        ('<base href="https://evil.example/">ok', "ok"),
        ("<svg><script>alert(1)</script><circle/></svg>ok", "ok"),
        (
            '<img data-src="lazy.jpg" alt="lazy">',
            '<img src="https://gazette.example.org/science/tides/lazy.jpg" alt="lazy">',
        ),
        ("<img data-srcset='/a.jpg 1x, /b.jpg 2x' alt=s>", '<img src="https://gazette.example.org/a.jpg" alt="s">'),
        ('<img src="real.jpg" data-src="other.jpg">', '<img src="https://gazette.example.org/science/tides/real.jpg">'),
        ('<img data-src="javascript:alert(1)" alt="x">', ""),
        ('<img loading="lazy" alt="no source at all">', ""),
        ("<!-- editor note -->ok", "ok"),
    ],
)
def test_sanitise_and_absolutise(markup: str, expected: str) -> None:
    assert sanitise(markup, BASE) == expected


def test_iframes_only_from_allow_listed_hosts() -> None:
    hosts = ("www.youtube-nocookie.com",)
    kept = sanitise('<iframe src="https://www.youtube-nocookie.com/embed/x"></iframe>', BASE, hosts)
    assert kept == '<iframe src="https://www.youtube-nocookie.com/embed/x"></iframe>'
    assert sanitise('<iframe src="https://evil.example/embed"></iframe>', BASE, hosts) == ""
    assert sanitise('<iframe src="http://www.youtube-nocookie.com/embed/x"></iframe>', BASE, hosts) == ""


def test_markdown_links_become_absolute() -> None:
    html = render_article(make_article("See [the data](data.csv) and ![chart](/img/c.png).")).content_html
    assert 'href="https://gazette.example.org/science/tides/data.csv"' in html
    assert 'src="https://gazette.example.org/img/c.png"' in html


def test_summary_from_first_paragraph_is_plain_text() -> None:
    rendered = render_article(make_article("## Heading\n\nFirst *para* with [a link](/x) and `code`.\n\nSecond."))
    assert rendered.summary == "First para with a link and code."


def test_frontmatter_summary_wins() -> None:
    assert render_article(make_article("Body.", summary="Standfirst.")).summary == "Standfirst."


def test_long_first_paragraph_is_cut_at_a_word() -> None:
    words = " ".join(["word"] * 200)
    summary = summarise(words)
    assert len(summary) <= 300
    assert summary.endswith("word…")


def test_short_text_is_not_cut() -> None:
    assert summarise("  Short   text. ") == "Short text."


def test_empty_body_falls_back_to_title() -> None:
    assert render_article(make_article("")).summary == "Tides"
