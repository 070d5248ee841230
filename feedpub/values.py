"""Value syntaxes the feed specs refer to: URIs, tag: and urn: ids, emails, MIME types, languages.

Each function answers a yes/no (or the code of what is wrong) so rules stay one line each.
The validator and the loader share them; they live outside the validator's package so that
checking an article does not import lxml and the validator's rules.
"""

from __future__ import annotations

import re
import urllib.parse

# RFC 3986 characters (plus '%' escapes); anything else must be percent-encoded in a URI.
_URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*\Z")
# IRIs (RFC 3987) also allow non-ASCII characters outside the private/control ranges.
_IRI_EXTRA = re.compile(r"[^\x00-\x7f]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(.*)\Z", re.DOTALL)
_TAG = re.compile(
    r"tag:(?:[A-Za-z0-9._\-]+@)?[A-Za-z0-9.\-]+,\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?"
    r":[A-Za-z0-9;/?:@&=+$.\-_!~*'()%,\[\]]*(?:#[A-Za-z0-9;/?:@&=+$.\-_!~*'()%,]*)?\Z"
)
# Compiled on first use (through re's cache): only urn: ids need them (~0.8 ms at every start).
_URN = r"urn:([A-Za-z0-9][A-Za-z0-9\-]{0,31}):(\S+)\Z"
_NSS = r"(?:[A-Za-z0-9()+,\-.:=@;$_!*'/?#]|%[0-9A-Fa-f]{2})+\Z"
_UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\Z"
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+\Z"
)
_TOKEN = r"[A-Za-z0-9!#$&^_.+\-]+"  # noqa: S105 - an RFC 2045 token, not a secret
_MIME = re.compile(rf"{_TOKEN}/{_TOKEN}(?:\s*;\s*{_TOKEN}=(?:{_TOKEN}|\"[^\"]*\"))*\Z")
_LANGUAGE = re.compile(r"(?:[A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\Z")


def uri_problem(text: str, *, iri: bool = True) -> str | None:
    """None when text is an absolute URI (or, with iri, an IRI); otherwise the W3C code of what is wrong."""
    if not text or text != text.strip():
        return "InvalidFullLink" if not text.strip() else "InvalidUriChar"
    match = _SCHEME.match(text)
    if not match:
        return "InvalidFullLink"
    scheme, rest = match.group(1).lower(), match.group(2)
    checked = _IRI_EXTRA.sub("", text)
    if not _URI_CHARS.match(checked) or re.search(r"%(?![0-9A-Fa-f]{2})", text):
        return "InvalidUriChar"
    if not iri and checked != text:
        return "UriNotIri"
    if scheme in ("http", "https", "ftp") and not re.match(r"//[^/?#\s]+", rest):
        return "InvalidFullLink"
    if scheme == "tag":
        return None if _TAG.match(text) else "InvalidTAG"
    if scheme == "urn":
        return urn_problem(text)
    if not rest:
        return "InvalidFullLink"
    return None


def urn_problem(text: str) -> str | None:
    match = re.match(_URN, text, re.IGNORECASE)
    if not match:
        return "InvalidURN"
    nid, nss = match.group(1).lower(), match.group(2)
    if nid == "uuid":
        return None if re.match(_UUID, nss) else "InvalidUUID"
    return None if re.match(_NSS, nss) else "InvalidNSS"


def is_relative_reference(text: str) -> bool:
    """A usable URI reference (relative or absolute): no spaces, valid characters."""
    checked = _IRI_EXTRA.sub("", text)
    return bool(text) and text == text.strip() and bool(_URI_CHARS.match(checked))


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(text))


def is_mime_type(text: str) -> bool:
    return bool(_MIME.match(text))


def is_language(text: str) -> bool:
    """RFC 3066 / BCP 47 shape: a primary subtag of 2-3 letters (or i / x), then subtags of 1-8."""
    if not _LANGUAGE.match(text):
        return False
    primary = text.split("-")[0]
    return len(primary) in (2, 3) or (primary.lower() in ("i", "x") and "-" in text)


def contact_email(text: str) -> bool:
    """RSS managingEditor/webMaster/author: 'email (Name)' or 'email', per the RSS 2.0 spec's examples.

    A mailto: URI (RFC 2368) is accepted too, as the RSS Best Practices Profile says.
    """
    if text.strip().lower().startswith("mailto:"):
        text = urllib.parse.unquote(text.strip()[7:])
    match = re.match(r"\s*([^\s()<>]+)(?:\s*\(([^()]*)\))?\s*\Z", text)
    if match:
        return is_email(match.group(1))
    named = re.match(r"\s*[^<>]*<([^<>]+)>\s*\Z", text)
    return bool(named) and is_email(named.group(1))  # type: ignore[union-attr]


def is_integer(text: str, *, minimum: int = 0) -> bool:
    return bool(re.fullmatch(r"\s*\+?\d+\s*", text)) and int(text) >= minimum


_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*(\s[^<>]*)?/?\s*>")
_ENTITY = r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);"  # compiled on first use: only extensions' text asks


def looks_like_markup(text: str) -> bool:
    """An HTML tag, opening or closing."""
    return bool(_MARKUP.search(text))


def looks_like_html(text: str) -> bool:
    """Markup a reader would render if it treated this as HTML (tags or entity references)."""
    return looks_like_markup(text) or bool(re.search(_ENTITY, text))
