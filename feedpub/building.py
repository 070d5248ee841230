"""Stage 3: records -> RSS 2.0 and Atom 1.0 documents, via feedgen (what each feed shows, and
putting a feed together from its pieces, is planning.py).

This is the only module that touches feedgen. It wraps feedgen's known traps:
entries are appended in our order (feedgen prepends by default); every date is set
explicitly (feedgen defaults them to now()); the RSS channel link is added last (feedgen
uses the last link); summary and content are set separately (description() would replace
the Atom content); entry enclosure links, dc:creator and Media RSS are written by our own
extension (feedgen drops link rel/type/length on entries, upstream issue #135, and drops
authors without email from RSS). Nothing here reads a clock or the disk.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from feedpub.deferred import defer_import

defer_import("dateutil.parser")  # before feedgen imports it: we never hand feedgen a date string

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feedpub import __version__
from feedpub.dates import rfc822, rfc3339
from feedpub.model import Article, Author, Image, Site
from feedpub.planning import ATOM_TYPE, RSS_TYPE, EntryXml, FeedDocument, FeedFrame, FeedPlan, feed_url
from feedpub.rendering import RenderedArticle, render_article

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
GENERATOR_URI = "https://github.com/feedpub/feedpub"


class BuiltFeed(NamedTuple):
    """One feed's frame and the entries made afresh for it, by item key; and feedgen's own
    output (the head with only those new entries), which is what must be validated."""

    frame: FeedFrame
    entries: dict[str, EntryXml]
    generated: tuple[FeedDocument, FeedDocument]


# feedgen pretty-prints with two-space indents: items sit at depth 2 in RSS, entries at depth 1 in Atom.
_RSS_ITEM = (b"    <item>", b"\n    </item>\n", b"  </channel>")
_ATOM_ENTRY = (b"  <entry>", b"\n  </entry>\n", b"</feed>")


def build_feed(
    site: Site,
    plan: FeedPlan[Any],
    section_titles: dict[str, str],
    updated: datetime,
    new: dict[str, Article],
) -> BuiltFeed:
    """Make the entries of the `new` articles (in that order) and the frame of one feed whose
    newest update is `updated`. frame.assemble() with every item's entry, in the plan's order,
    gives byte for byte what feedgen writes for the whole feed (tested).
    """
    entries = [render_article(article, site.iframe_hosts) for article in new.values()]
    generator = _feed_generator(site, plan, entries, section_titles, updated)
    generated = (
        FeedDocument(plan.rss_path, generator.rss_str(pretty=True, encoding="UTF-8"), RSS_TYPE),
        FeedDocument(plan.atom_path, generator.atom_str(pretty=True, encoding="UTF-8"), ATOM_TYPE),
    )
    rss_head, rss_parts, rss_tail = _cut(generated[0].data, _RSS_ITEM)
    atom_head, atom_parts, atom_tail = _cut(generated[1].data, _ATOM_ENTRY)
    made = {key: EntryXml(rss, atom) for key, rss, atom in zip(new, rss_parts, atom_parts, strict=True)}
    frame = FeedFrame(plan.rss_path, plan.atom_path, rss_head, rss_tail, atom_head, atom_tail)
    return BuiltFeed(frame, made, generated)


def _cut(data: bytes, layout: tuple[bytes, bytes, bytes]) -> tuple[bytes, list[bytes], bytes]:
    """Split feedgen's output into its head, its entries and its tail."""
    opening, closing, tail = layout
    parts = []
    start = data.find(b"\n" + opening) + 1
    if not start:
        end = data.rindex(tail)
        return data[:end], [], data[end:]
    head = data[:start]
    while data.startswith(opening, start):
        end = data.index(closing, start) + len(closing)
        parts.append(data[start:end])
        start = end
    return head, parts, data[start:]


def _feed_generator(
    site: Site,
    plan: FeedPlan[Any],
    entries: list[RenderedArticle],
    section_titles: dict[str, str],
    updated: datetime,
) -> FeedGenerator:
    generator = FeedGenerator()
    generator.register_extension("feedpub", _FeedNamespaces, _EntryExtras)
    generator.id(plan.feed_id)
    generator.title(plan.title)
    generator.subtitle(plan.description)  # also the RSS channel description
    generator.author(_author_dict(plan.author))
    # Self links first: feedgen uses the LAST link as the RSS channel <link>.
    generator.link(href=feed_url(site, plan.atom_path), rel="self", type=ATOM_TYPE)
    generator.link(href=plan.page_url, rel="alternate", type="text/html")
    if site.language:
        generator.language(site.language)
    if site.copyright:
        generator.rights(site.copyright)
        generator.copyright(site.copyright)
    generator.generator("feedpub", version=__version__, uri=GENERATOR_URI)
    generator.updated(updated)
    generator.lastBuildDate(updated)
    generator.feedpub.rss_self = feed_url(site, plan.rss_path)
    generator.feedpub.rss_last_build = rfc822(updated)
    for entry in entries:
        _add_entry(generator.add_entry(order="append"), entry, section_titles[entry.article.section])
    return generator


def _author_dict(author: Author) -> dict[str, str]:
    fields = {"name": author.name, "email": author.email, "uri": author.uri}
    return {k: v for k, v in fields.items() if v}


def _add_entry(entry: FeedEntry, rendered: RenderedArticle, section_title: str) -> None:
    article = rendered.article
    entry.id(article.id)
    entry.guid(article.id, permalink=False)
    entry.title(article.title)
    entry.link(href=article.permalink, rel="alternate")
    entry.published(article.date)
    entry.updated(article.updated)
    entry.summary(rendered.summary)  # Atom summary and RSS description
    entry.content(rendered.content_html, type="html")  # Atom content and RSS content:encoded
    for author in article.authors:
        entry.author(_author_dict(author))
    entry.category(term=article.section, label=section_title)
    for tag in article.tags:
        entry.category(term=tag)
    extras: _EntryExtras = entry.feedpub
    extras.authors = article.authors
    extras.image = article.image
    extras.published = article.date


class _FeedNamespaces(BaseExtension):  # type: ignore[misc]
    """Declares our namespaces on the root element and fixes feedgen's RSS date formatting."""

    rss_self: str = ""
    rss_last_build: str = ""

    def extend_ns(self) -> dict[str, str]:
        return {"dc": DC_NS, "media": MEDIA_NS}

    def extend_rss(self, rss: etree._Element) -> etree._Element:
        channel = rss.find("channel")
        assert channel is not None
        # feedgen gives the RSS self link the Atom feed's URL; point it at this RSS file.
        for link in channel.findall(f"{{{ATOM_NS}}}link"):
            if link.get("rel") == "self":
                link.set("href", self.rss_self)
                link.set("type", RSS_TYPE)
        last_build = channel.find("lastBuildDate")
        if last_build is not None:
            last_build.text = self.rss_last_build
        return rss

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        _rfc3339_children(feed, "updated")
        return feed


def _rfc3339_children(parent: etree._Element, *tags: str) -> None:
    """Rewrite feedgen's isoformat() dates in our RFC 3339 form (UTC as 'Z').

    feedgen writes Atom elements without a namespace and declares it as a plain attribute,
    so they are found, and must be added, by their bare names.
    """
    for tag in tags:
        element = parent.find(tag)
        if element is not None and element.text:
            element.text = rfc3339(datetime.fromisoformat(element.text))


class _EntryExtras(BaseEntryExtension):  # type: ignore[misc]
    """What feedgen cannot write for an entry: dc:creator, Media RSS, Atom enclosure links."""

    def __init__(self) -> None:
        self.authors: tuple[Author, ...] = ()
        self.image: Image | None = None
        self.published: datetime | None = None

    def extend_rss(self, item: etree._Element) -> etree._Element:
        # RSS allows one <author> per item (an email address): keep the first author who has one;
        # dc:creator below names every author.
        for extra_author in item.findall("author")[1:]:
            item.remove(extra_author)
        pub_date = item.find("pubDate")
        if pub_date is not None and self.published is not None:
            pub_date.text = rfc822(self.published)
        for author in self.authors:
            etree.SubElement(item, f"{{{DC_NS}}}creator").text = author.name
        self._media(item)
        return item

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        _rfc3339_children(entry, "updated", "published")
        if self.image and self.image.media_type:
            etree.SubElement(entry, "link", rel="enclosure", href=self.image.url, type=self.image.media_type)
        self._media(entry)
        return entry

    def _media(self, parent: etree._Element) -> None:
        image = self.image
        if image is None:
            return
        attributes = {"url": image.url, "medium": "image"}
        if image.media_type:
            attributes["type"] = image.media_type
        media = etree.SubElement(parent, f"{{{MEDIA_NS}}}content", attributes)
        if image.alt:
            etree.SubElement(media, f"{{{MEDIA_NS}}}title", type="plain").text = image.alt
        if image.caption:
            etree.SubElement(media, f"{{{MEDIA_NS}}}description", type="plain").text = image.caption
