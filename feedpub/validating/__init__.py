"""Stage 5: check any RSS 2.0 or Atom 1.0 document against its spec.

Feeds are untrusted input. The parser never resolves entities, never loads a DTD, never
touches the network and refuses trees deeper or larger than libxml2's safe defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from feedpub.validating.atom import validate_atom
from feedpub.validating.common import ATOM, KNOWN_PREFIXES, check_xml_attributes
from feedpub.validating.extensions import PREFIXES as EXTENSION_PREFIXES
from feedpub.validating.extensions import check_extensions
from feedpub.validating.findings import Checker, Finding, Severity
from feedpub.validating.rss import validate_rss

__all__ = ["Finding", "Severity", "feed_files", "validate_bytes", "validate_paths"]

FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom"})
# Real feeds are kilobytes to a few megabytes; past this, refuse rather than spend the memory.
MAX_FEED_BYTES = 64 * 1024 * 1024
OBSOLETE_ATOM = "http://purl.org/atom/ns#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        recover=False,
        remove_blank_text=False,
        collect_ids=False,
    )


def validate_bytes(data: bytes, name: str = "<stdin>") -> tuple[Finding, ...]:
    """All findings for one document, in document order."""
    checker = Checker(name)
    if len(data) > MAX_FEED_BYTES:
        message = f"file is {len(data) / 1e6:.0f} MB; feeds over {MAX_FEED_BYTES // 2**20} MiB are refused, unread"
        checker.error("FileTooLarge", None, message)
        return tuple(checker.findings)
    if not data.strip():
        checker.error("EmptyDocument", None, "file is empty (expected an RSS or Atom document)")
        return tuple(checker.findings)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, None)
        message = str(exc.msg or exc).split(", line ")[0]
        code = "UnicodeError" if "encoding" in message.lower() or "utf" in message.lower() else "SAXError"
        checker.findings.append(
            Finding(name, Severity.ERROR, code, f"not well-formed XML: {message}", line or None, column or None)
        )
        return tuple(checker.findings)
    checker.prefixes = {**KNOWN_PREFIXES, **EXTENSION_PREFIXES, **{ns: p for p, ns in (root.nsmap or {}).items() if p}}
    if not _check_document(checker, root):
        return tuple(_with_columns(checker.findings, data))
    check_xml_attributes(checker, root)
    check_extensions(checker, root)
    _check_entities(checker, root)
    return tuple(_with_columns(checker.findings, data))


def _check_document(checker: Checker, root: etree._Element) -> bool:
    """Check the document as the format its root names; False when the root is plainly not a
    feed (an un-namespaced root other than rss or feed, such as an HTML page), so nothing more
    is worth checking."""
    qname = etree.QName(root)
    if qname.localname == "rss" and qname.namespace is None:
        validate_rss(checker, root)
    elif qname.namespace == ATOM and qname.localname in ("feed", "entry"):
        validate_atom(checker, root)
    elif qname.localname == "feed" and qname.namespace == OBSOLETE_ATOM:
        checker.error("ObsoleteNamespace", root, f"Atom 0.3 ({OBSOLETE_ATOM}) is obsolete (expected Atom 1.0, {ATOM})")
    elif qname.localname == "feed" and qname.namespace is None:
        checker.error("MissingNamespace", root, f'<feed> has no namespace (expected xmlns="{ATOM}")')
    elif qname.localname == "feed":
        checker.error("InvalidNamespace", root, f"<feed> is in namespace {qname.namespace!r} (expected {ATOM})")
    elif qname.localname == "RDF" and qname.namespace == RDF:
        checker.error("UnsupportedFormat", root, "this is RSS 1.0 (RDF); feedpub validates RSS 2.0 and Atom 1.0")
    else:
        checker.error("UndefinedElement", root, f"<{qname.localname}> is not a feed (expected <rss> or an Atom <feed>)")
        return qname.namespace is not None
    return True


def _check_entities(checker: Checker, root: etree._Element) -> None:
    """Entities are left unexpanded for safety; a feed that relies on them reads wrongly everywhere."""
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None and any(isinstance(e, etree._Entity) for e in root.iter(etree.Entity)):
        checker.error(
            "EntityReference",
            root,
            "the feed uses entities declared in a DTD; they are not expanded (safe parsers refuse them)",
        )
    elif any(True for _ in root.iter(etree.Entity)):
        checker.error(
            "UndefinedEntity",
            root,
            "the feed uses named entities XML does not define (only &amp; &lt; &gt; &quot; &apos;)",
        )


def _with_columns(findings: list[Finding], data: bytes) -> Iterator[Finding]:
    """lxml knows only an element's line: find the column of its start tag on that line."""
    lines: list[bytes] | None = None
    for finding in findings:
        if finding.line is None or finding.element is None or finding.column is not None:
            yield finding
            continue
        if lines is None:
            lines = data.splitlines()
        text = lines[finding.line - 1] if finding.line <= len(lines) else b""
        index = text.find(b"<" + finding.element.encode())
        if index < 0:
            index = text.find(b":" + finding.element.split(":")[-1].encode())
        yield Finding(
            finding.file,
            finding.level,
            finding.code,
            finding.message,
            finding.line,
            index + 1 if index >= 0 else 1,
            finding.element,
        )


def feed_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given; folders expanded to the *.xml, *.rss and *.atom files below them, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in FEED_SUFFIXES and p.is_file())
        else:
            yield path


def read_limited(stream: BinaryIO) -> bytes:
    """Read at most one byte past the size limit, so a huge input costs no more than that."""
    return stream.read(MAX_FEED_BYTES + 1)


def validate_paths(paths: Iterable[Path]) -> Iterator[tuple[Finding, ...]]:
    for path in feed_files(paths):
        with path.open("rb") as stream:
            yield validate_bytes(read_limited(stream), str(path))
