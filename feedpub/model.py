"""The typed, immutable records that flow between stages.

All datetimes are timezone-aware; sequences are tuples. Nothing is filled in later:
once the loader returns an Article, every field is final.

These records are frozen dataclasses. The plain carriers that bundle them or pass between
steps (Content below, the settings, a parsed document, a feed's plan and frame, an entry's
bytes, the cache's last build) are named tuples, and the objects that collect one file's
problems are plain classes with slots: under Python 3.11 defining a frozen dataclass costs
about 1 ms at import (six methods compiled from source), a named tuple a seventh of that, and
a one-article rebuild imports some twenty of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Author:
    """A byline: a person or a desk. Email and URI are optional (RSS wants an email, Atom not)."""

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
    """Site settings from content/_index.md, checked, with defaults filled in."""

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
    """Section settings from content/<section>/_index.md; name is the folder's."""

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


class Content(NamedTuple):
    """Everything under content/: the site, its sections, and every article (drafts included)."""

    site: Site
    sections: tuple[Section, ...]
    articles: tuple[Article, ...]
