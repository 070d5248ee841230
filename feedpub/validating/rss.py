"""RSS 2.0 rules (RSS Advisory Board specification 2.0.11), with atom:link and content:encoded."""

from __future__ import annotations

import re

from lxml import etree

from feedpub import values
from feedpub.validating.common import (
    ATOM,
    CONTENT,
    Child,
    check_children,
    check_single_extensions,
    check_unexpected_children,
    full_uri,
    has_relative_links,
    language,
    non_empty,
    plain_text,
    require_attributes,
    rfc822_date,
    text_of,
    uri_attribute,
)
from feedpub.validating.findings import Checker, local_name

_DAYS = frozenset({"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"})


def _contact(checker: Checker, element: etree._Element) -> None:
    text = text_of(element)
    if not values.contact_email(text):
        checker.error(
            "InvalidContact",
            element,
            f"{text!r} must be an email address, optionally followed by a name, e.g. 'editor@example.com (Jo Bloggs)'",
        )


def _ttl(checker: Checker, element: etree._Element) -> None:
    text = text_of(element)
    if not values.is_integer(text):
        checker.error("InvalidInteger", element, f"ttl {text!r} must be a whole number of minutes")


def _guid(checker: Checker, element: etree._Element) -> None:
    check_unexpected_children(checker, element)
    permalink = element.get("isPermaLink", "true")
    if permalink not in ("true", "false"):
        checker.error("InvalidBooleanAttribute", element, f"isPermaLink must be true or false (got {permalink!r})")
        return
    text = text_of(element)
    if permalink == "true" and values.uri_problem(text) is not None:
        checker.error(
            "InvalidHttpGUID",
            element,
            f'a permalink guid must be an absolute URL (got {text!r}); add isPermaLink="false" if it is not a URL',
        )
    elif permalink == "true" and not re.match(r"(?i)https?:|ftp:", text):
        checker.error(
            "InvalidPermalink", element, f'a permalink guid must be a web URL (got {text!r}); add isPermaLink="false"'
        )
    elif not text:
        checker.warn("NotBlank", element, "guid should not be blank: readers use it to tell items apart")


def _enclosure(checker: Checker, element: etree._Element) -> None:
    require_attributes(checker, element, "url", "length", "type")
    uri_attribute(checker, element, "url")
    length = element.get("length")
    if length is not None and not values.is_integer(length):
        checker.error(
            "InvalidIntegerAttribute", element, f"enclosure length must be a whole number of bytes (got {length!r})"
        )
    media_type = element.get("type")
    if media_type is not None and not values.is_mime_type(media_type):
        checker.error("InvalidMIMEType", element, f"{media_type!r} is not a MIME type (expected e.g. audio/mpeg)")


def _source(checker: Checker, element: etree._Element) -> None:
    uri_attribute(checker, element, "url", required=True)


def _category(checker: Checker, element: etree._Element) -> None:
    check_unexpected_children(checker, element)


def _image(checker: Checker, element: etree._Element) -> None:
    check_children(checker, element, IMAGE, None)


def _dimension(limit: int, code: str) -> Child:
    def rule(checker: Checker, element: etree._Element) -> None:
        text = text_of(element)
        if not values.is_integer(text, minimum=1) or int(text) > limit:
            checker.error(
                code, element, f"{local_name(element)} must be a whole number from 1 to {limit} (got {text!r})"
            )

    return Child(rule=rule)


def _cloud(checker: Checker, element: etree._Element) -> None:
    require_attributes(checker, element, "domain", "port", "path", "registerProcedure", "protocol")
    port = element.get("port")
    if port is not None and not (values.is_integer(port, minimum=1) and int(port) <= 65535):
        checker.error(
            "InvalidIntegerAttribute", element, f"cloud port must be a whole number from 1 to 65535 (got {port!r})"
        )
    protocol = element.get("protocol")
    if protocol is not None and protocol not in ("xml-rpc", "soap", "http-post"):
        checker.error(
            "InvalidCloudProtocol", element, f"cloud protocol must be xml-rpc, soap or http-post (got {protocol!r})"
        )


def _form_name(checker: Checker, element: etree._Element) -> None:
    text = text_of(element)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9\-_.:]*", text):
        checker.error(
            "InvalidFormComponentName",
            element,
            f"textInput name {text!r} must be a form field name (a letter, then letters, digits, -_.:)",
        )


def _text_input(checker: Checker, element: etree._Element) -> None:
    check_children(checker, element, TEXT_INPUT, None)


def _skip_hours(checker: Checker, element: etree._Element) -> None:
    hours: set[str] = set()
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag != "hour":
            checker.error("UndefinedElement", child, f"<{local_name(child)}> is not allowed in <skipHours>")
            continue
        text = text_of(child)
        if not values.is_integer(text) or int(text) > 23:
            checker.error("InvalidHour", child, f"hour must be a whole number from 0 to 23 (got {text!r})")
        elif text in hours:
            checker.error("DuplicateValue", child, f"hour {text} is listed twice")
        hours.add(text)
    if len(hours) > 24:
        checker.error("TooMany", element, "skipHours lists more than 24 hours")


def _skip_days(checker: Checker, element: etree._Element) -> None:
    days: set[str] = set()
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag != "day":
            checker.error("UndefinedElement", child, f"<{local_name(child)}> is not allowed in <skipDays>")
            continue
        text = text_of(child)
        if text not in _DAYS:
            checker.error("InvalidDay", child, f"day must be one of {', '.join(sorted(_DAYS))} (got {text!r})")
        elif text in days:
            checker.error("DuplicateValue", child, f"{text} is listed twice")
        days.add(text)
    if len(days) > 7:
        checker.error("EightDaysAWeek", element, "skipDays lists more than 7 days")


def _item(checker: Checker, element: etree._Element) -> None:
    check_children(checker, element, ITEM, None)
    check_single_extensions(checker, element)
    if element.find("title") is None and element.find("description") is None:
        checker.error(
            "ItemMustContainTitleOrDescription", element, "an <item> must contain a <title> or a <description>"
        )


IMAGE = {
    "url": Child(required=True, rule=full_uri),
    "title": Child(required=True, rule=plain_text),
    "link": Child(required=True, rule=full_uri),
    "width": _dimension(144, "InvalidWidth"),
    "height": _dimension(400, "InvalidHeight"),
    "description": Child(rule=plain_text),
}
TEXT_INPUT = {
    "title": Child(required=True, rule=plain_text),
    "description": Child(required=True, rule=plain_text),
    "name": Child(required=True, rule=_form_name),
    "link": Child(required=True, rule=full_uri),
}
ITEM = {
    "title": Child(rule=plain_text),
    "link": Child(rule=full_uri),
    "description": Child(rule=plain_text),
    "author": Child(rule=_contact),
    "category": Child(repeatable=True, rule=_category),
    "comments": Child(rule=full_uri),
    "enclosure": Child(rule=_enclosure),
    "guid": Child(rule=_guid),
    "pubDate": Child(rule=rfc822_date),
    "source": Child(rule=_source),
}
CHANNEL = {
    "title": Child(required=True, rule=plain_text, missing_code="MissingTitle"),
    "link": Child(required=True, rule=full_uri, missing_code="MissingLink"),
    "description": Child(required=True, rule=plain_text, missing_code="MissingDescription"),
    "language": Child(rule=language),
    "copyright": Child(rule=plain_text),
    "managingEditor": Child(rule=_contact),
    "webMaster": Child(rule=_contact),
    "pubDate": Child(rule=rfc822_date),
    "lastBuildDate": Child(rule=rfc822_date),
    "category": Child(repeatable=True, rule=_category),
    "generator": Child(rule=non_empty),
    "docs": Child(rule=full_uri),
    "cloud": Child(rule=_cloud),
    "ttl": Child(rule=_ttl),
    "image": Child(rule=_image),
    "rating": Child(rule=plain_text),
    "textInput": Child(rule=_text_input),
    "skipHours": Child(rule=_skip_hours),
    "skipDays": Child(rule=_skip_days),
    "item": Child(repeatable=True, rule=_item),
}


def validate_rss(checker: Checker, root: etree._Element) -> None:
    version = root.get("version")
    if version is None:
        checker.error("MissingAttribute", root, '<rss> needs version="2.0"')
    elif version not in ("2.0", "0.91", "0.92"):
        checker.warn("InvalidVersion", root, f"version {version!r} is not RSS 2.0")
    channels = [c for c in root if isinstance(c.tag, str) and c.tag == "channel"]
    for child in root:
        if isinstance(child.tag, str) and child.tag != "channel" and etree.QName(child).namespace is None:
            checker.error("UndefinedElement", child, f"<{child.tag}> is not allowed in <rss> (only <channel>)")
    if not channels:
        checker.error("MissingElement", root, "<rss> must contain a <channel> element")
        return
    if len(channels) > 1:
        checker.error("DuplicateElement", channels[1], "<rss> may contain only one <channel>")
    channel = channels[0]
    check_children(checker, channel, CHANNEL, None)
    check_single_extensions(checker, channel)
    _check_guids(checker, channel)
    _check_self_link(checker, channel)
    _check_content(checker, channel)


def _check_guids(checker: Checker, channel: etree._Element) -> None:
    seen: set[str] = set()
    for guid in channel.iterfind("item/guid"):
        text = text_of(guid)
        if text and text in seen:
            checker.error("DuplicateValue", guid, f"guid {text!r} is used by two items (readers would show only one)")
        seen.add(text)


def _check_self_link(checker: Checker, channel: etree._Element) -> None:
    links = [link for link in channel.iterfind(f"{{{ATOM}}}link") if link.get("rel") == "self"]
    if not links:
        checker.warn(
            "MissingAtomSelfLink", channel, 'no <atom:link rel="self">: readers cannot tell where this feed lives'
        )
    for link in channel.iterfind(f"{{{ATOM}}}link"):
        if link.get("href") is None:
            checker.error("MissingHref", link, "<atom:link> needs an href attribute")
        else:
            uri_attribute(checker, link, "href")


def _check_content(checker: Checker, channel: etree._Element) -> None:
    for encoded in channel.iterfind(f"item/{{{CONTENT}}}encoded"):
        if encoded.text and has_relative_links(encoded.text):
            checker.warn(
                "ContainsRelRef",
                encoded,
                "content has relative links; readers ignore xml:base and resolve them wrongly",
            )
