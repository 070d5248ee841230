"""Rules shared by the RSS and Atom validators: element tables, text, dates, links, extensions."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import NamedTuple, cast

from lxml import etree

from feedpub import values
from feedpub.dates import parse_rfc822, parse_rfc3339, weekday_name
from feedpub.validating.findings import Checker, display_name, local_name

Rule = Callable[[Checker, etree._Element], None]

ATOM = "http://www.w3.org/2005/Atom"
XHTML = "http://www.w3.org/1999/xhtml"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
MEDIA = "http://search.yahoo.com/mrss/"
SY = "http://purl.org/rss/1.0/modules/syndication/"
SLASH = "http://purl.org/rss/1.0/modules/slash/"
XML_NS = "http://www.w3.org/XML/1998/namespace"

KNOWN_PREFIXES = {
    ATOM: "atom",
    CONTENT: "content",
    DC: "dc",
    DCTERMS: "dcterms",
    MEDIA: "media",
    SY: "sy",
    SLASH: "slash",
    XHTML: "xhtml",
}


class Child(NamedTuple):
    """How an element may appear inside its parent."""

    required: bool = False
    repeatable: bool = False
    rule: Rule | None = None
    missing_code: str = "MissingElement"


def text_of(element: etree._Element) -> str:
    if len(element) == 0:
        return (element.text or "").strip()
    return "".join(str(part) for part in element.itertext()).strip()


def check_children(checker: Checker, parent: etree._Element, table: Mapping[str, Child], namespace: str | None) -> None:
    """Required, at-most-once and unknown children of one element, then each child's own rule."""
    seen: dict[str, int] = {}
    for child in parent:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        # Split "{namespace}name" by hand: etree.QName per child was this loop's main cost.
        if tag[0] == "{":
            child_namespace, _, name = tag[1:].partition("}")
        else:
            child_namespace, name = None, tag
        if child_namespace != namespace:
            check_extension(checker, child)
            continue
        spec = table.get(name)
        if spec is None:
            checker.error(
                "UndefinedElement",
                child,
                f"<{name}> is not defined in <{local_name(parent)}> (check spelling, or use a namespace)",
            )
            continue
        seen[name] = seen.get(name, 0) + 1
        if seen[name] == 2 and not spec.repeatable:
            checker.error("DuplicateElement", child, f"<{name}> may occur only once in <{local_name(parent)}>")
        if spec.rule is not None:
            spec.rule(checker, child)
    for name, spec in table.items():
        if spec.required and name not in seen:
            checker.error(spec.missing_code, parent, f"<{local_name(parent)}> must contain a <{name}> element")


_XML_ATTRIBUTES = etree.XPath("descendant-or-self::*[@xml:lang or @xml:base]")


def _with_xml_attributes(root: etree._Element) -> list[etree._Element]:
    return cast(list[etree._Element], _XML_ATTRIBUTES(root))


def check_xml_attributes(checker: Checker, root: etree._Element) -> None:
    """xml:lang must be a language tag and xml:base a URI reference, wherever they appear."""
    for element in _with_xml_attributes(root):
        lang = element.get(f"{{{XML_NS}}}lang")
        if lang is not None and lang and not values.is_language(lang):
            checker.error("InvalidLanguage", element, f"xml:lang {lang!r} is not a language tag")
        base = element.get(f"{{{XML_NS}}}base")
        if base is not None and not values.is_relative_reference(base):
            checker.error("InvalidUriChar", element, f"xml:base {base!r} is not a valid URI reference")


def require_attributes(checker: Checker, element: etree._Element, *names: str) -> None:
    for name in names:
        if element.get(name) is None:
            shown = display_name(element, checker.prefixes)
            checker.error("MissingAttribute", element, f"<{shown}> needs a {name} attribute")


def check_unexpected_children(checker: Checker, element: etree._Element) -> None:
    for child in element:
        if isinstance(child.tag, str):
            checker.error(
                "UndefinedElement", child, f"<{local_name(child)}> is not allowed inside <{local_name(element)}>"
            )


_URL_VALUE = re.compile(r"""\s*=\s*["']?([^"'\s>]*)""")
_ABSOLUTE_OR_FRAGMENT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:|#")


def has_relative_links(html: str) -> bool:
    """True when escaped HTML links to a relative URL (readers resolve those wrongly).

    Finds each href/src with str.find on a lowercased copy (a regex scan over whole articles
    was the validator's hottest spot) and matches only the value after it.
    """
    lowered = html.lower()
    for attribute in ("href", "src"):
        start = lowered.find(attribute)
        while start >= 0:
            before = lowered[start - 1] if start else " "
            if not (before.isalnum() or before in "-_:"):
                match = _URL_VALUE.match(html, start + len(attribute))
                if match and match.group(1) and not _ABSOLUTE_OR_FRAGMENT.match(match.group(1)):
                    return True
            start = lowered.find(attribute, start + 1)
    return False


# --- values --------------------------------------------------------------------------------


def plain_text(checker: Checker, element: etree._Element) -> None:
    check_unexpected_children(checker, element)


def non_empty(checker: Checker, element: etree._Element) -> None:
    check_unexpected_children(checker, element)
    if not text_of(element):
        checker.warn("NotBlank", element, f"<{local_name(element)}> should not be blank")


def full_uri(checker: Checker, element: etree._Element) -> None:
    """RSS links: absolute URIs, ASCII only (RSS predates IRIs)."""
    check_unexpected_children(checker, element)
    uri_value(checker, element, text_of(element), f"<{local_name(element)}>", iri=False)


def full_iri(checker: Checker, element: etree._Element) -> None:
    check_unexpected_children(checker, element)
    uri_value(checker, element, text_of(element), f"<{local_name(element)}>")


def uri_value(
    checker: Checker, element: etree._Element, text: str, what: str, *, code: str | None = None, iri: bool = True
) -> None:
    problem = values.uri_problem(text, iri=iri)
    if problem is not None:
        checker.error(code or problem, element, f"{what} must be an absolute URI (got {text!r})")


def uri_attribute(checker: Checker, element: etree._Element, name: str, *, required: bool = False) -> None:
    value = element.get(name)
    if value is None:
        if required:
            checker.error("MissingAttribute", element, f"<{local_name(element)}> needs a {name} attribute")
        return
    if values.uri_problem(value) is not None:
        checker.error("InvalidURLAttribute", element, f"{name} attribute must be an absolute URI (got {value!r})")


def rfc822_date(checker: Checker, element: etree._Element) -> None:
    check_unexpected_children(checker, element)
    text = text_of(element)
    uncommented = re.sub(r"\([^()]*\)", "", text)
    comments = uncommented != text
    parsed = parse_rfc822(re.sub(r"\s+", " ", uncommented).replace(" ,", ","))
    if parsed is None:
        checker.error(
            "InvalidRFC2822Date",
            element,
            f"{text!r} is not an RFC 822 date (expected e.g. 'Sat, 07 Sep 2002 09:42:31 GMT')",
        )
        return
    moment, weekday = parsed
    if comments:
        checker.warn(
            "ProblematicalRFC822Date", element, f"{text!r} has comments in it; many readers cannot parse such dates"
        )
    if weekday and weekday != weekday_name(moment):
        checker.error("IncorrectDOW", element, f"{text!r}: that date is a {weekday_name(moment)}, not a {weekday}")


def rfc3339_date(checker: Checker, element: etree._Element) -> None:
    check_unexpected_children(checker, element)
    text = element.text or ""
    # RFC 4287 section 3.3: the "T" and "Z" must be uppercase and no whitespace is allowed.
    if parse_rfc3339(text) is None or "t" in text or "z" in text:
        checker.error(
            "InvalidRFC3339Date", element, f"{text!r} is not an RFC 3339 date-time (expected e.g. 2003-12-13T18:30:02Z)"
        )


# Compiled on first use (through re's cache): only dc:date and its kin need it.
_W3CDTF = r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?\Z"


def w3cdtf_date(checker: Checker, element: etree._Element) -> None:
    text = text_of(element)
    if not re.match(_W3CDTF, text) or (len(text) > 10 and parse_rfc3339(_complete_w3cdtf(text)) is None):
        checker.error(
            "InvalidW3CDTFDate", element, f"{text!r} is not a W3C-DTF date (expected e.g. 2002-10-02T10:00:00-05:00)"
        )


def _complete_w3cdtf(text: str) -> str:
    return re.sub(r"T(\d{2}:\d{2})(Z|[+-])", r"T\1:00\2", text)


def language(checker: Checker, element: etree._Element) -> None:
    text = text_of(element)
    if not values.is_language(text):
        checker.error("InvalidLanguage", element, f"{text!r} is not a language code (expected e.g. en, en-GB)")


def positive_integer(checker: Checker, element: etree._Element) -> None:
    text = text_of(element)
    if not values.is_integer(text, minimum=1):
        checker.error("InvalidPositiveInteger", element, f"{text!r} is not a positive whole number")


def non_negative_integer(checker: Checker, element: etree._Element) -> None:
    text = text_of(element)
    if not values.is_integer(text):
        checker.error("InvalidNonNegativeInteger", element, f"{text!r} is not a whole number of zero or more")


# --- extension namespaces ------------------------------------------------------------------

_SY_PERIODS = frozenset({"hourly", "daily", "weekly", "monthly", "yearly"})


def _sy_period(checker: Checker, element: etree._Element) -> None:
    if text_of(element) not in _SY_PERIODS:
        checker.error(
            "InvalidUpdatePeriod", element, f"{text_of(element)!r} is not one of {', '.join(sorted(_SY_PERIODS))}"
        )


def _content_encoded(checker: Checker, element: etree._Element) -> None:
    check_unexpected_children(checker, element)


EXTENSION_RULES: dict[tuple[str, str], Rule] = {
    (CONTENT, "encoded"): _content_encoded,
    (DC, "date"): w3cdtf_date,
    (DCTERMS, "modified"): w3cdtf_date,
    (DCTERMS, "created"): w3cdtf_date,
    (DCTERMS, "issued"): w3cdtf_date,
    (DC, "language"): language,
    (SY, "updatePeriod"): _sy_period,
    (SY, "updateFrequency"): positive_integer,
    (SY, "updateBase"): w3cdtf_date,
    (SLASH, "comments"): non_negative_integer,
}
KNOWN_EXTENSION_ELEMENTS: dict[str, frozenset[str]] = {
    CONTENT: frozenset({"encoded"}),
    SY: frozenset({"updatePeriod", "updateFrequency", "updateBase"}),
    SLASH: frozenset({"comments", "department", "section", "hit_parade"}),
    DC: frozenset(
        {
            "title",
            "creator",
            "subject",
            "description",
            "publisher",
            "contributor",
            "date",
            "type",
            "format",
            "identifier",
            "source",
            "language",
            "relation",
            "coverage",
            "rights",
        }
    ),
}
# Elements of these extensions that describe the whole channel or item and may occur only once there.
SINGLE_EXTENSION_ELEMENTS = frozenset(
    {(DC, "language"), (DC, "rights"), (DC, "date"), (SY, "updatePeriod"), (SY, "updateFrequency"), (SY, "updateBase")}
)


def check_extension(checker: Checker, element: etree._Element) -> None:
    qname = etree.QName(element)
    namespace = qname.namespace or ""
    known = KNOWN_EXTENSION_ELEMENTS.get(namespace)
    if known is not None and qname.localname not in known:
        checker.error("UndefinedElement", element, f"<{qname.localname}> is not defined in the {namespace} namespace")
        return
    rule = EXTENSION_RULES.get((namespace, qname.localname))
    if rule is not None:
        rule(checker, element)


def check_single_extensions(checker: Checker, parent: etree._Element) -> None:
    seen: set[tuple[str, str]] = set()
    for child in parent:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        namespace, _, local = tag[1:].partition("}") if tag[0] == "{" else ("", "", tag)
        key = (namespace, local)
        if key in SINGLE_EXTENSION_ELEMENTS:
            if key in seen:
                checker.error(
                    "DuplicateElement", child, f"<{checker.prefixes.get(key[0], '')}:{key[1]}> may occur only once here"
                )
            seen.add(key)
