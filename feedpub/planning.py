"""Stage 3, the light half: which articles each feed shows, and the plain pieces a feed file is
put together from (its frame, its entries' bytes).

Nothing here imports feedgen, lxml or the renderer: building.py makes the pieces, in worker
processes for a big build, and the process that plans, assembles and writes the feeds needs
none of its dependencies for that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Generic, NamedTuple, TypeVar

from feedpub.model import Article, Author, Content, Section, Site, feed_order

RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
Item = TypeVar("Item")
# A feed with no published entry still needs a truthful, stable updated date: the epoch says "never".
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class FeedDocument(NamedTuple):
    """One feed file's bytes and where it goes, relative to the output folder."""

    relpath: str
    data: bytes
    media_type: str


class FeedPlan(NamedTuple, Generic[Item]):
    """What one feed (in both formats) shows: used by the builder and by autodiscovery.

    Items are Articles when built; the pipeline plans with slim cached keys first, so it can
    tell which feeds changed before reading any article again.
    """

    key: str
    title: str
    description: str
    page_url: str
    feed_id: str
    author: Author
    items: tuple[Item, ...]
    rss_path: str
    atom_path: str


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Newest publication first; ties broken by update time, then id, so the order never wobbles."""
    return sorted(articles, key=lambda a: feed_order(a.date.timestamp(), a.updated.timestamp(), a.id))


def plan_feeds(content: Content, now: datetime) -> tuple[FeedPlan[Article], ...]:
    published = newest_first(a for a in content.articles if a.is_published(now))
    return plan_selection(content.site, content.sections, published, lambda article: article.section)


def plan_selection(
    site: Site, sections: Sequence[Section], published: Sequence[Item], section_of: Callable[[Item], str]
) -> tuple[FeedPlan[Item], ...]:
    """The site feed and one feed per section, from the published items, newest first."""
    plans = [
        FeedPlan(
            key="",
            title=site.title,
            description=site.description,
            page_url=f"{site.base_url}/",
            feed_id=f"{site.base_url}/",
            author=site.author,
            items=tuple(published[: site.feed_items]),
            rss_path="rss.xml",
            atom_path="atom.xml",
        )
    ]
    by_section: dict[str, list[Item]] = {section.name: [] for section in sections}
    for item in published:
        group = by_section.get(section_of(item))
        if group is not None:
            group.append(item)
    plans.extend(_section_plan(site, section, by_section[section.name]) for section in sections)
    return tuple(plans)


def _section_plan(site: Site, section: Section, published: list[Item]) -> FeedPlan[Item]:
    return FeedPlan(
        key=section.name,
        title=f"{section.title} | {site.title}",
        description=section.description,
        page_url=f"{site.base_url}/{section.name}/",
        feed_id=f"{site.base_url}/{section.name}/",
        author=section.author,
        items=tuple(published[: section.feed_items]),
        rss_path=f"{section.name}/rss.xml",
        atom_path=f"{section.name}/atom.xml",
    )


class EntryXml(NamedTuple):
    """One article's entry exactly as every feed showing it carries it: the RSS <item> and the
    Atom <entry>, cut from feedgen's output. An entry does not depend on the feed it is in, so
    it is made (and validated) once and reused by the site feed and by later builds."""

    rss: bytes
    atom: bytes


class FeedFrame(NamedTuple):
    """One feed in both formats without its entries: what comes before and after them."""

    rss_path: str
    atom_path: str
    rss_head: bytes
    rss_tail: bytes
    atom_head: bytes
    atom_tail: bytes

    def assemble(self, entries: Sequence[EntryXml]) -> tuple[FeedDocument, FeedDocument]:
        """The feed files, entries in the order given."""
        rss = self.rss_head + b"".join(entry.rss for entry in entries) + self.rss_tail
        atom = self.atom_head + b"".join(entry.atom for entry in entries) + self.atom_tail
        return FeedDocument(self.rss_path, rss, RSS_TYPE), FeedDocument(self.atom_path, atom, ATOM_TYPE)


def newest_update(updates: Iterable[datetime]) -> datetime:
    """A feed's updated date: the newest of its items' (the first of equal instants, as feeds
    show each with its own offset), or NEVER for a feed with none."""
    return max(updates, default=NEVER, key=lambda moment: moment.timestamp())


def feed_url(site: Site, relpath: str) -> str:
    return f"{site.feeds_url}/{relpath}"
