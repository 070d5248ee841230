"""Built feeds parsed back with lxml and feedparser, every field checked against hand-written values.

Expected values come from the content files written in this module and from the specs
(RSS 2.0, RFC 4287, RFC 822/3339), never from an earlier run of the program.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from lxml import etree

from feedpub.cli import main
from feedpub.planning import FeedDocument
from feedpub.validating import validate_bytes
from tests.conftest import PROJECT, Writer, article, files_under, run_fresh_python

NOW = "2026-03-10T12:00:00Z"
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
MEDIA = "{http://search.yahoo.com/mrss/}"
SITE = "https://gazette.example.org"
ALPHA_ID = "tag:gazette.example.org,2026-03-01:technology/alpha"

ALPHA = """\
---
title: "Alpha & <Omega> ]]> end"
date: 2026-03-01T09:00:00+00:00
updated: 2026-03-05T10:00:00Z
summary: The standfirst of alpha.
authors:
  - {name: Ada Lovelace, email: ada@example.org}
  - Charles Babbage
  - {name: Mary Somerville, email: mary@example.org}
tags: [engines, history]
image: {url: /img/engine.png, alt: The engine, caption: Drawing from 1840}
---

Read [the notes](notes/) first.

<script>alert("x")</script>

## Part two

More text.
"""


@pytest.fixture
def site(content: Path, write: Writer) -> Path:
    write("technology/alpha.md", ALPHA)
    write("technology/beta.md", article("Beta", "2026-03-02T08:00:00Z", body="Beta first paragraph.\n\nBeta second."))
    write("technology/delta.md", article("Delta", "2026-02-01T08:00:00Z"))
    write("science/gamma.md", article("Gamma", "2026-03-03T12:00:00+01:00"))
    write("science/draft.md", article("Draft", "2026-03-01", draft="true"))
    write("science/future.md", article("Future", "2026-04-01"))
    return content


def build(content: Path, out: Path, *extra: str) -> None:
    result = CliRunner().invoke(
        main, ["build", "--content", str(content), "--out", str(out), "--now", NOW, *extra], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output


@pytest.fixture
def feeds(site: Path, tmp_path: Path) -> Path:
    out = tmp_path / "feeds"
    build(site, out)
    return out


def parse(path: Path) -> etree._Element:
    return etree.fromstring(path.read_bytes())


def test_every_feed_is_written_and_valid(feeds: Path) -> None:
    files = sorted(str(p.relative_to(feeds)) for p in feeds.rglob("*.xml"))
    assert files == [
        "atom.xml",
        "rss.xml",
        "science/atom.xml",
        "science/rss.xml",
        "technology/atom.xml",
        "technology/rss.xml",
    ]
    for path in feeds.rglob("*.xml"):
        findings = validate_bytes(path.read_bytes(), str(path))
        # The only remark: a text title that looks like markup (it is text, as Atom says; the
        # validator warns because some readers render titles as HTML).
        assert {(f.level.value, f.code) for f in findings} <= {("warning", "ContainsUndeclaredHTML")}
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))


def test_atom_feed_level(feeds: Path) -> None:
    feed = parse(feeds / "technology" / "atom.xml")
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == f"{SITE}/technology/"
    assert feed.findtext(f"{ATOM}title") == "Technology | Test Gazette"
    assert feed.findtext(f"{ATOM}subtitle") == "Technology stories"
    # The newest change among the entries (alpha's update), never the build time.
    assert feed.findtext(f"{ATOM}updated") == "2026-03-05T10:00:00Z"
    links = {link.get("rel"): link for link in feed.findall(f"{ATOM}link")}
    assert links["self"].get("href") == f"{SITE}/feeds/technology/atom.xml"
    assert links["self"].get("type") == "application/atom+xml"
    assert links["alternate"].get("href") == f"{SITE}/technology/"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
    assert feed.findtext(f"{ATOM}rights") == "© Test Gazette"
    assert feed.find(f"{ATOM}generator").text == "feedpub"  # type: ignore[union-attr]


def test_atom_entries(feeds: Path) -> None:
    feed = parse(feeds / "technology" / "atom.xml")
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Beta", "Alpha & <Omega> ]]> end", "Delta"]
    alpha = entries[1]
    assert alpha.findtext(f"{ATOM}id") == ALPHA_ID
    assert alpha.findtext(f"{ATOM}published") == "2026-03-01T09:00:00Z"
    assert alpha.findtext(f"{ATOM}updated") == "2026-03-05T10:00:00Z"
    assert alpha.find(f"{ATOM}link").get("href") == f"{SITE}/technology/alpha/"  # type: ignore[union-attr]
    assert alpha.findtext(f"{ATOM}summary") == "The standfirst of alpha."
    content = alpha.find(f"{ATOM}content")
    assert content is not None
    assert content.get("type") == "html"
    html = content.text or ""
    assert f'<a href="{SITE}/technology/alpha/notes/">the notes</a>' in html
    assert "<script" not in html
    assert "alert" not in html
    assert "<h2>Part two</h2>" in html
    authors = [(a.findtext(f"{ATOM}name"), a.findtext(f"{ATOM}email")) for a in alpha.findall(f"{ATOM}author")]
    assert authors == [
        ("Ada Lovelace", "ada@example.org"),
        ("Charles Babbage", None),
        ("Mary Somerville", "mary@example.org"),
    ]
    categories = [(c.get("term"), c.get("label")) for c in alpha.findall(f"{ATOM}category")]
    assert categories == [("technology", "Technology"), ("engines", None), ("history", None)]
    enclosure = [link for link in alpha.findall(f"{ATOM}link") if link.get("rel") == "enclosure"]
    assert [(e.get("href"), e.get("type")) for e in enclosure] == [(f"{SITE}/img/engine.png", "image/png")]
    media = alpha.find(f"{MEDIA}content")
    assert media is not None
    assert media.get("url") == f"{SITE}/img/engine.png"
    assert media.findtext(f"{MEDIA}title") == "The engine"
    assert media.findtext(f"{MEDIA}description") == "Drawing from 1840"
    # Derived summary: the first paragraph as plain text, not the whole body.
    assert entries[0].findtext(f"{ATOM}summary") == "Beta first paragraph."


def test_rss_channel_and_items(feeds: Path) -> None:
    rss = parse(feeds / "technology" / "rss.xml")
    assert rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel is not None
    assert channel.findtext("title") == "Technology | Test Gazette"
    assert channel.findtext("link") == f"{SITE}/technology/"
    assert channel.findtext("description") == "Technology stories"
    self_link = channel.find(f"{ATOM}link")
    assert self_link is not None
    assert (self_link.get("rel"), self_link.get("href"), self_link.get("type")) == (
        "self",
        f"{SITE}/feeds/technology/rss.xml",
        "application/rss+xml",
    )
    assert channel.findtext("language") == "en-GB"
    assert channel.findtext("lastBuildDate") == "Thu, 05 Mar 2026 10:00:00 +0000"
    items = channel.findall("item")
    alpha = items[1]
    guid = alpha.find("guid")
    assert guid is not None
    assert (guid.text, guid.get("isPermaLink")) == (ALPHA_ID, "false")
    assert alpha.findtext("link") == f"{SITE}/technology/alpha/"
    assert alpha.findtext("pubDate") == "Sun, 01 Mar 2026 09:00:00 +0000"
    assert alpha.findtext("description") == "The standfirst of alpha."
    assert "the notes</a>" in (alpha.findtext(f"{CONTENT}encoded") or "")
    assert [c.text for c in alpha.findall(f"{DC}creator")] == ["Ada Lovelace", "Charles Babbage", "Mary Somerville"]
    # RSS allows one <author>, an email address: the first author who has one.
    assert [a.text for a in alpha.findall("author")] == ["ada@example.org (Ada Lovelace)"]
    assert [c.text for c in alpha.findall("category")] == ["Technology", "engines", "history"]


def test_site_feed_window_drafts_and_schedule(feeds: Path) -> None:
    site_feed = feedparser.parse((feeds / "atom.xml").read_bytes())
    # feed_items is 3: the newest three published; draft and future articles never appear.
    assert [e.title for e in site_feed.entries] == ["Gamma", "Beta", "Alpha & <Omega> ]]> end"]
    science = feedparser.parse((feeds / "science" / "rss.xml").read_bytes())
    assert [e.title for e in science.entries] == ["Gamma"]
    gamma = science.entries[0]
    assert datetime(*gamma.published_parsed[:6], tzinfo=UTC) == datetime(2026, 3, 3, 11, 0, tzinfo=UTC)


def test_ids_are_the_same_in_section_and_site_feeds(feeds: Path) -> None:
    def ids(path: Path) -> dict[str, str]:
        return {e.title: e.id for e in feedparser.parse(path.read_bytes()).entries}

    site_ids = ids(feeds / "atom.xml")
    assert site_ids["Alpha & <Omega> ]]> end"] == ALPHA_ID
    for name in ("technology/atom.xml", "technology/rss.xml", "rss.xml"):
        for title, entry_id in ids(feeds / name).items():
            if title in site_ids:
                assert site_ids[title] == entry_id


def test_ids_survive_a_title_and_url_pattern_change(site: Path, tmp_path: Path) -> None:
    alpha = site / "technology" / "alpha.md"
    alpha.write_text(ALPHA.replace('"Alpha & <Omega> ]]> end"', "A new headline"), encoding="utf-8")
    index = site / "_index.md"
    index.write_text(index.read_text().replace("feed_items: 3", "permalink: '{base_url}/{year}/{slug}.html'"))
    out = tmp_path / "moved"
    build(site, out)
    entry = next(e for e in feedparser.parse((out / "atom.xml").read_bytes()).entries if e.title == "A new headline")
    assert entry.id == ALPHA_ID
    assert entry.link == f"{SITE}/2026/alpha.html"


def test_same_content_gives_identical_bytes_even_with_another_hash_seed(site: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    build(site, first)
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [
            sys.executable,
            str(PROJECT / "publish.py"),
            "build",
            "--content",
            str(site),
            "--out",
            str(second),
            "--now",
            NOW,
        ],
        check=True,
        env=environment,
        capture_output=True,
    )
    for path in first.rglob("*.xml"):
        assert path.read_bytes() == (second / path.relative_to(first)).read_bytes()


def test_unchanged_files_are_not_rewritten(site: Path, feeds: Path) -> None:
    old = time.time() - 3600
    for path in feeds.rglob("*.xml"):
        os.utime(path, (old, old))
    (site / "science" / "gamma.md").write_text(article("Gamma", "2026-03-03T12:00:00+01:00", body="Edited."))
    build(site, feeds)
    touched = {str(p.relative_to(feeds)) for p in feeds.rglob("*.xml") if p.stat().st_mtime > old + 1}
    assert touched == {"atom.xml", "rss.xml", "science/atom.xml", "science/rss.xml"}
    assert not list(feeds.rglob("*.tmp"))


def test_check_reports_stale_feeds_and_writes_nothing(site: Path, feeds: Path) -> None:
    runner = CliRunner()
    arguments = ["build", "--check", "--content", str(site), "--out", str(feeds), "--now", NOW]
    assert runner.invoke(main, arguments).exit_code == 0
    before = {p: p.read_bytes() for p in feeds.rglob("*.xml")}
    (site / "science" / "new.md").write_text(article("New", "2026-03-09"), encoding="utf-8")
    result = runner.invoke(main, arguments)
    assert result.exit_code == 1
    assert "science/atom.xml: out of date" in result.output
    assert {p: p.read_bytes() for p in feeds.rglob("*.xml")} == before


def test_invalid_content_leaves_the_old_feeds_intact(site: Path, feeds: Path) -> None:
    before = {p: p.read_bytes() for p in feeds.rglob("*.xml")}
    (site / "science" / "new.md").write_text(article("New", "2026-03-09"), encoding="utf-8")
    (site / "science" / "broken.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--content", str(site), "--out", str(feeds), "--now", NOW])
    assert result.exit_code == 1
    # libyaml notices the unclosed list at the end of the frontmatter: the closing '---' line.
    assert "broken.md:3: malformed YAML" in result.output
    assert "nothing was written" in result.output
    assert {p: p.read_bytes() for p in feeds.rglob("*.xml")} == before


def test_empty_section_still_gets_valid_feeds(content: Path, tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    build(content, out)
    science = parse(out / "science" / "atom.xml")
    assert science.findall(f"{ATOM}entry") == []
    assert science.findtext(f"{ATOM}updated") == "1970-01-01T00:00:00Z"
    for path in out.rglob("*.xml"):
        assert not [f for f in validate_bytes(path.read_bytes()) if f.level.value == "error"]


def test_a_feed_failing_validation_after_others_were_staged_writes_nothing(
    site: Path, feeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Feeds are staged as soon as they are ready; one failing validation after that (the
    site feed, built after the sections') must still leave every old feed as it was and no
    temporary file behind."""
    from feedpub import pipeline, writing

    real_errors, real_add = pipeline.validation_errors, writing.Staging.add
    staged: list[str] = []

    def site_feed_fails(documents: Iterable[FeedDocument]) -> list[str]:
        documents = list(documents)
        if any(d.relpath == "rss.xml" for d in documents):
            return ["rss.xml:1: Broken: made to fail"]
        return real_errors(documents)

    def add(self: writing.Staging, document: FeedDocument) -> None:
        staged.append(document.relpath)
        real_add(self, document)

    monkeypatch.setattr(pipeline, "validation_errors", site_feed_fails)
    monkeypatch.setattr(writing.Staging, "add", add)
    before = files_under(feeds)
    (site / "science" / "new.md").write_text(article("New", "2026-03-09"), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--content", str(site), "--out", str(feeds), "--now", NOW])
    assert result.exit_code == 1
    assert "rss.xml:1: Broken: made to fail" in result.output
    assert staged == ["science/rss.xml", "science/atom.xml"]  # ready, and staged, before the failure
    assert files_under(feeds) == before


def test_feeds_failing_validation_are_refused(site: Path, tmp_path: Path) -> None:
    from feedpub import pipeline
    from feedpub.planning import FeedDocument

    broken = FeedDocument(
        "rss.xml", b"<rss version='2.0'><channel><title>T</title></channel></rss>", "application/rss+xml"
    )
    assert pipeline.validation_errors([broken]) == [
        "rss.xml:1: MissingLink: <channel> must contain a <link> element",
        "rss.xml:1: MissingDescription: <channel> must contain a <description> element",
    ]


def test_feeds_put_together_from_entries_are_feedgens_whole_feed_byte_for_byte(site: Path) -> None:
    """Entries are cut from feedgen's output and reused (the site feed reuses the sections'
    entries); the feed put back together must be exactly what feedgen writes for the whole feed."""
    from feedpub.building import build_feed
    from feedpub.loading import load_content
    from feedpub.planning import newest_update, plan_feeds

    content, _ = load_content(site)
    titles = {section.name: section.title for section in content.sections}
    site_plan, *section_plans = plan_feeds(content, datetime.fromisoformat(NOW))
    made = {}
    for plan in section_plans:
        whole = build_feed(
            content.site, plan, titles, newest_update(a.updated for a in plan.items), {a.id: a for a in plan.items}
        )
        assert whole.frame.assemble([whole.entries[a.id] for a in plan.items]) == whole.generated
        made |= whole.entries
    assert len(site_plan.items) == 3  # the site window (feed_items: 3) of gamma, beta, alpha, delta
    items = {a.id: a for a in site_plan.items}
    whole = build_feed(content.site, site_plan, titles, newest_update(a.updated for a in site_plan.items), items)
    frame_only = build_feed(content.site, site_plan, titles, newest_update(a.updated for a in site_plan.items), {})
    assert frame_only.entries == {}
    assert frame_only.frame.assemble([made[a.id] for a in site_plan.items]) == whole.generated
    for document in whole.generated:
        assert document.data.count(b"<entry>" if document.relpath.endswith("atom.xml") else b"<item>") == 3


def test_an_article_changed_after_it_was_checked_stops_the_build(site: Path) -> None:
    from feedpub.loading import SourceChanged, load_settings, parse_again, parse_article
    from feedpub.sources import list_tree

    settings, _ = load_settings(list_tree(site))
    assert settings is not None
    path = str(site / "technology" / "beta.md")
    checked = parse_article(path, "technology", settings)
    assert parse_again(path, "technology", checked.sha256, settings).title == "Beta"
    Path(path).write_text(article("Beta, corrected", "2026-03-02T08:00:00Z"), encoding="utf-8")
    with pytest.raises(SourceChanged) as raised:
        parse_again(path, "technology", checked.sha256, settings)
    (problem,) = raised.value.problems
    assert problem.path == Path(path)
    assert "changed while the feeds were being built; run the build again" in problem.message


def test_checking_planning_and_writing_import_neither_feedgen_nor_lxml() -> None:
    """Checking articles, planning feeds, putting them together and writing them need neither
    feedgen nor lxml nor the renderer nor the validator: `check` does not pay to import them,
    and a module boundary crossed by accident shows up here."""
    heavy = ("feedgen", "lxml", "cmarkgfm", "nh3", "dateutil", "feedpub.building", "feedpub.validating")
    code = (
        "import sys; import feedpub.loading, feedpub.planning, feedpub.discovery, feedpub.writing; "
        f"loaded = [name for name in {heavy!r} if name in sys.modules]; "
        "assert not loaded, loaded; "
        "import feedpub.building; assert 'feedgen' in sys.modules and 'feedpub.validating' not in sys.modules; "
        # Nor does a rebuild need `html` (its entity table, ~2 ms) or `string`: only an article
        # without a summary, or a custom permalink pattern, imports them.
        "import feedpub.validating, feedpub.cli, feedpub.pipeline; "
        "assert not {'html', 'string'} & set(sys.modules), {'html', 'string'} & set(sys.modules)"
    )
    result = run_fresh_python(code)
    assert result.returncode == 0, result.stderr
