"""Real clients over real HTTP: `publish.py serve` in a subprocess on a free loopback port."""

from __future__ import annotations

import gzip
import http.client
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from feedpub.cli import main
from tests.conftest import PROJECT, Writer, article

NOW = "2026-03-10T12:00:00Z"


def build(content: Path, out: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--content", str(content), "--out", str(out), "--now", NOW])
    assert result.exit_code == 0, result.output


@pytest.fixture
def site(content: Path, write: Writer) -> Path:
    write("technology/alpha.md", article("Alpha", "2026-03-01T09:00:00Z", body="Alpha [link](/a/) text."))
    write("technology/beta.md", article("Beta", "2026-03-02T09:00:00Z", summary="Beta in brief."))
    write("science/gamma.md", article("Gamma", "2026-03-03T09:00:00Z"))
    return content


@pytest.fixture
def feeds(site: Path, tmp_path: Path) -> Path:
    out = tmp_path / "feeds"
    build(site, out)
    return out


@pytest.fixture
def server(feeds: Path) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, str(PROJECT / "publish.py"), "serve", "--port", "0", "--out", str(feeds), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith(f"Serving {feeds} on http://127.0.0.1:"), line + (
            process.stderr.read() if process.stderr else ""
        )
        yield line.split(" on ")[1].split(" ")[0].rstrip("/")
    finally:
        process.terminate()
        process.communicate(timeout=10)  # also closes the pipes


def request(
    base: str, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    host = base.removeprefix("http://")
    connection = http.client.HTTPConnection(host, timeout=10)
    connection.request(method, path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


FEEDS = {
    "/rss.xml": "application/rss+xml; charset=utf-8",
    "/atom.xml": "application/atom+xml; charset=utf-8",
    "/technology/rss.xml": "application/rss+xml; charset=utf-8",
    "/technology/atom.xml": "application/atom+xml; charset=utf-8",
    "/science/rss.xml": "application/rss+xml; charset=utf-8",
    "/science/atom.xml": "application/atom+xml; charset=utf-8",
}


@pytest.mark.parametrize(("path", "media_type"), FEEDS.items())
def test_feedparser_fetches_every_feed_and_polls_cheaply(server: str, path: str, media_type: str) -> None:
    first = feedparser.parse(server + path)
    assert not first.bozo, first.get("bozo_exception")
    assert first.status == 200
    assert first.headers["content-type"] == media_type
    assert first.entries
    assert first.etag
    assert first.modified
    by_etag = feedparser.parse(server + path, etag=first.etag)
    assert by_etag.status == 304
    assert not by_etag.entries
    by_date = feedparser.parse(server + path, modified=first.modified)
    assert by_date.status == 304


def test_headers_head_and_gzip(server: str, feeds: Path) -> None:
    response, body = request(server, "/technology/atom.xml")
    assert response.status == 200
    assert body == (feeds / "technology" / "atom.xml").read_bytes()
    assert response.getheader("ETag", "").startswith('"')
    assert response.getheader("Last-Modified", "").endswith(" GMT")
    assert response.getheader("Vary") == "Accept-Encoding"
    assert response.getheader("Content-Length") == str(len(body))
    head, head_body = request(server, "/technology/atom.xml", "HEAD")
    assert (head.status, head_body) == (200, b"")
    assert head.getheader("Content-Length") == str(len(body))
    zipped, zipped_body = request(server, "/technology/atom.xml", headers={"Accept-Encoding": "br, gzip;q=0.8"})
    assert zipped.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(zipped_body) == body
    assert zipped.getheader("ETag") != response.getheader("ETag")
    refused, refused_body = request(server, "/technology/atom.xml", headers={"Accept-Encoding": "gzip;q=0"})
    assert refused.getheader("Content-Encoding") is None
    assert refused_body == body
    # Either variant's tag validates: the content is the same.
    not_modified, _ = request(server, "/technology/atom.xml", headers={"If-None-Match": zipped.getheader("ETag", "")})
    assert not_modified.status == 304


def test_conditional_get_edge_cases(server: str) -> None:
    response, _ = request(server, "/rss.xml")
    etag, modified = response.getheader("ETag", ""), response.getheader("Last-Modified", "")
    assert request(server, "/rss.xml", headers={"If-None-Match": f'"other", W/{etag}'})[0].status == 304
    assert request(server, "/rss.xml", headers={"If-None-Match": "*"})[0].status == 304
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    assert (
        request(server, "/rss.xml", headers={"If-None-Match": '"other"', "If-Modified-Since": modified})[0].status
        == 200
    )
    assert request(server, "/rss.xml", headers={"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"})[0].status == 200
    assert request(server, "/rss.xml", headers={"If-Modified-Since": "not a date"})[0].status == 200


def test_index_page_has_autodiscovery_links(server: str) -> None:
    response, body = request(server, "/")
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    page = body.decode()
    assert page.count('<link rel="alternate" type="application/rss+xml"') == 3
    assert page.count('<link rel="alternate" type="application/atom+xml"') == 3
    assert 'href="https://gazette.example.org/feeds/technology/atom.xml"' in page
    found = feedparser.parse(server + "/")  # a reader given the page finds the feed through the links
    assert found.bozo or found.version == ""


@pytest.mark.parametrize(
    "path",
    [
        "/missing.xml",
        "/../secret",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/technology/../../x",
        "/technology/",
        "/technology",
        "/.hidden",
        "/rss.xml%00.txt",
        "/%ff",
        "//etc/passwd",
        "/technology/..%2fatom.xml",
    ],
)
def test_unknown_and_hostile_paths_are_404(server: str, path: str) -> None:
    response, body = request(server, path)
    assert response.status == 404
    assert body == b"Not found.\n"
    assert response.getheader("Content-Type") == "text/plain; charset=utf-8"


def test_bad_requests_get_4xx_not_tracebacks(server: str) -> None:
    assert request(server, "/rss.xml", "POST")[0].status == 405
    assert request(server, "/rss.xml", "DELETE")[0].getheader("Allow") == "GET, HEAD"
    assert request(server, "/rss.xml", headers={"X-Huge": "x" * 70_000})[0].status == 431
    assert request(server, "/" + "a" * 70_000)[0].status == 414


def test_rebuilds_are_served_without_restart(server: str, site: Path, feeds: Path) -> None:
    first, _ = request(server, "/science/atom.xml")
    (site / "science" / "delta.md").write_text(article("Delta", "2026-03-04T09:00:00Z"), encoding="utf-8")
    build(site, feeds)
    second, body = request(server, "/science/atom.xml", headers={"If-None-Match": first.getheader("ETag", "")})
    assert second.status == 200
    assert b"<title>Delta</title>" in body


def test_reader_subscribes_and_sees_each_article_once(server: str, site: Path, feeds: Path, tmp_path: Path) -> None:
    reader_module = pytest.importorskip("reader")
    reader = reader_module.make_reader(str(tmp_path / "reader.sqlite"))
    url = server + "/technology/atom.xml"
    reader.add_feed(url)
    [first] = list(reader.update_feeds_iter(scheduled=False))
    assert (first.value.new, first.value.modified) == (2, 0)
    entries = {e.title: e for e in reader.get_entries(feed=url)}
    assert set(entries) == {"Alpha", "Beta"}
    alpha = entries["Alpha"]
    assert alpha.id == "tag:gazette.example.org,2026-03-01:technology/alpha"
    assert alpha.link == "https://gazette.example.org/technology/alpha/"
    assert alpha.published == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert '<a href="https://gazette.example.org/a/">link</a>' in alpha.content[0].value
    assert entries["Beta"].summary == "Beta in brief."

    (site / "technology" / "gamma2.md").write_text(article("Gamma Two", "2026-03-05T09:00:00Z"), encoding="utf-8")
    (site / "technology" / "alpha.md").write_text(
        article("Alpha", "2026-03-01T09:00:00Z", body="Alpha, corrected.", updated="2026-03-06T09:00:00Z"),
        encoding="utf-8",
    )
    build(site, feeds)
    [second] = list(reader.update_feeds_iter(scheduled=False))
    assert (second.value.new, second.value.modified) == (1, 1)
    after = list(reader.get_entries(feed=url))
    assert sorted(e.title for e in after) == ["Alpha", "Beta", "Gamma Two"]  # no duplicates: stable ids
    alpha = next(e for e in after if e.title == "Alpha")
    assert alpha.updated == datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    assert "corrected" in alpha.content[0].value
    [third] = list(reader.update_feeds_iter(scheduled=False))
    assert third.value is None or (third.value.new, third.value.modified) == (0, 0)  # 304: nothing to do
    reader.close()
