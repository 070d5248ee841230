"""Stage 1: content/ files -> Site, Section and Article records.

Every file is read (feedpub.documents) and every field checked (feedpub.reporting); problems
from all files are gathered and raised once as ContentErrors, so one run shows the author
everything there is to fix.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

# The validator's own value checks, so anything the loader accepts, the built feed's validation
# accepts too (a looser twin here once let "a..b@example.com" through to fail the whole build).
from feedpub import values
from feedpub.dates import load_timezone, parse_content_date
from feedpub.documents import Document, parse_document
from feedpub.errors import ContentErrors, Level, Problem
from feedpub.model import Article, Author, Content, Image, Section, Site
from feedpub.reporting import FieldReporter, describe
from feedpub.simpleyaml import MEMO_MAX
from feedpub.sources import SLUG, Listing, SourceFile, list_tree

DEFAULT_FEED_ITEMS = 50
MAX_TITLE_CHARACTERS = 1000
# Patterns for what few articles hold (bidi controls or markup in a title, an id of their own):
# text, compiled on first use through re's cache, so a rebuild that meets none never compiles them.
BIDI_CONTROLS = "[\u202a-\u202e\u2066-\u2069]"
MARKUP = r"<\s*/?\s*[A-Za-z][^<>]*>"
DEFAULT_PERMALINK = "{base_url}/{section}/{slug}/"
PERMALINK_FIELDS = frozenset({"base_url", "section", "slug", "year", "month", "day"})

SITE_FIELDS = frozenset(
    {
        "title",
        "base_url",
        "description",
        "language",
        "timezone",
        "author",
        "copyright",
        "feed_items",
        "permalink",
        "feeds_url",
        "id_authority",
        "iframe_hosts",
    }
)
SECTION_FIELDS = frozenset({"title", "description", "author", "feed_items"})
AUTHOR_FIELDS = frozenset({"name", "email", "uri"})
IMAGE_FIELDS = frozenset({"url", "alt", "caption", "type"})
ARTICLE_FIELDS = frozenset({"title", "date", "updated", "summary", "authors", "tags", "image", "draft", "slug", "id"})

_NO_SPACE = re.compile(r"\S*")
URI_SCHEME = r"[A-Za-z][A-Za-z0-9+.-]*:\S+"


class SourceChanged(ContentErrors):
    """An article file changed between parsing and rendering: the build must start again."""


# --- field readers -------------------------------------------------------------------------


def _author(value: object, name: str, reporter: FieldReporter) -> Author | None:
    if isinstance(value, str):
        author_name = reporter.text_value(value, name)
        if author_name is None:
            reporter.error(name, "empty author name (expected a name)")
            return None
        return Author(author_name)
    if not isinstance(value, dict):
        reporter.error(name, f"expected a name or a mapping with name, email, uri; got {describe(value)}")
        return None
    unknown = value.keys() - AUTHOR_FIELDS
    if unknown:
        reporter.warn(
            name, f"unknown author field(s) {', '.join(sorted(map(str, unknown)))} ignored (known: name, email, uri)"
        )
    author_name = reporter.text_value(value.get("name"), f"{name}.name", required=True, present="name" in value)
    email = reporter.text_value(value.get("email"), f"{name}.email")
    uri = reporter.text_value(value.get("uri"), f"{name}.uri")
    if email and not values.is_email(email):
        reporter.error(f"{name}.email", f"{email!r} is not an email address (expected name@example.com)")
        email = None
    if uri and not _is_web_url(uri):
        reporter.error(f"{name}.uri", f"{uri!r} is not an absolute http(s) URL")
        uri = None
    return Author(author_name, email, uri) if author_name else None


def _authors(meta: Mapping[str, object], reporter: FieldReporter) -> tuple[Author, ...] | None:
    value = meta.get("authors")
    if value is None:
        return None
    # A newsroom's bylines recur from article to article: a value checked without a problem is
    # looked up by its repr (exact for YAML's values; its Authors are immutable, so shared).
    key = repr(value)
    known = _AUTHORS_MEMO.get(key)
    if known is not None:
        return known
    problems = len(reporter.problems)
    items = value if isinstance(value, list) else [value]
    authors = tuple([a for i, item in enumerate(items) if (a := _author(item, f"authors[{i}]", reporter))])
    if not items:
        reporter.error("authors", "empty list (leave the field out to use the section's author)")
    if authors and len(reporter.problems) == problems and len(_AUTHORS_MEMO) < MEMO_MAX:
        _AUTHORS_MEMO[key] = authors
    return authors or None


_AUTHORS_MEMO: dict[str, tuple[Author, ...]] = {}


def _tags(meta: Mapping[str, object], reporter: FieldReporter) -> tuple[str, ...]:
    value = meta.get("tags")
    if value is None:
        return ()
    if not isinstance(value, list):
        reporter.error("tags", f"expected a list of text, got {describe(value)}")
        return ()
    tags: list[str] = []
    for i, item in enumerate(value):
        tag = reporter.text_value(item, f"tags[{i}]", required=True)
        if tag and tag not in tags:
            tags.append(tag)
    return tuple(tags)


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not re.search(r"\s", url)


# Image media types by extension: a fixed table, not the mimetypes module, whose answers depend
# on the machine's /etc/mime.types (the same content must give the same feed everywhere) and
# which reads those files on first use.
IMAGE_TYPES = {
    "apng": "image/apng",
    "avif": "image/avif",
    "bmp": "image/bmp",
    "gif": "image/gif",
    "heic": "image/heic",
    "heif": "image/heif",
    "ico": "image/vnd.microsoft.icon",
    "jpe": "image/jpeg",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "jxl": "image/jxl",
    "png": "image/png",
    "svg": "image/svg+xml",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "webp": "image/webp",
}


def _resolve(base: str, url: str) -> tuple[str, bool]:
    """urljoin, and whether the result is known to be a web URL already.

    The common root-relative path ("/images/x.jpg") takes a fast path: joined to the site's own
    https base, it is a web URL unless it holds whitespace.
    """
    if url.startswith("/") and not url.startswith("//") and "/./" not in url and "/../" not in url:
        scheme, _, rest = base.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}{url}", _NO_SPACE.fullmatch(url) is not None
    return urljoin(base, url), False


def _image(meta: Mapping[str, object], permalink: str, reporter: FieldReporter) -> Image | None:
    value = meta.get("image")
    if value is None:
        return None
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict):
        reporter.error("image", f"expected a mapping with url, alt, caption; got {describe(value)}")
        return None
    unknown = value.keys() - IMAGE_FIELDS
    if unknown:
        reporter.warn(
            "image",
            f"unknown image field(s) {', '.join(sorted(map(str, unknown)))} ignored (known: url, alt, caption, type)",
        )
    url = reporter.text_value(value.get("url"), "image.url", required=True, present="url" in value)
    alt = reporter.text_value(value.get("alt"), "image.alt") or ""
    caption = reporter.text_value(value.get("caption"), "image.caption")
    media_type = reporter.text_value(value.get("type"), "image.type")
    if url is None:
        return None
    absolute, known_good = _resolve(permalink, url)
    if not known_good and not _is_web_url(absolute):
        reporter.error(
            "image.url", f"{url!r} is not an http(s) URL or a path (data:, javascript: and others are refused)"
        )
        return None
    if not alt:
        reporter.warn(
            "image.alt", "missing alt text (expected a short description of the image for readers who cannot see it)"
        )
    if media_type is None:
        media_type = IMAGE_TYPES.get(absolute.rsplit("?", 1)[0].rsplit("#", 1)[0].rsplit(".", 1)[-1].lower())
    elif not re.fullmatch(r"image/[A-Za-z0-9.+-]+", media_type):
        reporter.error("image.type", f"{media_type!r} is not an image media type (expected e.g. image/jpeg)")
        media_type = None
    return Image(absolute, alt, caption, media_type)


# --- site, sections, articles --------------------------------------------------------------


def _load_site(document: Document, reporter: FieldReporter) -> Site | None:
    meta = document.meta
    reporter.unknown_fields(meta, SITE_FIELDS)
    title = reporter.text(meta, "title", required=True)
    base_url = reporter.text(meta, "base_url", required=True)
    if base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
            reporter.error(
                "base_url", f"{base_url!r} is not an absolute https URL (expected e.g. https://news.example.com)"
            )
            base_url = None
        else:
            base_url = base_url.rstrip("/")
    language = reporter.text(meta, "language")
    if language and not values.is_language(language):
        reporter.error("language", f"{language!r} is not a language tag (expected e.g. en, en-GB)")
    timezone_name = reporter.text(meta, "timezone")
    if timezone_name:
        try:
            load_timezone(timezone_name)
        except ValueError as exc:
            reporter.error("timezone", str(exc))
    author = _author(meta["author"], "author", reporter) if meta.get("author") is not None else None
    if author is None and "author" not in meta:
        reporter.error("author", "missing (expected the default byline, e.g. a desk name)")
    permalink = reporter.text(meta, "permalink")
    if permalink:
        _check_pattern(permalink, reporter)
    permalink = permalink or DEFAULT_PERMALINK
    feeds_url = reporter.text(meta, "feeds_url")
    if feeds_url is not None and not (_is_web_url(feeds_url)):
        reporter.error("feeds_url", f"{feeds_url!r} is not an absolute http(s) URL")
    iframe_hosts = meta.get("iframe_hosts") or []
    if not isinstance(iframe_hosts, list) or not all(isinstance(h, str) for h in iframe_hosts):
        reporter.error("iframe_hosts", "expected a list of host names, e.g. [www.youtube-nocookie.com]")
        iframe_hosts = []
    feed_items = reporter.integer(meta, "feed_items", 1, 500)
    id_authority = reporter.text(meta, "id_authority")
    if title is None or base_url is None or author is None:
        return None
    return Site(
        title=title,
        base_url=base_url,
        description=reporter.text(meta, "description") or title,
        language=language,
        timezone=timezone_name,
        author=author,
        copyright=reporter.text(meta, "copyright"),
        feed_items=feed_items or DEFAULT_FEED_ITEMS,
        permalink=permalink,
        feeds_url=(feeds_url or f"{base_url}/feeds").rstrip("/"),
        id_authority=id_authority or (urlsplit(base_url).hostname or ""),
        iframe_hosts=tuple(sorted(h.lower() for h in iframe_hosts)),
    )


def _check_pattern(pattern: str, reporter: FieldReporter) -> None:
    """A permalink pattern the site sets (the default is tested to pass). Only then is `string`
    imported, which nothing else a rebuild runs needs."""
    import string

    try:
        names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as exc:
        reporter.error("permalink", f"malformed pattern ({exc})")
        return
    unknown = names - PERMALINK_FIELDS
    if unknown:
        reporter.error(
            "permalink",
            f"unknown placeholder(s) {', '.join(sorted(unknown))} (expected {', '.join(sorted(PERMALINK_FIELDS))})",
        )
    if "slug" not in names:
        reporter.error("permalink", "pattern must contain {slug} so each article has its own URL")


def _load_section(name: str, document: Document, site: Site | None, reporter: FieldReporter) -> Section | None:
    meta = document.meta
    reporter.unknown_fields(meta, SECTION_FIELDS)
    title = reporter.text(meta, "title", required=True)
    author = _author(meta["author"], "author", reporter) if meta.get("author") is not None else None
    feed_items = reporter.integer(meta, "feed_items", 1, 500)
    if title is None or site is None:
        return None
    return Section(
        name=name,
        title=title,
        description=reporter.text(meta, "description") or f"{title} from {site.title}",
        author=author or site.author,
        feed_items=feed_items or site.feed_items,
        path=Path(document.path),
    )


class ArticleFields(NamedTuple):
    """An article's checked frontmatter, with its permalink and stable id worked out: all of a
    record but its path, section and body (Article's fields, in Article's order), and all a
    build needs to choose and order feed items.

    A named tuple, not a frozen dataclass: one is made for every article checked, and a frozen
    dataclass sets each of its eleven fields through object.__setattr__.
    """

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


def _article_fields(
    document: Document, section: Section, site: Site, zone: tzinfo | None, reporter: FieldReporter
) -> ArticleFields | None:
    meta = document.meta
    reporter.unknown_fields(meta, ARTICLE_FIELDS)
    title = _headline(reporter.text(meta, "title", required=True), reporter)
    date = _date(meta, "date", zone, reporter, required=True)
    updated = _date(meta, "updated", zone, reporter)
    if date and updated and updated < date:
        reporter.error(
            "updated", f"{updated.isoformat()} is before date {date.isoformat()} (expected the same or later)"
        )
    slug = reporter.text(meta, "slug") or _file_stem(document.path)
    slug_ok = SLUG.fullmatch(slug) is not None
    if not slug_ok:
        reporter.error(
            "slug",
            f"{slug!r} cannot be a URL segment (expected letters, digits, '-', '_' or '.', no '/', '..' or spaces)",
        )
    article_id = reporter.text(meta, "id")
    if article_id and not re.fullmatch(URI_SCHEME, article_id):
        reporter.error(
            "id",
            f"{article_id!r} is not an absolute URI (expected e.g. tag:example.com,2026-03-01:slug or urn:uuid:...)",
        )
    summary = reporter.text(meta, "summary")
    authors = _authors(meta, reporter)
    tags = _tags(meta, reporter)
    draft = reporter.boolean(meta, "draft")
    if title is None or date is None or not slug_ok:
        return None
    permalink = site.permalink.format(
        base_url=site.base_url,
        section=section.name,
        slug=slug,
        year=f"{date.year:04d}",
        month=f"{date.month:02d}",
        day=f"{date.day:02d}",
    )
    return ArticleFields(
        slug=slug,
        title=title,
        date=date,
        updated=max(updated or date, date),
        summary=summary,
        authors=authors or (section.author,),
        tags=tags,
        image=_image(meta, permalink, reporter),
        draft=draft,
        id=article_id or f"tag:{site.id_authority},{date.date().isoformat()}:{section.name}/{slug}",
        permalink=permalink,
    )


def _file_stem(path: Path | str) -> str:
    """Path(path).stem (pathlib's own rule), without making a Path: making one costs a twentieth
    of checking an article."""
    name = path.name if isinstance(path, Path) else path.rpartition(os.sep)[2]
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _headline(title: str | None, reporter: FieldReporter) -> str | None:
    """Titles are plain text. Refuse absurd lengths; warn about what readers may show oddly."""
    if title is None:
        return None
    if len(title) > MAX_TITLE_CHARACTERS:
        message = f"is {len(title):,} characters long (expected a headline of at most {MAX_TITLE_CHARACTERS:,})"
        reporter.error("title", message)
        return None
    if not title.isascii() and re.search(BIDI_CONTROLS, title):
        reporter.warn("title", "contains bidirectional control characters, which can make it read differently")
    if "<" in title and re.search(MARKUP, title):
        reporter.warn("title", "looks like HTML; it is published as text, so readers show the tags literally")
    return title


def _date(
    meta: Mapping[str, object], name: str, zone: tzinfo | None, reporter: FieldReporter, *, required: bool = False
) -> datetime | None:
    value = meta.get(name)
    if value is None:
        if required:
            reporter.error(name, "missing (expected a date like 2026-03-01 or 2026-03-01T09:30:00+01:00)")
        return None
    try:
        return parse_content_date(value, zone)
    except ValueError as exc:
        reporter.error(name, str(exc))
        return None


# --- the tree ------------------------------------------------------------------------------


class Settings(NamedTuple):
    """Site and section settings: everything an article's record depends on besides its own file.
    Made by settings_of()."""

    site: Site
    sections: tuple[Section, ...]
    zone: tzinfo | None
    by_name: dict[str, Section]  # the sections again, looked up for every article checked

    def section(self, name: str) -> Section:
        """The section called name."""
        return self.by_name[name]

    def has_section(self, name: str) -> bool:
        return name in self.by_name

    def sources_of(self, listing: Listing) -> tuple[SourceFile, ...]:
        """The listed article files whose section loaded (a broken section's articles wait for it)."""
        return tuple(source for source in listing.sources if source.section in self.by_name)


def settings_of(site: Site, sections: Iterable[Section], zone: tzinfo | None) -> Settings:
    sections = tuple(sections)
    return Settings(site, sections, zone, {section.name: section for section in sections})


class ParsedArticle(NamedTuple):
    """One article file after parsing: its record (None when it has errors) and its problems."""

    path: Path
    sha256: str
    article: Article | None
    problems: tuple[Problem, ...]


class CheckedArticle(NamedTuple):
    """One article file after checking: its fields (None when it has errors), the hash of the
    bytes checked, and its problems. No record: most articles never reach a feed."""

    sha256: str
    fields: ArticleFields | None
    problems: tuple[Problem, ...]


def _parse_index(path: Path, problems: list[Problem]) -> tuple[Document | None, FieldReporter]:
    reporter = FieldReporter(path)
    document = parse_document(path, reporter)
    problems.extend(reporter.problems)
    reporter.problems = []
    return document, reporter


def load_settings(listing: Listing) -> tuple[Settings | None, tuple[Problem, ...]]:
    """Parse the site's and every section's _index.md."""
    problems: list[Problem] = []
    site: Site | None = None
    if not listing.index_files:  # no content folder at all; the listing says so
        return None, ()
    site_index, *section_indexes = listing.index_files
    if not site_index.is_file():
        message = "missing (expected site settings: title, base_url, author, ...)"
        problems.append(Problem(site_index, None, None, message))
    else:
        document, reporter = _parse_index(site_index, problems)
        if document is not None:
            site = _load_site(document, reporter)
            problems.extend(reporter.problems)
    sections: list[Section] = []
    for index in section_indexes:
        if not index.is_file():
            problems.append(Problem(index, None, None, "missing (expected section settings: title, description)"))
            continue
        document, reporter = _parse_index(index, problems)
        if document is not None:
            section = _load_section(index.parent.name, document, site, reporter)
            problems.extend(reporter.problems)
            if section is not None:
                sections.append(section)
    if site is None:
        return None, tuple(problems)
    zone = load_timezone(site.timezone) if site.timezone else None
    return settings_of(site, sections, zone), tuple(problems)


def parse_article(path: str, section: str, settings: Settings) -> ParsedArticle:
    """Parse and check one article file into its record; pure apart from reading that file."""
    checked, document = _check(path, section, settings)
    article = None
    if checked.fields is not None and document is not None:
        # The fields are Article's own, in its order (tested).
        article = Article(Path(path), section, *checked.fields, body=document.body, source_sha256=checked.sha256)
    return ParsedArticle(Path(path), checked.sha256, article, checked.problems)


def check_article(path: str, section: str, settings: Settings) -> CheckedArticle:
    """Check one article file as parse_article does (the same problems), making no record."""
    return _check(path, section, settings)[0]


def _check(path: str, section: str, settings: Settings) -> tuple[CheckedArticle, Document | None]:
    reporter = FieldReporter(path)
    document = parse_document(path, reporter)
    fields = None
    if document is not None:
        fields = _article_fields(document, settings.section(section), settings.site, settings.zone, reporter)
    return CheckedArticle(reporter.sha256, fields, tuple(reporter.problems)), document


def parse_again(path: str, section: str, sha256: str, settings: Settings) -> Article:
    """An article's record, parsed again to build a feed; refuses a file whose bytes are no
    longer those checked earlier in the build (or by an earlier build, for cached results)."""
    parsed = parse_article(path, section, settings)
    if parsed.article is None or parsed.sha256 != sha256:
        message = "changed while the feeds were being built; run the build again"
        raise SourceChanged((Problem(Path(path), None, None, message),))
    return parsed.article


def load_content(root: Path) -> tuple[Content, tuple[Problem, ...]]:
    """Load and check the whole content tree.

    Returns the content and any warnings; raises ContentErrors when any error was found.
    """
    listing = list_tree(root)
    settings, settings_problems = load_settings(listing)
    problems = [*listing.problems, *settings_problems]
    articles: list[Article] = []
    if settings is not None:
        for source in settings.sources_of(listing):
            parsed = parse_article(source.path, source.section, settings)
            problems.extend(parsed.problems)
            if parsed.article is not None:
                articles.append(parsed.article)
    problems.extend(duplicate_problems((str(a.path), a.section, a.slug, a.id) for a in articles))
    if settings is None or any(p.level is Level.ERROR for p in problems):
        raise ContentErrors(tuple(problems))
    return Content(settings.site, settings.sections, tuple(articles)), tuple(problems)


def duplicate_problems(articles: Iterable[tuple[str, str, str, str]]) -> Iterator[Problem]:
    """Slugs must be unique within a section (one URL each), ids across the site (one entry each).

    Takes (path, section, slug, id) in load order, so the later file is the one reported.
    """
    seen_slugs: dict[tuple[str, str], str] = {}
    seen_ids: dict[str, str] = {}
    for path, section, slug, article_id in articles:
        first = seen_slugs.setdefault((section, slug), path)
        if first != path:
            message = f"{slug!r} is already used by {first} (expected one article per slug in a section)"
            yield Problem(Path(path), None, "slug", message)
        first = seen_ids.setdefault(article_id, path)
        if first != path:
            yield Problem(
                Path(path), None, "id", f"{article_id!r} is already used by {first} (expected a unique id per article)"
            )
