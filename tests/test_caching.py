"""The build cache only ever saves work: every cached build is byte-identical to an uncached one."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedpub.errors import ContentErrors
from feedpub.model import Article
from feedpub.pipeline import BuildResult, build_site
from feedpub.rendering import RenderedArticle
from tests.conftest import Writer, article

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def site(content: Path, write: Writer) -> Path:
    for number in range(8):
        section = "science" if number % 2 else "technology"
        write(f"{section}/story-{number}.md", article(f"Story {number}", f"2026-03-0{number + 1}T08:00:00Z"))
    write("science/later.md", article("Later", "2026-03-20T08:00:00Z"))
    age(content)
    return content


def age(folder: Path) -> None:
    """Date every file an hour back: files modified within two seconds of a build are re-hashed
    on the next one (a timestamp tick could hide a second edit), which a quick test would hit."""
    hour_ago = datetime.now(UTC).timestamp() - 3600
    for path in folder.rglob("*.md"):
        os.utime(path, (hour_ago, hour_ago))


def feeds_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.xml"))}


def build(content: Path, out: Path, cache: Path | None, now: datetime = NOW, jobs: int = 1) -> BuildResult:
    return build_site(content, out, now, cache_dir=cache, jobs=jobs)


def assert_same_as_uncached(content: Path, out: Path, tmp_path: Path, now: datetime = NOW) -> None:
    reference = tmp_path / f"reference-{len(list(tmp_path.iterdir()))}"
    build(content, reference, None, now)
    assert feeds_of(out) == feeds_of(reference)


def test_cold_then_noop(site: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = build(site, out, cache)
    assert not first.reused
    assert len(first.changed) == 7  # six feeds and index.html
    assert_same_as_uncached(site, out, tmp_path)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*.xml")}
    again = build(site, out, cache)
    assert again.reused
    assert again.changed == ()
    assert (again.feed_count, again.article_count) == (6, 8)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.xml")} == mtimes


def test_one_article_changed_rebuilds_only_its_feeds(site: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache)
    edited = site / "science" / "story-7.md"
    edited.write_text(article("Story 7, corrected", "2026-03-08T08:00:00Z"), encoding="utf-8")
    result = build(site, out, cache)
    assert sorted(result.changed) == ["atom.xml", "rss.xml", "science/atom.xml", "science/rss.xml"]
    assert b"Story 7, corrected" in (out / "science" / "atom.xml").read_bytes()
    assert_same_as_uncached(site, out, tmp_path)


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The slugs of the articles rendered from now on, in order."""
    from feedpub import building

    slugs: list[str] = []
    real_render = building.render_article

    def counting_render(article: Article, iframe_hosts: tuple[str, ...]) -> RenderedArticle:
        slugs.append(article.slug)
        return real_render(article, iframe_hosts)

    monkeypatch.setattr(building, "render_article", counting_render)
    return slugs


def test_one_article_changed_renders_only_that_article(site: Path, tmp_path: Path, rendered: list[str]) -> None:
    """Entries of unchanged articles come from the cache: the site feed and the section feed
    both show the edited article, yet only it is rendered again, once."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache)
    rendered.clear()
    edited = site / "science" / "story-7.md"
    edited.write_text(article("Story 7, corrected", "2026-03-08T08:00:00Z"), encoding="utf-8")
    build(site, out, cache)
    assert rendered == ["story-7"]
    assert_same_as_uncached(site, out, tmp_path)


def test_same_size_edit_with_restored_mtime_is_still_seen(site: Path, tmp_path: Path) -> None:
    """ctime and the inode cannot be faked by tools that restore mtime (cp -p, rsync -t, git)."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache)
    path = site / "technology" / "story-6.md"  # the newest, so in the feed (feed_items is 3)
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Story 6", "Story Z"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    build(site, out, cache)
    assert b"Story Z" in (out / "technology" / "rss.xml").read_bytes()
    assert_same_as_uncached(site, out, tmp_path)


def test_settings_change_rebuilds_everything(site: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache)
    index = site / "_index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("Test Gazette", "Renamed Gazette"), encoding="utf-8")
    result = build(site, out, cache)
    assert len(result.changed) == 7  # six feeds and index.html (it names the site)
    assert_same_as_uncached(site, out, tmp_path)


def test_scheduled_article_appears_when_its_time_comes(site: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache)
    assert b"Later" not in (out / "science" / "atom.xml").read_bytes()
    later = datetime(2026, 3, 21, tzinfo=UTC)
    result = build(site, out, cache, now=later)
    assert not result.reused
    assert b"Later" in (out / "science" / "atom.xml").read_bytes()
    assert_same_as_uncached(site, out, tmp_path, now=later)


def test_deleted_article_leaves_the_feeds(site: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache)
    (site / "technology" / "story-6.md").unlink()
    build(site, out, cache)
    assert b"Story 6" not in (out / "technology" / "atom.xml").read_bytes()
    assert_same_as_uncached(site, out, tmp_path)


def test_edited_output_file_is_rewritten(site: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache)
    (out / "science" / "rss.xml").write_bytes(b"tampered")
    result = build(site, out, cache)
    assert result.changed == ("science/rss.xml",)
    assert_same_as_uncached(site, out, tmp_path)


@pytest.mark.parametrize("damage", [b"not a database at all", b"SQLite format 3\x00" + b"\xff" * 200])
def test_damaged_cache_is_rebuilt_not_trusted(site: Path, tmp_path: Path, damage: bytes) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache)
    (cache / "feedpub.sqlite").write_bytes(damage)
    for leftover in cache.glob("feedpub.sqlite-*"):
        leftover.unlink()
    result = build(site, out, cache)
    assert not result.reused
    assert_same_as_uncached(site, out, tmp_path)
    assert build(site, out, cache).reused  # and the rebuilt cache works


def test_cache_from_another_version_is_dropped(site: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache)
    with sqlite3.connect(cache / "feedpub.sqlite") as db:
        db.execute("UPDATE meta SET value = '0.0.0-old' WHERE key = 'version'")
        db.execute("UPDATE articles SET date = 0, sha256 = 'stale'")  # rows an older version might have meant otherwise
    result = build(site, out, cache)
    assert not result.reused
    assert_same_as_uncached(site, out, tmp_path)


def test_content_errors_are_reported_from_the_cache_too(site: Path, tmp_path: Path, write: Writer) -> None:
    from feedpub.errors import ContentErrors

    out, cache = tmp_path / "out", tmp_path / "cache"
    write("science/broken.md", "---\ntitle: Broken\n---\n")
    for _ in range(2):  # the second run reads the broken file's problems from the cache
        with pytest.raises(ContentErrors) as caught:
            build(site, out, cache)
        assert [p.field for p in caught.value.problems] == ["date"]
    assert not out.exists()


def clash_messages(site: Path, out: Path, cache: Path) -> list[tuple[str, str | None, str]]:
    from feedpub.errors import ContentErrors

    with pytest.raises(ContentErrors) as caught:
        build(site, out, cache)
    return [(p.path.name, p.field, p.message.split(" is already used by ")[0]) for p in caught.value.problems]


def test_clashes_made_by_an_edit_are_found_and_stay_reported_until_fixed(
    site: Path, tmp_path: Path, write: Writer
) -> None:
    """After a clean build only the changed files are looked up for clashes; a clash must still
    be reported on every later build until it is fixed, edited file or not."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache)
    write("science/zz-copy.md", article("Copy", "2026-03-09T08:00:00Z", slug="story-1"))  # new file, taken slug
    expected = [("zz-copy.md", "slug", "'story-1'")]
    assert clash_messages(site, out, cache) == expected
    assert clash_messages(site, out, cache) == expected  # nothing changed since: still reported
    write("technology/story-0.md", article("Story 0", "2026-03-01T08:00:00Z", id="urn:x:taken"))
    write("science/story-3.md", article("Story 3", "2026-03-04T08:00:00Z", id="urn:x:taken"))
    assert clash_messages(site, out, cache) == [*expected, ("story-0.md", "id", "'urn:x:taken'")]
    (site / "science" / "zz-copy.md").unlink()
    write("science/story-3.md", article("Story 3", "2026-03-04T08:00:00Z"))
    build(site, out, cache)
    write("technology/story-2.md", article("Story 2", "2026-03-03T08:00:00Z", id="urn:x:taken"))  # clean, then an edit
    assert clash_messages(site, out, cache) == [("story-2.md", "id", "'urn:x:taken'")]


def test_a_rebuild_looks_up_clashes_by_index(site: Path, tmp_path: Path) -> None:
    """The first build finds clashes in memory, then indexes slugs and ids (once its rows are
    in), so a rebuild looks a changed file's slug and id up instead of searching for them."""
    from feedpub.caching import _SAME_SLUG_OR_ID

    out, cache = tmp_path / "out", tmp_path / "cache"

    def plan() -> str:
        with contextlib.closing(sqlite3.connect(cache / "feedpub.sqlite")) as db:
            steps = db.execute(f"EXPLAIN QUERY PLAN {_SAME_SLUG_OR_ID}", ("science", "story-1", "urn:x:1"))
            return " | ".join(step[3] for step in steps)

    build(site, out, cache)
    steps = plan()
    assert "SCAN" not in steps
    assert "articles_by_id" in steps
    assert "articles_by_slug" in steps
    with contextlib.closing(sqlite3.connect(cache / "feedpub.sqlite")) as db:  # a cache from before the indexes
        db.execute("DROP INDEX articles_by_id")
        db.execute("DROP INDEX articles_by_slug")
        db.commit()
    assert "SCAN articles" in plan()
    edited = site / "science" / "story-7.md"
    edited.write_text(article("Story 7, corrected", "2026-03-08T08:00:00Z"), encoding="utf-8")
    build(site, out, cache)
    assert "SCAN" not in plan()
    assert_same_as_uncached(site, out, tmp_path)


def test_parallel_build_matches_serial(site: Path, tmp_path: Path, write: Writer) -> None:
    for number in range(450):  # enough files to use worker processes
        write(f"technology/bulk-{number}.md", article(f"Bulk {number}", "2026-02-01T08:00:00Z", body=f"Body {number}."))
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    build(site, serial, None, jobs=1)
    build(site, parallel, tmp_path / "cache", jobs=2)
    assert feeds_of(parallel) == feeds_of(serial)


def test_unusable_cache_folder_builds_without_it(site: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    out = tmp_path / "out"
    result = build(site, out, blocker / "cache")
    assert [w.message for w in result.warnings] == ["build cache not used (Not a directory); building without it"]
    assert_same_as_uncached(site, out, tmp_path)


def test_oversized_feed_warning_survives_partial_rebuilds(content: Path, write: Writer, tmp_path: Path) -> None:
    body = "A long paragraph of reporting that goes on. " * 20000  # ~900 kB per article; 3 per feed
    for number in range(6):
        write(f"science/long-{number}.md", article(f"Long {number}", f"2026-03-0{number + 1}", body=body))
    write("technology/short.md", article("Short", "2026-03-01"))
    age(content)
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = build(content, out, cache)
    oversized = sorted(str(w.path.relative_to(out)) for w in first.warnings if "MB" in w.message)
    assert oversized == ["atom.xml", "rss.xml", "science/atom.xml", "science/rss.xml"]  # site feed: the same three
    (content / "technology" / "short.md").write_text(article("Short, edited", "2026-03-01"), encoding="utf-8")
    second = build(content, out, cache)
    assert "technology/atom.xml" in second.changed
    assert sorted(str(w.path.relative_to(out)) for w in second.warnings if "MB" in w.message) == oversized


def test_items_chosen_in_sql_follow_the_same_order_as_the_loader(content: Path, write: Writer, tmp_path: Path) -> None:
    """The build picks feed items with SQL; the order must be model.feed_order's, as the
    in-Python planner (building.plan_feeds over load_content) gives it, ties included:
    equal dates, then equal updates too, broken by id in code point order ("Z" < "a" < "é")."""
    from lxml import etree

    from feedpub.loading import load_content
    from feedpub.planning import plan_feeds

    stamp = "2026-03-05T08:00:00Z"
    write("technology/later-update.md", article("Later update", stamp, updated="2026-03-06T08:00:00Z"))
    for number, tie in enumerate(("zulu", "Zulu", "alpha", "\u00e9t\u00e9", "10", "9")):
        write(f"science/tie-{number}.md", article(f"Tie {tie}", stamp, id=f"urn:x-tie:{tie}"))
    write("science/older.md", article("Older", "2026-03-04T23:59:59+00:00"))
    write("science/offset.md", article("Same instant, other offset", "2026-03-05T09:00:00+01:00", id="urn:x-tie:A"))
    out = tmp_path / "out"
    build(content, out, tmp_path / "cache")
    built_content, _ = load_content(content)
    plans = {plan.atom_path: plan for plan in plan_feeds(built_content, NOW)}
    assert len(plans["atom.xml"].items) == 3  # the site window cuts inside the tie
    for relpath, plan in plans.items():
        root = etree.fromstring((out / relpath).read_bytes())
        ids = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}id")][1:]  # the feed's own id first
        assert ids == [a.id for a in plan.items], relpath


def test_rows_left_by_a_failed_build_never_outlive_their_files(site: Path, tmp_path: Path, write: Writer) -> None:
    """A failed build stores what it checked; once the offending file or folder is gone, its
    problems must go too, even though the folders are then as the last good build saw them."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache)
    for broken in ("science/broken.md", "culture/broken.md"):
        if broken.startswith("culture"):
            write("culture/_index.md", "---\ntitle: Culture\n---\n")
        write(broken, "---\ntitle: Broken\n---\n")
        with pytest.raises(ContentErrors) as caught:
            build(site, out, cache)
        assert [(p.path.name, p.field) for p in caught.value.problems] == [("broken.md", "date")]
        (site / broken).unlink()
        if broken.startswith("culture"):
            (site / "culture" / "_index.md").unlink()
            (site / "culture").rmdir()
        result = build(site, out, cache)
        assert (result.article_count, result.warnings) == (8, ())
        assert_same_as_uncached(site, out, tmp_path)


def test_a_section_emptied_of_articles_leaves_every_feed(site: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache)
    for path in (site / "science").glob("*.md"):
        if path.name != "_index.md":
            path.unlink()
    result = build(site, out, cache)
    assert b"<entry>" not in (out / "science" / "atom.xml").read_bytes()
    assert b"/science/" not in (out / "atom.xml").read_bytes().split(b"<entry>", 1)[-1]
    assert result.article_count == 4
    assert_same_as_uncached(site, out, tmp_path)


@pytest.mark.parametrize("moved", ["science/story-1.md", "science/*.md"])
def test_files_back_after_a_build_stopped_midway_are_checked_again(
    site: Path, tmp_path: Path, write: Writer, monkeypatch: pytest.MonkeyPatch, moved: str
) -> None:
    """A build forgets the rows of files that are gone (or of a whole section emptied of
    articles). If it stops before it records which folders match their rows, no folder's old
    record may vouch for rows no longer there when the same files come back: on a filesystem
    that keeps no change time (some network and FUSE ones), a file moved away and back has
    the identity it had."""
    from feedpub import sources
    from feedpub.caching import BuildCache

    real_identity = sources._identity
    monkeypatch.setattr(sources, "_identity", lambda stat: (*real_identity(stat)[:4], 0))
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache)
    away = tmp_path / "away"
    away.mkdir()
    files = [path for path in site.glob(moved) if path.name != "_index.md"]
    for path in files:
        path.rename(away / path.name)

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as stopping:
        stopping.setattr(BuildCache, "store_folder_states", stop)
        with pytest.raises(KeyboardInterrupt):
            build(site, out, cache)
    for path in files:
        (away / path.name).rename(path)
    write("technology/story-0.md", article("Story 0, revised", "2026-03-01T08:00:00Z"))  # not a no-op
    assert build(site, out, cache).article_count == 8  # later.md is scheduled
    assert_same_as_uncached(site, out, tmp_path)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_edit_sequences_build_exactly_as_uncached(
    content: Path, write: Writer, tmp_path: Path, seed: int
) -> None:
    """Thirty random steps (new, edited, retitled, re-dated, drafted, deleted and clashing
    articles, a section emptied and refilled, files rewritten unchanged), each built with the
    cache and without it: the same feeds byte for byte, or the same errors."""
    import random

    from feedpub.errors import ContentErrors

    rng = random.Random(seed)
    out, cache = tmp_path / "out", tmp_path / "cache"
    live: dict[str, str] = {}  # relpath -> text

    def put(relpath: str, text: str) -> None:
        live[relpath] = text
        write(relpath, text)

    def new_text(number: int, **fields: str) -> str:
        day = rng.randint(1, 28)
        return article(
            f"Story {number} v{rng.randint(0, 99)}", f"2026-02-{day:02d}T0{rng.randint(0, 9)}:00:00Z", **fields
        )

    for number in range(6):
        put(f"{rng.choice(['science', 'technology'])}/s{number}.md", new_text(number))
    for step in range(30):
        choice = rng.random()
        paths = sorted(live)
        if choice < 0.3 or not paths:
            number = 100 + step
            put(f"{rng.choice(['science', 'technology'])}/s{number}.md", new_text(number))
        elif choice < 0.55:
            relpath = rng.choice(paths)
            put(relpath, new_text(step, **rng.choice([{}, {"draft": "true"}, {"summary": f"Changed {step}"}])))
        elif choice < 0.7:
            relpath = rng.choice(paths)
            (content / relpath).unlink()
            del live[relpath]
        elif choice < 0.8:  # a slug or id another article already has
            clash = rng.choice(paths)
            field = rng.choice(["slug", "id"])
            value = Path(clash).stem if field == "slug" else f"tag:gazette.example.org,2026-02-01:x/{step}"
            if field == "id":
                put(clash, new_text(step, id=value))
            put(f"{Path(clash).parent}/z{step}.md", new_text(step, **{field: value}))
        elif choice < 0.9:  # rewritten with the same bytes: a new ctime, the same content
            relpath = rng.choice(paths)
            put(relpath, live[relpath])
        else:  # a section emptied
            for relpath in [p for p in paths if p.startswith("science/")]:
                (content / relpath).unlink()
                del live[relpath]
        if rng.random() < 0.5:
            age(content)  # sometimes no file is racy
        outcomes = []
        for cache_dir, target in ((cache, out), (None, tmp_path / f"reference-{step}")):
            try:
                build(content, target, cache_dir)
                outcomes.append(("built", feeds_of(target)))
            except ContentErrors as errors:
                outcomes.append(("failed", sorted((str(p.path), p.field, p.message) for p in errors.problems)))
        assert outcomes[0] == outcomes[1], f"step {step}"


def test_content_folder_named_another_way_shares_the_cache_safely(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI builds `content` (relative) and the tests `/…/content` (absolute) with one cache:
    rows keyed by the other spelling must neither clash with nor outlive the current ones."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    monkeypatch.chdir(site.parent)
    relative = Path(site.name)
    build(relative, out, cache)
    build(site, out, cache)
    build(relative, out, cache)
    assert_same_as_uncached(site, out, tmp_path)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_clashes_found_in_memory_are_those_sql_finds(tmp_path: Path, seed: int) -> None:
    """The first build groups its fresh rows in memory instead of asking SQL: the same rows."""
    import random

    from feedpub.caching import ArticleKey as Key
    from feedpub.caching import BuildCache, article_row, clash_key, find_clashes

    rng = random.Random(seed)
    rows = []
    for number in range(300):
        section = rng.choice(["world", "science", "sport"])
        key = Key(section, f"s{rng.randrange(120)}", f"urn:x:{rng.randrange(250)}", 1.0, 1.0, False, "")
        rows.append(
            article_row(f"/c/{section}/{number}.md", section, "i", "h", key if rng.random() > 0.1 else None, ())
        )
    cache = BuildCache.open(tmp_path / "cache", "settings")
    cache.store_articles(rows)
    in_memory = find_clashes([clash_key(row) for row in rows])
    assert in_memory, "the seed should give some clashes"
    assert sorted(in_memory) == sorted(cache.clashes())
    cache.close()


def test_first_build_reports_clashes(site: Path, tmp_path: Path, write: Writer) -> None:
    write("science/zz-copy.md", article("Copy", "2026-03-09T08:00:00Z", slug="story-1"))
    write("technology/zz-same-id.md", article("Same", "2026-03-09T08:00:00Z", id="urn:x:1"))
    write("science/zz-same-id.md", article("Same", "2026-03-09T08:00:00Z", id="urn:x:1"))
    messages = clash_messages(site, tmp_path / "out", tmp_path / "cache")
    assert messages == [("zz-copy.md", "slug", "'story-1'"), ("zz-same-id.md", "id", "'urn:x:1'")]
    assert clash_messages(site, tmp_path / "out2", None) == messages


def test_site_feed_makes_the_entries_no_section_feed_makes(site: Path, tmp_path: Path, rendered: list[str]) -> None:
    """Every feed is built at once, each missing entry by the first feed that shows it: when a
    section's feed is reused but one of its entries is no longer stored, the site feed makes it."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache)
    shown_in_technology = str(site / "technology" / "story-6.md")
    with sqlite3.connect(cache / "feedpub.sqlite") as db:
        assert db.execute("DELETE FROM entries WHERE path = ?", (shown_in_technology,)).rowcount == 1
    db.close()
    rendered.clear()
    (site / "science" / "story-7.md").write_text(
        article("Story 7, corrected", "2026-03-08T08:00:00Z"), encoding="utf-8"
    )
    result = build(site, out, cache)
    assert "technology/atom.xml" not in result.changed  # reused as it was
    assert sorted(rendered) == ["story-6", "story-7"]  # story-6 for the site feed, once
    assert_same_as_uncached(site, out, tmp_path)


def test_parallel_first_build_reports_what_a_serial_one_does(site: Path, tmp_path: Path, write: Writer) -> None:
    """A first build big enough for worker processes finds its clashes in memory and stores rows
    as workers send them: the same problems, in the same order, as a serial build without cache."""
    for number in range(450):
        write(f"technology/bulk-{number}.md", article(f"Bulk {number}", "2026-02-01T08:00:00Z", body=f"Body {number}."))
    write("technology/bulk-7.md", article("Copy", "2026-02-02T08:00:00Z", slug="bulk-8"))
    write("science/broken.md", "---\ntitle: Broken\n---\n")
    write("science/same-id.md", article("Same id", "2026-02-03T08:00:00Z", id="urn:x:shared"))
    write("technology/same-id.md", article("Same id", "2026-02-03T08:00:00Z", id="urn:x:shared"))
    outcomes = []
    for cache, jobs in ((tmp_path / "cache", 2), (None, 1)):
        with pytest.raises(ContentErrors) as caught:
            build(site, tmp_path / f"out-{jobs}", cache, jobs=jobs)
        outcomes.append([(p.path.name, p.field, p.message) for p in caught.value.problems])
    assert outcomes[0] == outcomes[1]
    assert [(name, field) for name, field, _ in outcomes[0]] == [
        ("broken.md", "date"),
        ("bulk-8.md", "slug"),  # the later of the two files with that slug
        ("same-id.md", "id"),
    ]


@pytest.mark.parametrize("enabled", [True, False])
def test_a_build_leaves_the_garbage_collector_as_it_found_it(site: Path, tmp_path: Path, enabled: bool) -> None:
    """Builds run with the cyclic collector paused (they make next to no cycles); it resumes
    afterwards, or stays off if the caller had turned it off."""
    import gc

    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        build(site, tmp_path / "out", tmp_path / "cache")
        assert gc.isenabled() is enabled
        (site / "science" / "broken.md").write_text("---\ntitle: Broken\n---\n", encoding="utf-8")
        with pytest.raises(ContentErrors):  # also when the build fails
            build(site, tmp_path / "out", tmp_path / "cache")
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()


def test_what_a_build_leaves_alive_goes_to_the_oldest_generation() -> None:
    """The objects made while the collector was paused and still alive afterwards are filed
    under the oldest generation, so the first collection after a build does not walk them all."""
    import gc

    from feedpub.pipeline import _collector_paused

    assert gc.isenabled()
    with _collector_paused():
        kept = [[index] for index in range(5_000)]
    young = {id(thing) for generation in (0, 1) for thing in gc.get_objects(generation=generation)}
    assert not any(id(thing) in young for thing in kept)
    oldest = {id(thing) for thing in gc.get_objects(generation=2)}
    assert all(id(thing) in oldest for thing in kept)


def test_a_build_keeps_what_its_caller_froze_frozen() -> None:
    """gc.freeze() is a caller's to undo (a pre-forking server's, say): a build never unfreezes."""
    import gc

    from feedpub.pipeline import _collector_paused

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with _collector_paused():
            kept = [[index] for index in range(1_000)]
        assert gc.get_freeze_count() == frozen
        assert gc.isenabled()
        assert len(kept) == 1_000
    finally:
        gc.unfreeze()
