"""Stage 2: an article's Markdown -> safe, self-contained HTML and a short plain-text summary.

Feed readers show our HTML inside their own pages and ignore xml:base, so the HTML must be
sanitised (no script, style, handlers or javascript: URLs) and every URL in it absolute.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from feedpub.model import Article

SUMMARY_LIMIT = 300
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# nh3's (ammonia's) default tags minus presentational leftovers, plus figure markup readers show well.
ALLOWED_TAGS = frozenset(nh3.ALLOWED_TAGS - {"center", "strike", "tt", "acronym", "map", "area", "nav"})
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "hreflang", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "time": {"datetime"},
}
IFRAME_ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "iframe": {"src", "width", "height", "title", "allowfullscreen"}}
_IMG_WITHOUT_SRC = re.compile(r'<img(?![^>]*\ssrc=")[^>]*>')
_IFRAME_WITHOUT_SRC = re.compile(r'<iframe(?![^>]*\ssrc=")[^>]*>.*?</iframe>', re.DOTALL)

_MARKDOWN = MarkdownIt("commonmark")


@dataclass(frozen=True, slots=True)
class RenderedArticle:
    """An article ready for a feed: its record, full HTML body and plain summary."""

    article: Article
    content_html: str
    summary: str


def render_article(article: Article, iframe_hosts: tuple[str, ...] = ()) -> RenderedArticle:
    tokens = _MARKDOWN.parse(article.body)
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    summary = article.summary or summarise(_first_paragraph_text(tokens)) or article.title
    return RenderedArticle(article, sanitise(html, article.permalink, iframe_hosts), summary)


def sanitise(html: str, base_url: str, iframe_hosts: tuple[str, ...] = ()) -> str:
    """Clean untrusted HTML and resolve every relative URL against base_url in the same pass."""
    tags = set(ALLOWED_TAGS)
    content_tags = {"script", "style", "iframe", "noscript", "template"}
    if iframe_hosts:
        tags.add("iframe")
        content_tags.discard("iframe")
    cleaned = nh3.clean(
        html,
        tags=tags,
        clean_content_tags=content_tags,
        attributes=IFRAME_ATTRIBUTES if iframe_hosts else ALLOWED_ATTRIBUTES,
        attribute_filter=_iframe_filter(iframe_hosts) if iframe_hosts else None,
        url_schemes=set(URL_SCHEMES),
        url_relative=("rewrite_with_base", base_url),
        link_rel=None,
        strip_comments=True,
    )
    # Lazy-load-only images (data-src) lose everything but alt: drop them rather than ship a broken image.
    cleaned = _IMG_WITHOUT_SRC.sub("", cleaned)
    if iframe_hosts:
        cleaned = _IFRAME_WITHOUT_SRC.sub("", cleaned)
    return cleaned.strip()


@lru_cache(maxsize=8)
def _iframe_filter(hosts: tuple[str, ...]) -> Callable[[str, str, str], str | None]:
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "iframe" and attribute == "src":
            parts = urlsplit(value)
            return value if parts.scheme == "https" and (parts.hostname or "") in hosts else None
        return value

    return keep


def _first_paragraph_text(tokens: list[Token]) -> str:
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            text = _inline_text(tokens[index + 1].children or [])
            if text:
                return text
    return ""


def _inline_text(children: list[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def summarise(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """Cut plain text to at most `limit` characters at a word boundary, marking the cut with '…'."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-—") + "…"
