"""Atom 1.0 rules (RFC 4287), including those its RELAX NG grammar cannot express (section 4.1)."""

from __future__ import annotations

import binascii
import re

from lxml import etree

from feedpub import values
from feedpub.validating.common import (
    ATOM,
    XHTML,
    XML_NS,
    Child,
    check_children,
    check_unexpected_children,
    has_relative_links,
    rfc3339_date,
    text_of,
    uri_value,
)
from feedpub.validating.findings import Checker, local_name

REGISTERED_RELS = frozenset(
    {
        "alternate",
        "related",
        "self",
        "enclosure",
        "via",
        "first",
        "last",
        "previous",
        "next",
        "current",
        "payment",
        "license",
        "replies",
        "edit",
        "edit-media",
        "service",
        "hub",
        "prev-archive",
        "next-archive",
        "archives",
        "search",
        "up",
        "describedby",
        "author",
    }
)
_XML_ATTRIBUTES = frozenset({f"{{{XML_NS}}}lang", f"{{{XML_NS}}}base", f"{{{XML_NS}}}space"})


def _unexpected_attributes(checker: Checker, element: etree._Element, allowed: frozenset[str]) -> None:
    for raw_name in element.attrib:
        name = raw_name if isinstance(raw_name, str) else raw_name.decode()
        if name in allowed or name in _XML_ATTRIBUTES or (name.startswith("{") and not name.startswith(f"{{{ATOM}}}")):
            continue
        checker.error(
            "UnexpectedAttribute",
            element,
            f"<{local_name(element)}> does not take a {etree.QName(name).localname} attribute",
        )


def _text_construct(checker: Checker, element: etree._Element) -> None:
    _unexpected_attributes(checker, element, frozenset({"type"}))
    kind = element.get("type", "text")
    name = local_name(element)
    if kind not in ("text", "html", "xhtml"):
        checker.error("InvalidTextType", element, f"type of <{name}> must be text, html or xhtml (got {kind!r})")
        return
    _inline_content(checker, element, kind)


def _inline_content(checker: Checker, element: etree._Element, kind: str) -> None:
    name = local_name(element)
    children = [c for c in element if isinstance(c.tag, str)]
    if kind == "xhtml":
        if len(children) != 1 or children[0].tag != f"{{{XHTML}}}div" or (element.text or "").strip():
            checker.error(
                "MissingXhtmlDiv", element, f'xhtml <{name}> must be wrapped in exactly one <div xmlns="{XHTML}">'
            )
            return
        for inner in children[0].iterdescendants():
            if isinstance(inner.tag, str) and etree.QName(inner).namespace is None:
                checker.error(
                    "MissingNamespace", inner, f"<{inner.tag}> inside xhtml content must be in the XHTML namespace"
                )
        return
    if children:
        for child in children:
            checker.error(
                "UndefinedElement",
                child,
                f'<{name} type="{kind}"> must hold escaped text, not elements (escape the markup or use type="xhtml")',
            )
        return
    text = element.text or ""
    if kind == "text" and values.looks_like_markup(text):
        checker.warn(
            "ContainsUndeclaredHTML",
            element,
            f'<{name}> looks like HTML but has type="text"; readers will show the tags (set type="html")',
        )


def _content(checker: Checker, element: etree._Element) -> None:
    _unexpected_attributes(checker, element, frozenset({"type", "src"}))
    kind = element.get("type", "text")
    src = element.get("src")
    if src is not None:
        uri_value(checker, element, src, "content src", code="InvalidURIAttribute")
        if (element.text or "").strip() or len(element):
            checker.error("NotBlank", element, "<content src=...> must be empty")
        if kind in ("html", "xhtml"):
            checker.error("InvalidMIMEType", element, "content with src must have a MIME type, not text/html/xhtml")
        return
    if kind in ("text", "html", "xhtml"):
        _inline_content(checker, element, kind)
        return
    if not values.is_mime_type(kind):
        checker.error("InvalidMIMEType", element, f"content type {kind!r} is not text, html, xhtml or a MIME type")
        return
    if re.search(r"[+/]xml(\s*;|\Z)", kind):
        elements = [c for c in element if isinstance(c.tag, str)]
        if len(elements) > 1 or (
            elements and ((element.text or "").strip() or any((c.tail or "").strip() for c in elements))
        ):
            checker.error("UnexpectedText", element, f"content of type {kind} must be a single XML element")
        return
    if kind.startswith("text/"):
        return
    import base64  # here: only base64 content needs it (importing it took ~0.7 ms at every start)

    try:
        base64.b64decode(re.sub(r"\s+", "", element.text or ""), validate=True)
    except (binascii.Error, ValueError):
        checker.error("NotBase64", element, f"content of type {kind} must be base64-encoded")


def _person(checker: Checker, element: etree._Element) -> None:
    check_children(checker, element, PERSON, ATOM)


def _person_email(checker: Checker, element: etree._Element) -> None:
    check_unexpected_children(checker, element)
    text = text_of(element)
    if not values.is_email(text):
        checker.error("InvalidAddrSpec", element, f"{text!r} is not an email address")


def _person_uri(checker: Checker, element: etree._Element) -> None:
    check_unexpected_children(checker, element)
    text = element.text or ""
    if text != text.strip():
        checker.error("UnexpectedWhitespace", element, "uri must not have spaces or line breaks around it")
    elif not values.is_relative_reference(text):
        checker.error("InvalidUriChar", element, f"{text!r} is not a valid IRI")


def _id(checker: Checker, element: etree._Element) -> None:
    check_unexpected_children(checker, element)
    uri_value(checker, element, element.text or "", "<id>")


def _iri_element(checker: Checker, element: etree._Element) -> None:
    check_unexpected_children(checker, element)
    text = text_of(element)
    if not values.is_relative_reference(text):
        checker.error("InvalidUriChar", element, f"{text!r} is not a valid IRI reference")


def _generator(checker: Checker, element: etree._Element) -> None:
    _unexpected_attributes(checker, element, frozenset({"uri", "version"}))
    check_unexpected_children(checker, element)
    uri = element.get("uri")
    if uri is not None and not values.is_relative_reference(uri):
        checker.error("InvalidURIAttribute", element, f"generator uri {uri!r} is not a valid IRI")


def _category(checker: Checker, element: etree._Element) -> None:
    _unexpected_attributes(checker, element, frozenset({"term", "scheme", "label"}))
    if not element.get("term"):
        checker.error("MissingAttribute", element, "<category> needs a term attribute")
    scheme = element.get("scheme")
    if scheme is not None and values.uri_problem(scheme) is not None:
        checker.error("InvalidURIAttribute", element, f"category scheme must be an absolute IRI (got {scheme!r})")


def _link(checker: Checker, element: etree._Element) -> None:
    _unexpected_attributes(checker, element, frozenset({"href", "rel", "type", "hreflang", "title", "length"}))
    href = element.get("href")
    if href is None:
        checker.error("MissingHref", element, "<link> needs an href attribute")
    elif not values.is_relative_reference(href):
        checker.error("InvalidURIAttribute", element, f"href {href!r} is not a valid IRI reference")
    rel = element.get("rel", "alternate")
    if rel not in REGISTERED_RELS and values.uri_problem(rel) is not None:
        checker.warn("UnregisteredAtomLinkRel", element, f"rel {rel!r} is neither a registered relation nor an IRI")
    media_type = element.get("type")
    if media_type is not None and not values.is_mime_type(media_type):
        checker.error("InvalidMIMEType", element, f"{media_type!r} is not a MIME type")
    hreflang = element.get("hreflang")
    if hreflang is not None and not values.is_language(hreflang):
        checker.error("InvalidLanguage", element, f"hreflang {hreflang!r} is not a language tag")
    length = element.get("length")
    if length is not None and not values.is_integer(length):
        checker.error("InvalidNonNegativeInteger", element, f"length {length!r} is not a whole number of bytes")


def _source(checker: Checker, element: etree._Element) -> None:
    check_children(checker, element, SOURCE, ATOM)
    _duplicate_alternates(checker, element.findall(f"{{{ATOM}}}link"))


def _entry(checker: Checker, element: etree._Element) -> None:
    check_children(checker, element, ENTRY, ATOM)
    links = element.findall(f"{{{ATOM}}}link")
    content = element.find(f"{{{ATOM}}}content")
    if content is None and not any(link.get("rel", "alternate") == "alternate" for link in links):
        checker.error(
            "MissingContentOrAlternate", element, 'an entry without <content> must have a <link rel="alternate">'
        )
    if content is not None and element.find(f"{{{ATOM}}}summary") is None:
        kind = content.get("type", "text")
        binary = (
            kind not in ("text", "html", "xhtml") and not kind.startswith("text/") and not re.search(r"[+/]xml", kind)
        )
        if content.get("src") is not None or binary:
            checker.error(
                "MissingSummary", element, "an entry whose content is out of line or base64 must have a <summary>"
            )
    if content is not None and content.get("type") == "html" and has_relative_links(content.text or ""):
        checker.warn(
            "ContainsRelRef",
            content,
            "content has relative links; many readers ignore xml:base and resolve them wrongly",
        )
    _duplicate_alternates(checker, links)


def _duplicate_alternates(checker: Checker, links: list[etree._Element]) -> None:
    seen: set[tuple[str | None, str | None]] = set()
    for link in links:
        if link.get("rel", "alternate") != "alternate":
            continue
        key = (link.get("type"), link.get("hreflang"))
        if key in seen:
            checker.error("DuplicateAtomLink", link, "two alternate links with the same type and hreflang")
        seen.add(key)


PERSON = {
    "name": Child(required=True),
    "uri": Child(rule=_person_uri),
    "email": Child(rule=_person_email),
}
_COMMON = {
    "author": Child(repeatable=True, rule=_person),
    "category": Child(repeatable=True, rule=_category),
    "contributor": Child(repeatable=True, rule=_person),
    "link": Child(repeatable=True, rule=_link),
    "rights": Child(rule=_text_construct),
    "title": Child(required=True, rule=_text_construct),
    "updated": Child(required=True, rule=rfc3339_date),
    "id": Child(required=True, rule=_id),
}
FEED = {
    **_COMMON,
    "generator": Child(rule=_generator),
    "icon": Child(rule=_iri_element),
    "logo": Child(rule=_iri_element),
    "subtitle": Child(rule=_text_construct),
    "entry": Child(repeatable=True, rule=_entry),
}
ENTRY = {
    **_COMMON,
    "content": Child(rule=_content),
    "published": Child(rule=rfc3339_date),
    "source": Child(rule=_source),
    "summary": Child(rule=_text_construct),
}
SOURCE = {name: Child(repeatable=spec.repeatable, rule=spec.rule) for name, spec in FEED.items() if name != "entry"}


def validate_atom(checker: Checker, root: etree._Element) -> None:
    if local_name(root) == "entry":
        _entry(checker, root)
        if root.find(f"{{{ATOM}}}author") is None and root.find(f"{{{ATOM}}}source/{{{ATOM}}}author") is None:
            checker.error("MissingElement", root, "an entry document must have an <author>")
        return
    check_children(checker, root, FEED, ATOM)
    feed_has_author = root.find(f"{{{ATOM}}}author") is not None
    for entry in root.iterfind(f"{{{ATOM}}}entry"):
        if (
            not feed_has_author
            and entry.find(f"{{{ATOM}}}author") is None
            and entry.find(f"{{{ATOM}}}source/{{{ATOM}}}author") is None
        ):
            checker.error("MissingElement", entry, "<entry> needs an <author> because the feed has none")
    _duplicate_alternates(checker, root.findall(f"{{{ATOM}}}link"))
    if not any(link.get("rel") == "self" for link in root.iterfind(f"{{{ATOM}}}link")):
        checker.warn("MissingSelf", root, 'no <link rel="self">: readers cannot tell where this feed lives')
    _duplicate_ids(checker, root)


def _duplicate_ids(checker: Checker, root: etree._Element) -> None:
    seen: dict[tuple[str, str], etree._Element] = {}
    for entry in root.iterfind(f"{{{ATOM}}}entry"):
        key = (entry.findtext(f"{{{ATOM}}}id") or "", entry.findtext(f"{{{ATOM}}}updated") or "")
        if key[0] and key in seen:
            checker.warn("DuplicateEntries", entry, f"two entries share id {key[0]!r} and updated {key[1]!r}")
        seen[key] = entry
