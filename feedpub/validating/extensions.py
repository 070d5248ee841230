"""Rules for the extension namespaces publishers put in RSS and Atom feeds.

Media RSS matters most to us (our own feeds carry media:content); the others (iTunes,
feed history, threading, FeedSync, FeedBurner, geo, Creative Commons) are checked for the
mistakes the W3C validator also catches, so CI jobs get the same verdict from us.
"""

from __future__ import annotations

import re
from typing import cast

from lxml import etree

from feedpub import values
from feedpub.dates import parse_rfc3339
from feedpub.validating.common import MEDIA, XHTML, Rule, require_attributes
from feedpub.validating.findings import Checker, display_name

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
FEEDSYNC = "http://feedsync.org/2007/feedsync"
FEEDBURNER = "http://rssnamespace.org/feedburner/ext/1.0"
THREAD = "http://purl.org/syndication/thread/1.0"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
GEOURL = "http://geourl.org/rss/module/"
ICBM = "http://postneo.com/icbm"
CREATIVE_COMMONS = "http://backend.userland.com/creativeCommonsRssModule"
CONVERSATIONS = "http://conversationsnetwork.org/rssNamespace-1.0/"

PREFIXES = {
    MEDIA: "media",
    ITUNES: "itunes",
    FEEDSYNC: "sx",
    FEEDBURNER: "feedburner",
    THREAD: "thr",
    GEO: "geo",
    GEOURL: "geourl",
    ICBM: "icbm",
    CREATIVE_COMMONS: "creativeCommons",
}
INT_MAX = 2**31 - 1


def _text(element: etree._Element) -> str:
    return (element.text or "").strip()


def _name(checker: Checker, element: etree._Element) -> str:
    return display_name(element, checker.prefixes)


def _positive_int(
    checker: Checker, element: etree._Element, value: str | None, what: str, *, zero: bool = False
) -> None:
    if value is None:
        return
    if not re.fullmatch(r"\d+", value.strip()) or (int(value) == 0 and not zero):
        code = "InvalidNonNegativeInteger" if zero else "InvalidPositiveInteger"
        checker.error(
            code,
            element,
            f"{what} must be a whole number{' of zero or more' if zero else ' above zero'} (got {value!r})",
        )
    elif int(value) > INT_MAX:
        checker.error("IntegerOverflow", element, f"{what} {value} is larger than {INT_MAX}")


def _url(checker: Checker, element: etree._Element, value: str | None, what: str, *, code: str | None = None) -> None:
    if value is None:
        return
    problem = values.uri_problem(value, iri=False)
    if problem is not None:
        checker.error(code or problem, element, f"{what} must be an absolute URL (got {value!r})")


def _true_false(checker: Checker, element: etree._Element, value: str | None, what: str) -> None:
    if value is not None and value not in ("true", "false"):
        checker.error("InvalidTrueFalse", element, f"{what} must be true or false (got {value!r})")


def _no_html(checker: Checker, element: etree._Element, value: str | None, what: str) -> None:
    if value is not None and (values.looks_like_html(value) or re.search(r"&[A-Za-z]+;", value)):
        checker.error("ContainsHTML", element, f"{what} must be plain text (got {value!r})")


def _once_per_parent(checker: Checker, element: etree._Element) -> None:
    parent = element.getparent()
    if parent is not None and next(iter(parent.iterchildren(element.tag))) is not element:
        checker.error("DuplicateElement", element, f"<{_name(checker, element)}> may occur only once here")


# --- Media RSS ---------------------------------------------------------------------------------

_MEDIUMS = frozenset({"image", "audio", "video", "document", "executable"})
_RATINGS = {
    "urn:simple": frozenset({"adult", "nonadult"}),
    "urn:mpaa": frozenset({"g", "pg", "pg-13", "r", "nc-17", "x"}),
    "urn:v-chip": frozenset({"tv-y", "tv-y7", "tv-y7-fv", "tv-g", "tv-pg", "tv-14", "tv-ma"}),
}


def _media_content(checker: Checker, element: etree._Element) -> None:
    _url(checker, element, element.get("url"), "media:content url")
    _positive_int(checker, element, element.get("fileSize"), "fileSize")
    for name in ("height", "width", "channels", "duration"):
        _positive_int(checker, element, element.get(name), name, zero=name == "duration")
    for name in ("bitrate", "framerate", "samplingrate"):
        value = element.get(name)
        if value is not None and not re.fullmatch(r"\d+(\.\d+)?", value.strip()):
            checker.error("InvalidFloat", element, f"{name} must be a number (got {value!r})")
    _true_false(checker, element, element.get("isDefault"), "isDefault")
    media_type = element.get("type")
    if media_type is not None and not values.is_mime_type(media_type):
        checker.error("InvalidMIMEType", element, f"{media_type!r} is not a MIME type")
    medium = element.get("medium")
    if medium is not None and medium not in _MEDIUMS:
        checker.error(
            "InvalidMediaMedium", element, f"medium must be one of {', '.join(sorted(_MEDIUMS))} (got {medium!r})"
        )
    expression = element.get("expression")
    if expression is not None and expression not in ("sample", "full", "nonstop"):
        checker.error(
            "InvalidMediaExpression", element, f"expression must be sample, full or nonstop (got {expression!r})"
        )
    if element.get("url") is None and element.find(f"{{{MEDIA}}}player") is None:
        checker.error("MissingAttribute", element, "<media:content> needs a url attribute (or a media:player)")
    _media_children(checker, element)


def _media_children(checker: Checker, element: etree._Element) -> None:
    """Elements that may occur once per media:content / media:group / item."""
    seen: set[str] = set()
    prefix = f"{{{MEDIA}}}"
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or not tag.startswith(prefix):
            continue
        name = tag[len(prefix) :]
        if name in ("copyright", "title", "description", "keywords", "rating", "hash") and name in seen:
            checker.error("DuplicateElement", child, f"<media:{name}> may occur only once here")
        seen.add(name)


def _media_group(checker: Checker, element: etree._Element) -> None:
    if len(element.findall(f"{{{MEDIA}}}content")) < 2:
        checker.error(
            "MediaGroupWithoutAlternatives",
            element,
            "a <media:group> must hold two or more <media:content> alternatives",
        )
    _media_children(checker, element)


def _media_text_type(checker: Checker, element: etree._Element) -> None:
    kind = element.get("type")
    if kind is not None and kind not in ("plain", "html"):
        checker.error("InvalidMediaTextType", element, f"type must be plain or html (got {kind!r})")


def _media_category(checker: Checker, element: etree._Element) -> None:
    _url(checker, element, element.get("scheme"), "scheme", code="InvalidFullLink")
    _no_html(checker, element, element.get("label"), "label")


def _media_rating(checker: Checker, element: etree._Element) -> None:
    scheme = element.get("scheme", "urn:simple")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+", scheme):
        checker.error("InvalidFullLink", element, f"scheme {scheme!r} must be a URI such as urn:simple")
    text = _text(element).lower()
    allowed = _RATINGS.get(scheme)
    if (allowed is not None and text not in allowed) or (
        scheme == "urn:icra" and not re.fullmatch(r"r \((\s*[a-z]{2} [0-9]\s*)+\)", text)
    ):
        checker.error("InvalidMediaRating", element, f"{_text(element)!r} is not a rating in the {scheme} scheme")


def _media_hash(checker: Checker, element: etree._Element) -> None:
    algorithm = element.get("algo", "md5")
    lengths = {"md5": 32, "sha-1": 40}
    text = _text(element)
    if algorithm not in lengths or not re.fullmatch(rf"[0-9a-fA-F]{{{lengths[algorithm]}}}", text):
        checker.error(
            "InvalidMediaHash",
            element,
            f"media:hash must be an md5 (32 hex digits) or sha-1 (40 hex digits) hash (got algo={algorithm!r})",
        )


def _media_sized_url(checker: Checker, element: etree._Element) -> None:
    require_attributes(checker, element, "url")
    url = element.get("url")
    if url is not None and values.uri_problem(url) is not None:
        checker.error("InvalidUriChar", element, f"url {url!r} is not an absolute URL")
    for name in ("height", "width"):
        _positive_int(checker, element, element.get(name), name)


def _media_restriction(checker: Checker, element: etree._Element) -> None:
    relationship = element.get("relationship")
    if relationship not in ("allow", "deny"):
        checker.error(
            "InvalidMediaRestrictionRel", element, f"relationship must be allow or deny (got {relationship!r})"
        )
    kind = element.get("type")
    text = _text(element)
    if kind is not None and kind not in ("country", "uri", "sharing"):
        checker.error("InvalidMediaRestrictionType", element, f"type must be country, uri or sharing (got {kind!r})")
    elif kind == "uri":
        for item in text.split():
            _url(checker, element, item, "restricted URI", code="InvalidFullLink")
    elif kind == "country" and text and not re.fullmatch(r"([A-Za-z]{2}\s*)+", text) and text not in ("all", "none"):
        checker.error("InvalidMediaRestriction", element, f"{text!r} is not a list of ISO 3166 country codes")
    elif kind is None and text not in ("", "all", "none"):
        checker.error(
            "InvalidMediaRestriction", element, f"a restriction without type must be all or none (got {text!r})"
        )


def _media_text(checker: Checker, element: etree._Element) -> None:
    _media_text_type(checker, element)
    lang = element.get("lang")
    if lang is not None and not values.is_language(lang):
        checker.error("InvalidLanguage", element, f"lang {lang!r} is not a language code")
    for name in ("start", "end"):
        value = element.get(name)
        if value is not None and not re.fullmatch(r"(\d+(\.\d+)?|(\d+:)?\d{1,2}:\d{2}(\.\d+)?|now)", value):
            checker.error(
                "InvalidNPTTime", element, f"{name} must be a Normal Play Time like 00:01:30.5 (got {value!r})"
            )


# --- iTunes ---------------------------------------------------------------------------------

_ITUNES_CATEGORIES = {
    "Arts": {"Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts", "Literature"},
    "Business": {
        "Careers",
        "Entrepreneurship",
        "Investing",
        "Management",
        "Marketing",
        "Non-Profit",
        "Business News",
        "Shopping",
    },
    "Comedy": {"Comedy Interviews", "Improv", "Stand-Up"},
    "Education": {
        "Courses",
        "How To",
        "Language Learning",
        "Self-Improvement",
        "Educational Technology",
        "Higher Education",
        "K-12",
        "Training",
    },
    "Fiction": {"Comedy Fiction", "Drama", "Science Fiction"},
    "Government": set(),
    "Government & Organizations": {"Local", "National", "Non-Profit", "Regional"},
    "Health": {"Alternative Health", "Fitness & Nutrition", "Self-Help", "Sexuality"},
    "Health & Fitness": {"Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"},
    "History": set(),
    "Kids & Family": {"Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"},
    "Leisure": {
        "Animation & Manga",
        "Automotive",
        "Aviation",
        "Crafts",
        "Games",
        "Hobbies",
        "Home & Garden",
        "Video Games",
    },
    "Music": {"Music Commentary", "Music History", "Music Interviews"},
    "News": {
        "Business News",
        "Daily News",
        "Entertainment News",
        "News Commentary",
        "Politics",
        "Sports News",
        "Tech News",
    },
    "News & Politics": set(),
    "Religion & Spirituality": {
        "Buddhism",
        "Christianity",
        "Hinduism",
        "Islam",
        "Judaism",
        "Other",
        "Spirituality",
        "Religion",
    },
    "Science": {
        "Astronomy",
        "Chemistry",
        "Earth Sciences",
        "Life Sciences",
        "Mathematics",
        "Natural Sciences",
        "Nature",
        "Physics",
        "Social Sciences",
    },
    "Science & Medicine": {"Medicine", "Natural Sciences", "Social Sciences"},
    "Society & Culture": {
        "Documentary",
        "Personal Journals",
        "Philosophy",
        "Places & Travel",
        "Relationships",
        "History",
        "Religion & Spirituality",
    },
    "Sports": {
        "Baseball",
        "Basketball",
        "Cricket",
        "Fantasy Sports",
        "Football",
        "Golf",
        "Hockey",
        "Rugby",
        "Running",
        "Soccer",
        "Swimming",
        "Tennis",
        "Volleyball",
        "Wilderness",
        "Wrestling",
    },
    "Sports & Recreation": {"Amateur", "College & High School", "Outdoor", "Professional"},
    "TV & Film": {"After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"},
    "Technology": {"Gadgets", "Tech News", "Podcasting", "Software How-To"},
    "Movies & Television": set(),
    "True Crime": set(),
    "Games & Hobbies": {"Automotive", "Aviation", "Hobbies", "Other Games", "Video Games"},
}
_ITEM_ONLY = frozenset({"duration", "episode", "season", "episodeType", "order", "isClosedCaptioned", "title"})


def _itunes(checker: Checker, element: etree._Element) -> None:
    name = etree.QName(element).localname
    parent = element.getparent()
    in_channel = parent is not None and etree.QName(parent).localname == "channel"
    text = element.text or ""
    if name in _ITEM_ONLY - {"title"} and in_channel:
        checker.error("UndefinedElement", element, f"<itunes:{name}> belongs in an <item>, not the <channel>")
    if name == "explicit" and text not in ("true", "false"):
        checker.error("InvalidTrueFalse", element, f"itunes:explicit must be true or false (got {text!r})")
    elif name in ("block", "complete") and text.strip().lower() not in ("yes", "no"):
        checker.error("InvalidYesNoClean", element, f"itunes:{name} must be yes or no (got {text!r})")
    elif name in ("season", "episode"):
        _positive_int(checker, element, text, f"itunes:{name}")
    elif name == "duration" and not re.fullmatch(r"\d+|(\d{1,2}:)?[0-5]?\d:[0-5]\d", text.strip()):
        checker.error("InvalidDuration", element, f"itunes:duration must be seconds or [HH:]MM:SS (got {text!r})")
    elif name in ("subtitle", "keywords") and len(text) > 255:
        checker.error("TooLong", element, f"itunes:{name} is {len(text)} characters long (at most 255)")
    elif name == "email" and not values.is_email(text.strip()):
        checker.error("InvalidContact", element, f"{text!r} is not an email address")
    elif name == "category":
        _itunes_category(checker, element)


def _itunes_category(checker: Checker, element: etree._Element) -> None:
    parent = element.getparent()
    category = element.get("text", "")
    if parent is not None and parent.tag == f"{{{ITUNES}}}category":
        if category not in _ITUNES_CATEGORIES.get(parent.get("text", ""), set()):
            checker.warn(
                "InvalidItunesCategory", element, f"{category!r} is not an iTunes subcategory of {parent.get('text')!r}"
            )
    elif category not in _ITUNES_CATEGORIES:
        checker.error("InvalidItunesCategory", element, f"{category!r} is not an iTunes category")


# --- FeedSync, threading, FeedBurner, geo, misc ---------------------------------------------------


def _sx_sharing(checker: Checker, element: etree._Element) -> None:
    since, until = element.get("since"), element.get("until")
    for name in ("since", "until", "expires"):
        value = element.get(name)
        if value is not None and parse_rfc3339(value) is None:
            checker.error("InvalidRFC3339Date", element, f"{name} {value!r} is not an RFC 3339 date-time")
    if (since is None) != (until is None):
        checker.error("MissingAttribute", element, "sx:sharing needs both since and until, or neither")
    elif since and until:
        start, end = parse_rfc3339(since), parse_rfc3339(until)
        if start and end and start > end:
            checker.error("SinceAfterUntil", element, "since is after until")


def _sx_related(checker: Checker, element: etree._Element) -> None:
    require_attributes(checker, element, "link", "type")
    _url(checker, element, element.get("link"), "link", code="InvalidFullLink")
    if element.get("type") is not None and element.get("type") not in ("complete", "aggregated"):
        checker.error("InvalidSseType", element, f"type must be complete or aggregated (got {element.get('type')!r})")
    title = element.get("title")
    if title is not None and values.looks_like_html(title):
        checker.warn("ContainsHTML", element, f"title should be plain text (got {title!r})")


def _sx_sync(checker: Checker, element: etree._Element) -> None:
    require_attributes(checker, element, "id", "updates")
    _positive_int(checker, element, element.get("updates"), "updates")
    _true_false(checker, element, element.get("deleted"), "deleted")
    _true_false(checker, element, element.get("noconflicts"), "noconflicts")
    if element.find(f"{{{FEEDSYNC}}}history") is None:
        checker.error("MissingElement", element, "<sx:sync> must contain an <sx:history>")
    root = element.getroottree().getroot()
    sync_id = element.get("id")
    first = next((s for s in root.iter(f"{{{FEEDSYNC}}}sync") if s.get("id") == sync_id), None)
    if sync_id is not None and first is not element:
        checker.error("DuplicateValue", element, f"sx:sync id {sync_id!r} is used twice")


def _sx_history(checker: Checker, element: etree._Element) -> None:
    require_attributes(checker, element, "sequence")
    _positive_int(checker, element, element.get("sequence"), "sequence")
    when = element.get("when")
    if when is not None and parse_rfc3339(when) is None:
        checker.error("InvalidRFC3339Date", element, f"when {when!r} is not an RFC 3339 date-time")
    by = element.get("by")
    if by is not None:
        if not by.strip():
            checker.error("NotBlank", element, "by must not be blank")
        elif values.looks_like_html(by):
            checker.error("ContainsHTML", element, f"by must be plain text (got {by!r})")
        elif not re.fullmatch(r"[A-Za-z0-9()+,\-.:=@;$_!*'%/?#]+", by):
            checker.error("InvalidNSS", element, f"by {by!r} must be a URN namespace-specific string (no spaces)")


def _thread_link_attributes(checker: Checker, root: etree._Element) -> None:
    for element in _with_thread_attributes(root):
        count = element.get(f"{{{THREAD}}}count")
        if count is not None and not re.fullmatch(r"\d+", count):
            checker.error("InvalidInteger", element, f"thr:count must be a whole number (got {count!r})")
        updated = element.get(f"{{{THREAD}}}updated")
        if updated is not None and parse_rfc3339(updated) is None:
            checker.error("InvalidRFC3339Date", element, f"thr:updated {updated!r} is not an RFC 3339 date-time")
        if element.get(f"{{{THREAD}}}when") is not None:
            checker.error("NoThrWhen", element, "thr:when is not part of RFC 4685 (use thr:updated)")


def _thread_total(checker: Checker, element: etree._Element) -> None:
    if not re.fullmatch(r"\d+", _text(element)):
        checker.error("InvalidInteger", element, f"thr:total must be a whole number (got {_text(element)!r})")


def _thread_in_reply_to(checker: Checker, element: etree._Element) -> None:
    require_attributes(checker, element, "ref")


def _feedburner_url(checker: Checker, element: etree._Element) -> None:
    _once_per_parent(checker, element)
    _url(checker, element, _text(element), f"<{_name(checker, element)}>", code="InvalidLink")


def _feedburner_flare(checker: Checker, element: etree._Element) -> None:
    for name in ("href", "src"):
        value = element.get(name)
        if value is not None and not values.is_relative_reference(value):
            checker.error("InvalidLink", element, f"{name} {value!r} is not a URL")


def _coordinate(limit: float, code: str) -> Rule:
    def rule(checker: Checker, element: etree._Element) -> None:
        try:
            valid = abs(float(_text(element))) <= limit
        except ValueError:
            valid = False
        if not valid:
            checker.error(code, element, f"{_text(element)!r} is not a coordinate between -{limit:g} and {limit:g}")

    return rule


def _full_url_text(checker: Checker, element: etree._Element) -> None:
    _url(checker, element, _text(element), f"<{_name(checker, element)}>", code="InvalidFullLink")


def _conversations(checker: Checker, element: etree._Element) -> None:
    name = etree.QName(element).localname
    text = _text(element)
    if name == "ratingAverage" and not re.fullmatch(r"\d+(\.\d+)?", text):
        checker.error("InvalidFloat", element, f"ratingAverage must be a number (got {text!r})")
    elif name in ("ratingIndividual", "ratingCount") and not re.fullmatch(r"[1-9]\d*", text):
        checker.error("InvalidPositiveInteger", element, f"{name} must be a positive whole number (got {text!r})")
    elif name == "ratingTimestamp" and parse_rfc3339(text) is None:
        checker.error(
            "InvalidISO8601DateTime", element, f"ratingTimestamp must be an ISO 8601 date-time (got {text!r})"
        )


def _xhtml_meta(checker: Checker, element: etree._Element) -> None:
    require_attributes(checker, element, "name", "content")
    name = element.get("name")
    if name is not None and name.lower() != "robots":
        checker.error("InvalidMetaName", element, f'only <meta name="robots"> is meaningful in a feed (got {name!r})')
    content = element.get("content")
    if content is not None and name is not None and name.lower() == "robots":
        tokens = {t.strip().lower() for t in content.split(",")}
        if not tokens <= {"index", "noindex", "follow", "nofollow", "all", "none", "noarchive", "nosnippet"}:
            checker.error("InvalidMetaContent", element, f"{content!r} is not a robots directive")
    elif content is not None:
        checker.error("InvalidMetaContent", element, f"content {content!r} applies to no known meta name")


ELEMENT_RULES: dict[tuple[str, str], Rule] = {
    (MEDIA, "content"): _media_content,
    (MEDIA, "group"): _media_group,
    (MEDIA, "title"): _media_text_type,
    (MEDIA, "description"): _media_text_type,
    (MEDIA, "text"): _media_text,
    (MEDIA, "category"): _media_category,
    (MEDIA, "rating"): _media_rating,
    (MEDIA, "hash"): _media_hash,
    (MEDIA, "thumbnail"): _media_sized_url,
    (MEDIA, "player"): _media_sized_url,
    (MEDIA, "restriction"): _media_restriction,
    (FEEDSYNC, "sharing"): _sx_sharing,
    (FEEDSYNC, "related"): _sx_related,
    (FEEDSYNC, "sync"): _sx_sync,
    (FEEDSYNC, "history"): _sx_history,
    (THREAD, "total"): _thread_total,
    (THREAD, "in-reply-to"): _thread_in_reply_to,
    (FEEDBURNER, "awareness"): _feedburner_url,
    (FEEDBURNER, "origLink"): _feedburner_url,
    (FEEDBURNER, "origEnclosureLink"): _feedburner_url,
    (FEEDBURNER, "feedburnerHostname"): _feedburner_url,
    (FEEDBURNER, "emailServiceId"): _once_per_parent,
    (FEEDBURNER, "feedFlare"): _feedburner_flare,
    (GEO, "lat"): _coordinate(90, "InvalidLatitude"),
    (GEO, "long"): _coordinate(180, "InvalidLongitude"),
    (GEOURL, "latitude"): _coordinate(90, "InvalidLatitude"),
    (GEOURL, "longitude"): _coordinate(180, "InvalidLongitude"),
    (ICBM, "latitude"): _coordinate(90, "InvalidLatitude"),
    (ICBM, "longitude"): _coordinate(180, "InvalidLongitude"),
    (CREATIVE_COMMONS, "license"): _full_url_text,
    (XHTML, "meta"): _xhtml_meta,
}


def check_extensions(checker: Checker, root: etree._Element) -> None:
    """Run every extension rule over the whole document, wherever the element sits."""
    media_parents: set[etree._Element] = set()
    # Only elements of the namespaces with rules: lxml filters them in C, in document order.
    for element in root.iter(*_HANDLED_TAGS):
        namespace, _, local = element.tag[1:].partition("}")
        parent = element.getparent()
        if namespace == MEDIA and parent is not None and parent not in media_parents:
            media_parents.add(parent)
            if etree.QName(parent).namespace != MEDIA:
                _media_children(checker, parent)
        rule = ELEMENT_RULES.get((namespace, local))
        if rule is not None:
            rule(checker, element)
        elif namespace == ITUNES:
            _itunes(checker, element)
        elif namespace == CONVERSATIONS:
            _conversations(checker, element)
    _thread_link_attributes(checker, root)


_HANDLED_TAGS = tuple(
    f"{{{namespace}}}*" for namespace in sorted({ns for ns, _ in ELEMENT_RULES} | {ITUNES, CONVERSATIONS})
)
_THREAD_ATTRIBUTES = etree.XPath(
    "descendant-or-self::*[@thr:count or @thr:updated or @thr:when]", namespaces={"thr": THREAD}
)


def _with_thread_attributes(root: etree._Element) -> list[etree._Element]:
    return cast(list[etree._Element], _THREAD_ATTRIBUTES(root))
