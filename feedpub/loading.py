"""Stage 1: content/ files -> Site, Section and Article records.

Every file is read and checked in full; problems from all files are gathered and raised
once as ContentErrors, so one run shows the author everything there is to fix.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import mimetypes
import re
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml
from frontmatter.default_handlers import YAMLHandler

from feedpub import simpleyaml
from feedpub.dates import load_timezone, parse_content_date
from feedpub.errors import ContentErrors, Level, Problem
from feedpub.model import Article, Author, Content, Image, Section, Site
from feedpub.sources import SLUG, Listing, SourceFile, list_tree

DEFAULT_FEED_ITEMS = 50
# An article this large would make its feeds too big for readers (they refuse feeds of a few MB).
MAX_FILE_BYTES = 2_000_000
MAX_TITLE_CHARACTERS = 1000
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
MARKUP = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>")
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
ARTICLE_FIELDS = frozenset({"title", "date", "updated", "summary", "authors", "tags", "image", "draft", "slug", "id"})

# XML 1.0 allows tab, LF, CR and U+0020 up; not the other C0 controls, surrogates, U+FFFE/U+FFFF.
# Characters XML 1.0 forbids (C0 controls, surrogates, U+FFFE/U+FFFF) or discourages (DEL, the C1
# controls, the U+FDD0-U+FDEF noncharacters): readers choke on the first and misread the second
# (feedparser, like browsers, turns U+0080 into a euro sign and U+0085 into an ellipsis), so both
# are removed.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]")
# A first test on the raw UTF-8 bytes, ten times faster than a regex scan: deleting every allowed
# byte leaves only the C0 controls and DEL; the rest are multi-byte sequences checked only when
# their lead byte occurs at all.
_ALLOWED_BYTES = bytes(b for b in range(256) if b in (9, 10, 13) or 32 <= b != 127)
_FORBIDDEN_SEQUENCES = re.compile(rb"\xc2[\x80-\x9f]|\xef\xb7[\x90-\xaf]|\xef\xbf[\xbe\xbf]")


def _may_have_forbidden(raw: bytes) -> bool:
    if raw.translate(None, _ALLOWED_BYTES):
        return True
    return (b"\xc2" in raw or b"\xef" in raw) and bool(_FORBIDDEN_SEQUENCES.search(raw))


EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+")
LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
TOP_LEVEL_KEY = re.compile(r"^([^\s#:'\"{}\[\],&*!|>%@`-][^:#]*?)\s*:(?:\s|$)", re.MULTILINE)


class _FrontmatterLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """libyaml's C loader (7x faster), keeping timestamps as text so dates are parsed in one place."""


_FrontmatterLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),
)


class _Handler(YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        """Safe YAML load, fast for the plain shapes frontmatter uses, PyYAML's meaning always.

        feedpub.simpleyaml reads the common subset line by line (tested against PyYAML); then
        PyYAML's C parser with a direct constructor for mappings, lists and scalars; anything
        else (merge keys, sets, binary, deep or recursive aliases) gets PyYAML's own constructor.
        """
        simple = simpleyaml.load(fm)
        if simple is not None:
            return simple
        loader = _FrontmatterLoader(fm)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            try:
                return _construct(loader, node, 0)
            except _Unusual:
                return loader.construct_document(node)
        finally:
            loader.dispose()


class _Unusual(Exception):
    """A YAML shape the fast constructor leaves to PyYAML."""


_TAG = "tag:yaml.org,2002:"
_SCALARS: dict[str, Callable[[Any, Any], object]] = {
    f"{_TAG}str": lambda loader, node: node.value,
    f"{_TAG}timestamp": lambda loader, node: node.value,
    f"{_TAG}null": lambda loader, node: None,
    f"{_TAG}bool": lambda loader, node: loader.construct_yaml_bool(node),
    f"{_TAG}int": lambda loader, node: loader.construct_yaml_int(node),
    f"{_TAG}float": lambda loader, node: loader.construct_yaml_float(node),
}


def _construct(loader: Any, node: Any, depth: int) -> object:
    if depth > 64:
        raise _Unusual
    if isinstance(node, yaml.ScalarNode):
        scalar = _SCALARS.get(node.tag)
        if scalar is None:
            raise _Unusual
        return scalar(loader, node)
    if isinstance(node, yaml.SequenceNode) and node.tag == f"{_TAG}seq":
        return [_construct(loader, item, depth + 1) for item in node.value]
    if isinstance(node, yaml.MappingNode) and node.tag == f"{_TAG}map":
        mapping: dict[object, object] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_TAG}merge":
                raise _Unusual
            key = _construct(loader, key_node, depth + 1)
            if not isinstance(key, str | int | float | bool | None):
                raise _Unusual  # let PyYAML report an unhashable key its own way
            mapping[key] = _construct(loader, value_node, depth + 1)
        return mapping
    raise _Unusual


_HANDLER = _Handler()


@dataclass(slots=True)
class _Document:
    """A content file split into its frontmatter mapping and body, with where each key sits."""

    path: Path
    meta: dict[str, object]
    body: str
    key_lines: dict[str, int]


@dataclass(slots=True)
class _Reporter:
    """Collects problems for one file and knows the line of each top-level key."""

    path: Path
    key_lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    sha256: str = ""

    def error(self, field_name: str | None, message: str, *, line: int | None = None) -> None:
        self._add(field_name, message, line, Level.ERROR)

    def warn(self, field_name: str | None, message: str, *, line: int | None = None) -> None:
        self._add(field_name, message, line, Level.WARNING)

    def _add(self, field_name: str | None, message: str, line: int | None, level: Level) -> None:
        if line is None and field_name:
            line = self.key_lines.get(field_name.split(".")[0].split("[")[0])
        self.problems.append(Problem(self.path, line, field_name, message, level))

    # Typed getters: each returns a value of the right type or None, reporting what is wrong.

    def text(self, meta: Mapping[str, object], name: str, *, required: bool = False) -> str | None:
        return self.text_value(meta.get(name), name, required=required, present=name in meta)

    def text_value(self, value: object, name: str, *, required: bool = False, present: bool = True) -> str | None:
        if value is None:
            if required:
                self.error(name, "missing (expected text)" if not present else "empty (expected text)")
            return None
        if isinstance(value, str):
            if XML_FORBIDDEN.search(value):
                # YAML escapes ("\0", "\x07") can carry what the raw-byte check cannot see.
                first = XML_FORBIDDEN.search(value)
                assert first is not None
                message = (
                    f"removed character(s) that XML 1.0 forbids or discourages (first: U+{ord(first.group()):04X})"
                )
                self.warn(name, message)
                value = XML_FORBIDDEN.sub("", value)
            stripped = value.strip()
            if not stripped:
                if required:
                    self.error(name, "empty (expected text)")
                return None
            return stripped
        self.error(name, f"expected text, got {_describe(value)}{_quote_hint(value)}")
        return None

    def integer(self, meta: Mapping[str, object], name: str, low: int, high: int) -> int | None:
        value = meta.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(name, f"expected a whole number from {low} to {high}, got {_describe(value)}")
            return None
        if not low <= value <= high:
            self.error(name, f"{value} is out of range (expected {low} to {high})")
            return None
        return value

    def boolean(self, meta: Mapping[str, object], name: str) -> bool:
        value = meta.get(name, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(name, f"expected true or false, got {_describe(value)}")
            return False
        return value

    def unknown_fields(self, meta: Mapping[str, object], known: frozenset[str]) -> None:
        for name in meta:
            if name in known:
                continue
            close = difflib.get_close_matches(str(name), sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known fields: {', '.join(sorted(known))})"
            self.warn(str(name), f"unknown field, ignored{hint}")


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"{type(value).__name__} {value!r}"


def _quote_hint(value: object) -> str:
    if isinstance(value, bool):
        return "; YAML reads unquoted yes/no/on/off/true/false as booleans, so quote the text"
    if isinstance(value, int | float):
        return "; quote it to make it text"
    return ""


# --- reading files -------------------------------------------------------------------------


def _read_text(path: Path, reporter: _Reporter) -> str | None:
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        reporter.error(None, f"cannot read file ({exc.strerror})")
        return None
    if len(raw) > MAX_FILE_BYTES:
        size = path.stat().st_size / 1e6
        message = f"file is {size:.1f} MB (expected at most {MAX_FILE_BYTES // 1_000_000} MB: feeds must stay small)"
        reporter.error(None, message)
        return None
    reporter.sha256 = hashlib.sha256(raw).hexdigest()
    return _decode(raw, reporter)


def _decode(raw: bytes, reporter: _Reporter) -> str | None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        reporter.error(None, "file is UTF-16 (expected UTF-8 text)")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        reporter.error(None, f"not valid UTF-8 at byte {exc.start} (expected UTF-8 text)", line=line)
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x85" in text:  # NEL is a line break to YAML (and to Unicode): keep it one, as a plain newline
        text = text.replace("\x85", "\n")
    if _may_have_forbidden(raw) and XML_FORBIDDEN.search(text):
        first = XML_FORBIDDEN.search(text)
        assert first is not None
        line = text.count("\n", 0, first.start()) + 1
        reporter.warn(
            None,
            f"removed {len(XML_FORBIDDEN.findall(text))} character(s) that XML 1.0 forbids or discourages "
            f"(first: U+{ord(first.group()):04X})",
            line=line,
        )
        text = XML_FORBIDDEN.sub("", text)
    return text


def _split(text: str) -> tuple[re.Match[str], re.Match[str]] | None:
    """The opening and closing '---' lines of the frontmatter, or None."""
    opening = _HANDLER.FM_BOUNDARY.match(text)
    closing = _HANDLER.FM_BOUNDARY.search(text, opening.end()) if opening else None
    return (opening, closing) if opening and closing else None


def _body(text: str, closing: re.Match[str]) -> str:
    return text[closing.end() :].lstrip("\n")


class SourceChanged(ContentErrors):
    """An article file changed between parsing and rendering: the build must start again."""


def with_body(article: Article) -> Article:
    """The article with its body, read again from its file (records from the cache have none).

    Refuses a file whose bytes are no longer those the record was made from.
    """
    try:
        raw = article.path.read_bytes()
    except OSError as exc:
        problem = Problem(article.path, None, None, f"cannot read file ({exc.strerror})")
        raise SourceChanged((problem,)) from None
    reporter = _Reporter(article.path)
    text = _decode(raw, reporter) if hashlib.sha256(raw).hexdigest() == article.source_sha256 else None
    split = _split(text) if text is not None else None
    if split is None:
        message = "changed while the feeds were being built; run the build again"
        raise SourceChanged((Problem(article.path, None, None, message),))
    return dataclasses.replace(article, body=_body(text, split[1]))  # type: ignore[arg-type]


def _parse_document(path: Path, reporter: _Reporter) -> _Document | None:
    text = _read_text(path, reporter)
    if text is None:
        return None
    if not text.strip():
        reporter.error(None, "file is empty (expected '---', YAML frontmatter, '---', then the text)", line=1)
        return None
    split = _split(text)
    if split is None:
        message = "no frontmatter (expected the file to start with a '---' line)"
        if _HANDLER.FM_BOUNDARY.match(text):
            message = "frontmatter is not closed (expected a second '---' line after the YAML)"
        reporter.error(None, message, line=1)
        return None
    opening, closing = split
    fm_text = text[opening.end() : closing.start()]
    first_line = text.count("\n", 0, opening.end()) + 1
    try:
        meta = _HANDLER.load(fm_text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else first_line
        reporter.error(
            None, f"malformed YAML frontmatter: {exc.problem or exc.context} (expected valid YAML)", line=line
        )
        return None
    except yaml.YAMLError as exc:
        reporter.error(None, f"malformed YAML frontmatter: {exc} (expected valid YAML)", line=first_line)
        return None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        reporter.error(
            None, f"frontmatter is {_describe(meta)} (expected a mapping of field: value lines)", line=first_line + 1
        )
        return None
    key_lines: dict[str, int] = {}
    for match in TOP_LEVEL_KEY.finditer(fm_text):
        key = match.group(1).strip()
        line = first_line + fm_text.count("\n", 0, match.start())
        if key in key_lines:
            reporter.error(key, f"given twice, also on line {key_lines[key]} (expected each field once)", line=line)
        else:
            key_lines[key] = line
    reporter.key_lines = key_lines
    return _Document(path, {str(k): v for k, v in meta.items()}, _body(text, closing), key_lines)


# --- field readers -------------------------------------------------------------------------


def _author(value: object, name: str, reporter: _Reporter) -> Author | None:
    if isinstance(value, str):
        author_name = reporter.text_value(value, name)
        if author_name is None:
            reporter.error(name, "empty author name (expected a name)")
            return None
        return Author(author_name)
    if not isinstance(value, dict):
        reporter.error(name, f"expected a name or a mapping with name, email, uri; got {_describe(value)}")
        return None
    unknown = set(value) - {"name", "email", "uri"}
    if unknown:
        reporter.warn(
            name, f"unknown author field(s) {', '.join(sorted(map(str, unknown)))} ignored (known: name, email, uri)"
        )
    author_name = reporter.text_value(value.get("name"), f"{name}.name", required=True, present="name" in value)
    email = reporter.text_value(value.get("email"), f"{name}.email")
    uri = reporter.text_value(value.get("uri"), f"{name}.uri")
    if email and not EMAIL.fullmatch(email):
        reporter.error(f"{name}.email", f"{email!r} is not an email address (expected name@example.com)")
        email = None
    if uri and not _is_web_url(uri):
        reporter.error(f"{name}.uri", f"{uri!r} is not an absolute http(s) URL")
        uri = None
    return Author(author_name, email, uri) if author_name else None


def _authors(meta: Mapping[str, object], reporter: _Reporter) -> tuple[Author, ...] | None:
    value = meta.get("authors")
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    authors = tuple(a for i, item in enumerate(items) if (a := _author(item, f"authors[{i}]", reporter)))
    if not items:
        reporter.error("authors", "empty list (leave the field out to use the section's author)")
    return authors or None


def _tags(meta: Mapping[str, object], reporter: _Reporter) -> tuple[str, ...]:
    value = meta.get("tags")
    if value is None:
        return ()
    if not isinstance(value, list):
        reporter.error("tags", f"expected a list of text, got {_describe(value)}")
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


@functools.lru_cache(maxsize=64)
def _image_type(extension: str) -> str | None:
    guessed, _ = mimetypes.guess_type(f"x.{extension}")
    return guessed if guessed and guessed.startswith("image/") else None


def _resolve(base: str, url: str) -> str:
    """urljoin, with a fast path for the common root-relative path ("/images/x.jpg")."""
    if url.startswith("/") and not url.startswith("//") and "/./" not in url and "/../" not in url:
        scheme, _, rest = base.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}{url}"
    return urljoin(base, url)


def _image(meta: Mapping[str, object], permalink: str, reporter: _Reporter) -> Image | None:
    value = meta.get("image")
    if value is None:
        return None
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict):
        reporter.error("image", f"expected a mapping with url, alt, caption; got {_describe(value)}")
        return None
    unknown = set(value) - {"url", "alt", "caption", "type"}
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
    absolute = _resolve(permalink, url)
    if not _is_web_url(absolute):
        reporter.error(
            "image.url", f"{url!r} is not an http(s) URL or a path (data:, javascript: and others are refused)"
        )
        return None
    if not alt:
        reporter.warn(
            "image.alt", "missing alt text (expected a short description of the image for readers who cannot see it)"
        )
    if media_type is None:
        media_type = _image_type(absolute.rsplit("?", 1)[0].rsplit("#", 1)[0].rsplit(".", 1)[-1].lower())
    elif not re.fullmatch(r"image/[A-Za-z0-9.+-]+", media_type):
        reporter.error("image.type", f"{media_type!r} is not an image media type (expected e.g. image/jpeg)")
        media_type = None
    return Image(absolute, alt, caption, media_type)


# --- site, sections, articles --------------------------------------------------------------


def _load_site(document: _Document, reporter: _Reporter) -> Site | None:
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
    if language and not LANGUAGE.fullmatch(language):
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
    permalink = reporter.text(meta, "permalink") or DEFAULT_PERMALINK
    _check_pattern(permalink, reporter)
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


def _check_pattern(pattern: str, reporter: _Reporter) -> None:
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


def _load_section(name: str, document: _Document, site: Site | None, reporter: _Reporter) -> Section | None:
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
        path=document.path,
    )


def _load_article(
    document: _Document, section: Section, site: Site, zone: tzinfo | None, reporter: _Reporter
) -> Article | None:
    meta = document.meta
    reporter.unknown_fields(meta, ARTICLE_FIELDS)
    title = _headline(reporter.text(meta, "title", required=True), reporter)
    date = _date(meta, "date", zone, reporter, required=True)
    updated = _date(meta, "updated", zone, reporter)
    if date and updated and updated < date:
        reporter.error(
            "updated", f"{updated.isoformat()} is before date {date.isoformat()} (expected the same or later)"
        )
    slug = reporter.text(meta, "slug") or document.path.stem
    if not SLUG.fullmatch(slug):
        reporter.error(
            "slug",
            f"{slug!r} cannot be a URL segment (expected letters, digits, '-', '_' or '.', no '/', '..' or spaces)",
        )
    article_id = reporter.text(meta, "id")
    if article_id and not URI_SCHEME.fullmatch(article_id):
        reporter.error(
            "id",
            f"{article_id!r} is not an absolute URI (expected e.g. tag:example.com,2026-03-01:slug or urn:uuid:...)",
        )
    summary = reporter.text(meta, "summary")
    authors = _authors(meta, reporter)
    tags = _tags(meta, reporter)
    draft = reporter.boolean(meta, "draft")
    if title is None or date is None or not SLUG.fullmatch(slug):
        return None
    permalink = site.permalink.format(
        base_url=site.base_url,
        section=section.name,
        slug=slug,
        year=f"{date.year:04d}",
        month=f"{date.month:02d}",
        day=f"{date.day:02d}",
    )
    return Article(
        path=document.path,
        section=section.name,
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
        body=document.body,
        source_sha256=reporter.sha256,
    )


def _headline(title: str | None, reporter: _Reporter) -> str | None:
    """Titles are plain text. Refuse absurd lengths; warn about what readers may show oddly."""
    if title is None:
        return None
    if len(title) > MAX_TITLE_CHARACTERS:
        message = f"is {len(title):,} characters long (expected a headline of at most {MAX_TITLE_CHARACTERS:,})"
        reporter.error("title", message)
        return None
    if BIDI_CONTROLS.search(title):
        reporter.warn("title", "contains bidirectional control characters, which can make it read differently")
    if MARKUP.search(title):
        reporter.warn("title", "looks like HTML; it is published as text, so readers show the tags literally")
    return title


def _date(
    meta: Mapping[str, object], name: str, zone: tzinfo | None, reporter: _Reporter, *, required: bool = False
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


@dataclass(frozen=True, slots=True)
class Settings:
    """Site and section settings: everything an article's record depends on besides its own file."""

    site: Site
    sections: tuple[Section, ...]
    zone: tzinfo | None

    def section(self, name: str) -> Section:
        return next(s for s in self.sections if s.name == name)

    def sources_of(self, listing: Listing) -> tuple[SourceFile, ...]:
        """The listed article files whose section loaded (a broken section's articles wait for it)."""
        names = {s.name for s in self.sections}
        return tuple(source for source in listing.sources if source.section in names)


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    """One article file after parsing: its record (None when it has errors) and its problems."""

    path: Path
    sha256: str
    article: Article | None
    problems: tuple[Problem, ...]


def _parse_index(path: Path, problems: list[Problem]) -> tuple[_Document | None, _Reporter]:
    reporter = _Reporter(path)
    document = _parse_document(path, reporter)
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
    return Settings(site, tuple(sections), zone), tuple(problems)


def parse_article(source: SourceFile, settings: Settings) -> ParsedArticle:
    """Parse and check one article file; pure apart from reading that file."""
    path = Path(source.path)
    reporter = _Reporter(path)
    document = _parse_document(path, reporter)
    article = None
    if document is not None:
        article = _load_article(document, settings.section(source.section), settings.site, settings.zone, reporter)
    return ParsedArticle(path, reporter.sha256, article, tuple(reporter.problems))


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
            parsed = parse_article(source, settings)
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
