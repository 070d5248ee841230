"""The typed, immutable records that flow between stages.

All datetimes are timezone-aware; sequences are tuples. Nothing is filled in later:
once the loader returns an Article, every field is final.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    email: str | None = None
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class Image:
    """The article's lead image; `url` is absolute by the time it reaches a record."""

    url: str
    alt: str
    caption: str | None = None
    media_type: str | None = None


@dataclass(frozen=True, slots=True)
class Site:
    title: str
    base_url: str
    description: str
    language: str | None
    timezone: str | None
    author: Author
    copyright: str | None
    feed_items: int
    permalink: str
    feeds_url: str
    id_authority: str
    iframe_hosts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    title: str
    description: str
    author: Author
    feed_items: int
    path: Path


@dataclass(frozen=True, slots=True)
class Article:
    """One article as written, with its permalink and stable id already worked out."""

    path: Path
    section: str
    slug: str
    title: str
    date: datetime
    updated: datetime
    summary: str | None
    authors: tuple[Author, ...]
    tags: tuple[str, ...]
    image: Image | None
    draft: bool
    id: str
    permalink: str
    body: str = field(repr=False)
    source_sha256: str = ""

    def is_published(self, now: datetime) -> bool:
        return not self.draft and self.date <= now


def feed_order(date: float, updated: float, article_id: str) -> tuple[float, float, str]:
    """Sort key for feeds: newest publication first, then newest update, then id, so the order
    never wobbles. Takes timestamps, so slim cached keys and full records sort alike."""
    return (-date, -updated, article_id)


def article_to_json(article: Article) -> str:
    """The record without its body, as JSON: for the cache and for passing between processes.

    JSON rather than pickle, so a damaged or planted cache file can never run code.
    """
    return json.dumps(
        [
            str(article.path),
            article.section,
            article.slug,
            article.title,
            article.date.isoformat(),
            article.updated.isoformat(),
            article.summary,
            [(a.name, a.email, a.uri) for a in article.authors],
            list(article.tags),
            _image_tuple(article.image),
            article.draft,
            article.id,
            article.permalink,
            article.source_sha256,
        ],
        ensure_ascii=False,
    )


def _image_tuple(image: Image | None) -> tuple[str, str, str | None, str | None] | None:
    return (image.url, image.alt, image.caption, image.media_type) if image else None


def article_from_json(text: str) -> Article:
    """Inverse of article_to_json; the body is empty until the file is read again for rendering."""
    path, section, slug, title, date, updated, summary, authors, tags, image, draft, id_, permalink, sha = json.loads(
        text
    )
    return Article(
        path=Path(path),
        section=section,
        slug=slug,
        title=title,
        date=datetime.fromisoformat(date),
        updated=datetime.fromisoformat(updated),
        summary=summary,
        authors=tuple(Author(*a) for a in authors),
        tags=tuple(tags),
        image=Image(*image) if image else None,
        draft=draft,
        id=id_,
        permalink=permalink,
        body="",
        source_sha256=sha,
    )


@dataclass(frozen=True, slots=True)
class Content:
    """Everything under content/: the site, its sections, and every article (drafts included)."""

    site: Site
    sections: tuple[Section, ...]
    articles: tuple[Article, ...]
