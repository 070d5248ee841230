"""The typed, immutable records that flow between stages.

All datetimes are timezone-aware; sequences are tuples. Nothing is filled in later:
once the loader returns an Article, every field is final.

These records are frozen dataclasses. Defining one costs under Python 3.11 about 1 ms at
import (its methods compiled from source), which a one-article rebuild pays in a fresh process:
so their equality, hashing and repr are written once, in Record, and the plain carriers that
bundle them or pass between steps (Content below, the settings, a parsed document, a feed's plan
and frame, an entry's bytes, the cache's last build) are named tuples, at a seventh of the cost.
The objects that collect one file's problems are plain classes with slots.
"""

from __future__ import annotations

from dataclasses import Field, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, NamedTuple


class Record:
    """The value semantics @dataclass would generate for each record, written once.

    Its records are declared with eq=False and repr=False and inherit these instead: @dataclass
    compiles three methods fewer per class (callgrind: 26M -> 18M instructions to import this
    module). They behave as the generated ones: equal only to the same class with equal fields,
    hashed by the fields (the records are frozen), shown as Name(field=value, ...) without the
    fields marked repr=False.
    """

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__dataclass_fields__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
        return f"{type(self).__qualname__}({shown})"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Author(Record):
    """A byline: a person or a desk. Email and URI are optional (RSS wants an email, Atom not)."""

    name: str
    email: str | None = None
    uri: str | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Image(Record):
    """The article's lead image; `url` is absolute by the time it reaches a record."""

    url: str
    alt: str
    caption: str | None = None
    media_type: str | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Site(Record):
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


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Section(Record):
    """Section settings from content/<section>/_index.md; name is the folder's."""

    name: str
    title: str
    description: str
    author: Author
    feed_items: int
    path: Path


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Article(Record):
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
