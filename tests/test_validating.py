"""The validator, rule by rule, on small hand-written feeds; plus its safety on hostile XML."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import main
from feedpub.validating import Severity, validate_bytes

RSS_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n'
)
RSS_CHANNEL = (
    "<title>T</title><link>https://example.org/</link><description>D</description>\n"
    '<atom:link href="https://example.org/rss.xml" rel="self" type="application/rss+xml"/>\n'
)
ATOM_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
ATOM_FEED = (
    "<title>T</title><id>urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6</id><updated>2026-01-01T00:00:00Z</updated>\n"
    '<author><name>A</name></author><link rel="self" href="https://example.org/atom.xml"/>\n'
)
ATOM_ENTRY = (
    "<entry><title>E</title><id>tag:example.org,2026:1</id><updated>2026-01-01T00:00:00Z</updated>"
    '<link href="https://example.org/1"/>{}</entry>\n'
)


def rss(channel_extra: str = "", *, channel: str = RSS_CHANNEL) -> bytes:
    return (RSS_HEAD + channel + channel_extra + "</channel>\n</rss>\n").encode()


def atom(extra: str = "", *, feed: str = ATOM_FEED) -> bytes:
    return (ATOM_HEAD + feed + extra + "</feed>\n").encode()


def codes(data: bytes, level: Severity = Severity.ERROR) -> list[str]:
    return [f.code for f in validate_bytes(data) if f.level is level]


def test_minimal_valid_feeds_have_no_findings() -> None:
    assert validate_bytes(rss("<item><title>I</title><guid>https://example.org/1</guid></item>")) == ()
    assert validate_bytes(atom(ATOM_ENTRY.format(""))) == ()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("<pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate>", []),
        ("<pubDate>2003-06-10T04:00:00Z</pubDate>", ["InvalidRFC2822Date"]),
        ("<pubDate>Wed, 10 Jun 2003 04:00:00 GMT</pubDate>", ["IncorrectDOW"]),
        ("<pubDate>Tue, 31 Jun 2003 04:00:00 GMT</pubDate>", ["InvalidRFC2822Date"]),
        ("<lastBuildDate>10 Jun 2003 04:00 +0200</lastBuildDate>", []),
        ("<language>en-us</language>", []),
        ("<language>english</language>", ["InvalidLanguage"]),
        ("<ttl>60</ttl>", []),
        ("<ttl>an hour</ttl>", ["InvalidInteger"]),
        ("<managingEditor>ed@example.org (Ed)</managingEditor>", []),
        ("<managingEditor>Ed</managingEditor>", ["InvalidContact"]),
        ("<docs>not a url</docs>", ["InvalidFullLink"]),
        ("<title>Again</title>", ["DuplicateElement"]),
        ("<colour>red</colour>", ["UndefinedElement"]),
        (
            "<image><url>https://example.org/i.png</url><title>I</title><link>https://example.org/</link><width>200</width></image>",
            ["InvalidWidth"],
        ),
        ("<image><url>https://example.org/i.png</url><title>I</title></image>", ["MissingElement"]),
        ("<skipHours><hour>24</hour></skipHours>", ["InvalidHour"]),
        ("<skipDays><day>Funday</day></skipDays>", ["InvalidDay"]),
        ("<cloud domain='rpc.example.org' port='80' path='/RPC2' registerProcedure='p' protocol='xml-rpc'/>", []),
        ("<cloud domain='rpc.example.org'/>", ["MissingAttribute"] * 4),
    ],
)
def test_rss_channel_rules(extra: str, expected: list[str]) -> None:
    assert codes(rss(extra)) == expected


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("<link>https://example.org/</link>", ["ItemMustContainTitleOrDescription"]),
        ("<title>I</title><guid>not a url</guid>", ["InvalidHttpGUID"]),
        ("<title>I</title><guid isPermaLink='false'>anything at all</guid>", []),
        ("<title>I</title><guid isPermaLink='maybe'>x</guid>", ["InvalidBooleanAttribute"]),
        (
            "<title>I</title><guid isPermaLink='true'>urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6</guid>",
            ["InvalidPermalink"],
        ),
        ("<title>I</title><enclosure url='https://example.org/a.mp3' length='12' type='audio/mpeg'/>", []),
        (
            "<title>I</title><enclosure url='https://example.org/a.mp3' length='big' type='audio'/>",
            ["InvalidIntegerAttribute", "InvalidMIMEType"],
        ),
        ("<title>I</title><author>someone</author>", ["InvalidContact"]),
        ("<title>I</title><source>no url</source>", ["MissingAttribute"]),
    ],
)
def test_rss_item_rules(item: str, expected: list[str]) -> None:
    assert codes(rss(f"<item>{item}</item>")) == expected


def test_rss_required_channel_elements() -> None:
    assert codes(rss(channel="")) == ["MissingTitle", "MissingLink", "MissingDescription"]


def test_rss_duplicate_guids() -> None:
    item = "<item><title>I</title><guid>https://example.org/1</guid></item>"
    assert codes(rss(item + item)) == ["DuplicateValue"]


def test_rss_warnings_for_missing_self_and_relative_links() -> None:
    data = rss(
        '<item><title>I</title><content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        '&lt;a href="/x"&gt;x&lt;/a&gt;</content:encoded></item>',
        channel="<title>T</title><link>https://example.org/</link><description>D</description>",
    )
    assert codes(data) == []
    assert codes(data, Severity.WARNING) == ["MissingAtomSelfLink", "ContainsRelRef"]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("<updated>2026-01-01T00:00:00Z</updated>", ["DuplicateElement"]),
        ("<icon>https://example.org/i.png</icon>", []),
        ("<logo>a b</logo>", ["InvalidUriChar"]),
        ("<subtitle type='html'>&lt;b&gt;x&lt;/b&gt;</subtitle>", []),
        ("<subtitle type='markdown'>x</subtitle>", ["InvalidTextType"]),
        ("<subtitle type='xhtml'>no div</subtitle>", ["MissingXhtmlDiv"]),
        ("<rights type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>ok <b>bold</b></div></rights>", []),
        (
            "<link href='https://example.org/' hreflang='en'/><link href='https://example.org/2' hreflang='en'/>",
            ["DuplicateAtomLink"],
        ),
        ("<link href='https://example.org/' type='html'/>", ["InvalidMIMEType"]),
        ("<link rel='alternate'/>", ["MissingHref"]),
        ("<category scheme='https://example.org/s'/>", ["MissingAttribute"]),
        ("<contributor><email>x@example.org</email></contributor>", ["MissingElement"]),
        ("<contributor><name>N</name><email>not-mail</email></contributor>", ["InvalidAddrSpec"]),
        ("<generator uri='https://example.org/gen' version='1'>Gen</generator>", []),
        ("<foo/>", ["UndefinedElement"]),
    ],
)
def test_atom_feed_rules(extra: str, expected: list[str]) -> None:
    assert codes(atom(extra)) == expected


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("<published>2026-01-01T00:00:00+02:00</published>", []),
        ("<published>2026-01-01 00:00:00Z</published>", ["InvalidRFC3339Date"]),
        ("<published>2026-01-01T00:00:00</published>", ["InvalidRFC3339Date"]),
        ("<published>2026-02-30T00:00:00Z</published>", ["InvalidRFC3339Date"]),
        ("<content type='html'>&lt;p&gt;x&lt;/p&gt;</content>", []),
        ("<content type='xhtml'><p xmlns='http://www.w3.org/1999/xhtml'>x</p></content>", ["MissingXhtmlDiv"]),
        ("<content src='https://example.org/a.pdf' type='application/pdf'/>", ["MissingSummary"]),
        ("<content type='image/png'>not base64!</content>", ["NotBase64", "MissingSummary"]),
        ("<content type='html'><b>raw</b></content>", ["UndefinedElement"]),
        ("<summary>Plain</summary><summary>Twice</summary>", ["DuplicateElement"]),
    ],
)
def test_atom_entry_rules(extra: str, expected: list[str]) -> None:
    assert codes(atom(ATOM_ENTRY.format(extra))) == expected


def test_atom_entry_needs_content_or_alternate_and_an_author() -> None:
    entry = "<entry><title>E</title><id>tag:example.org,2026:1</id><updated>2026-01-01T00:00:00Z</updated></entry>"
    feed = ATOM_FEED.replace("<author><name>A</name></author>", "")
    assert codes(atom(entry, feed=feed)) == ["MissingContentOrAlternate", "MissingElement"]


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("tag:example.org,2026-01-01:entry/1", []),
        ("tag:example.org,26:entry", ["InvalidTAG"]),
        ("urn:uuid:not-a-uuid", ["InvalidUUID"]),
        ("https://example.org/1", []),
        ("/relative/1", ["InvalidFullLink"]),
        ("https://example.org/a b", ["InvalidUriChar"]),
    ],
)
def test_atom_ids_must_be_absolute_iris(identifier: str, expected: list[str]) -> None:
    feed = ATOM_FEED.replace("urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6", identifier)
    assert codes(atom(feed=feed)) == expected


def test_atom_missing_self_link_and_text_that_looks_like_html_are_warnings() -> None:
    feed = ATOM_FEED.replace('<link rel="self" href="https://example.org/atom.xml"/>', "")
    feed = feed.replace("<title>T</title>", "<title>&lt;b&gt;T&lt;/b&gt;</title>")
    assert codes(atom(feed=feed)) == []
    assert codes(atom(feed=feed), Severity.WARNING) == ["ContainsUndeclaredHTML", "MissingSelf"]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (b"", "EmptyDocument"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "SAXError"),
        (b"<html><body>Not a feed</body></html>", "UndefinedElement"),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "UnsupportedFormat"),
        (b'<feed xmlns="http://purl.org/atom/ns#"/>', "ObsoleteNamespace"),
        (b"<feed/>", "MissingNamespace"),
        (b"<rss version='2.0'><channel><title>T</title>", "SAXError"),
    ],
)
def test_documents_that_are_not_feeds(document: bytes, expected: str) -> None:
    findings = validate_bytes(document, "x.xml")
    assert findings[0].code == expected
    assert findings[0].level is Severity.ERROR


def test_parse_errors_carry_line_and_column() -> None:
    [finding] = validate_bytes(b"<rss version='2.0'>\n<channel>\n<title>T</titel>\n</channel></rss>")
    assert (finding.code, finding.line) == ("SAXError", 3)
    assert finding.column is not None


def test_element_findings_carry_line_and_column() -> None:
    [finding] = validate_bytes(rss("\n  <ttl>soon</ttl>"))
    assert (finding.line, finding.column, finding.element) == (
        7,
        3,
        "ttl",
    )  # head 3 lines, channel 2, then a line break


# --- safety -------------------------------------------------------------------------------------


def test_external_entity_is_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    document = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        "<rss version='2.0'><channel><title>&xxe;</title><link>https://example.org/</link>"
        "<description>D</description></channel></rss>"
    ).encode()
    findings = validate_bytes(document)
    assert "TOP-SECRET-VALUE" not in repr(findings)
    assert "EntityReference" in [f.code for f in findings]


def test_network_entity_is_not_fetched() -> None:
    document = (
        b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://127.0.0.1:9/never.dtd" '
        b'[<!ENTITY net SYSTEM "http://127.0.0.1:9/x">]>'
        b"<rss version='2.0'><channel><title>&net;</title></channel></rss>"
    )
    started = time.perf_counter()
    findings = validate_bytes(document)
    assert time.perf_counter() - started < 2
    assert any(f.level is Severity.ERROR for f in findings)


def test_billion_laughs_is_refused_quickly() -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    document = f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss version="2.0"><channel><title>&lol9;</title></channel></rss>'
    started = time.perf_counter()
    findings = validate_bytes(document.encode())
    assert time.perf_counter() - started < 1
    assert any(f.level is Severity.ERROR for f in findings)
    assert "lollollol" not in repr(findings)


def test_deep_nesting_is_refused() -> None:
    document = "<rss version='2.0'><channel>" + "<x>" * 10_000 + "</x>" * 10_000 + "</channel></rss>"
    findings = validate_bytes(document.encode())
    assert findings[0].code == "SAXError"


# --- the command ----------------------------------------------------------------------------------


@pytest.fixture
def feed_dir(tmp_path: Path) -> Path:
    (tmp_path / "good.xml").write_bytes(atom(ATOM_ENTRY.format("")))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.rss").write_bytes(rss("<ttl>soon</ttl>"))
    (tmp_path / "notes.txt").write_text("not a feed", encoding="utf-8")
    return tmp_path


def test_validate_text_output_and_exit_code(feed_dir: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(feed_dir)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert (
        lines[0]
        == f"{feed_dir / 'sub' / 'bad.rss'}:6:1: error InvalidInteger: ttl 'soon' must be a whole number of minutes"
    )
    assert lines[-1] == "2 file(s) checked: 1 error(s), 0 warning(s)"


def test_validate_json_output(feed_dir: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(feed_dir)])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["summary"] == {"files": 2, "errors": 1, "warnings": 0}
    [finding] = report["findings"]
    assert finding["file"] == str(feed_dir / "sub" / "bad.rss")
    assert (finding["level"], finding["code"], finding["line"], finding["column"]) == ("error", "InvalidInteger", 6, 1)


def test_validate_github_annotations(feed_dir: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--format", "github", str(feed_dir / "sub" / "bad.rss")])
    assert result.exit_code == 1
    assert result.output == (
        f"::error file={feed_dir / 'sub' / 'bad.rss'},line=6,col=1,title=InvalidInteger"
        "::ttl 'soon' must be a whole number of minutes\n"
    )


def test_validate_stdin_and_strict(feed_dir: Path) -> None:
    no_self = atom(feed=ATOM_FEED.replace('<link rel="self" href="https://example.org/atom.xml"/>', ""))
    runner = CliRunner()
    assert runner.invoke(main, ["validate", "-"], input=no_self).exit_code == 0
    strict = runner.invoke(main, ["validate", "--strict", "-"], input=no_self)
    assert strict.exit_code == 1
    assert strict.output.startswith("<stdin>:2:1: warning MissingSelf:")


def test_validate_unreadable_path_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "missing.xml")])
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_validate_folder_without_feeds_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no feeds here", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path}: no *.xml, *.rss or *.atom files in this folder" in result.output


def test_a_child_named_like_the_root_does_not_cut_the_checks_short() -> None:
    entity_feed = rss("<rss/>").replace(b'<?xml version="1.0" encoding="utf-8"?>\n', b"")
    document = b'<!DOCTYPE rss [<!ENTITY e "x">]>' + entity_feed.replace(b"<title>T</title>", b"<title>&e;</title>")
    assert codes(document) == ["UndefinedElement", "EntityReference"]
