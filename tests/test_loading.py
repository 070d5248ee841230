"""The loader on real files: good content becomes records, every kind of bad input a clear problem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from feedpub.errors import ContentErrors, Level, Problem
from feedpub.loading import load_content
from tests.conftest import Writer, article


def problems_of(root: Path) -> list[Problem]:
    with pytest.raises(ContentErrors) as caught:
        load_content(root)
    return list(caught.value.problems)


def only_error(root: Path) -> Problem:
    errors = [p for p in problems_of(root) if p.level is Level.ERROR]
    assert len(errors) == 1, errors
    return errors[0]


def test_good_article_becomes_a_complete_record(content: Path, write: Writer) -> None:
    write(
        "technology/chips.md",
        """\
        ---
        title: "Chips: the new oil"
        date: 2026-03-01T09:30:00+01:00
        updated: 2026-03-02 10:00
        summary: A short standfirst.
        authors:
          - Ada Lovelace
          - {name: Grace Hopper, email: grace@example.org, uri: https://example.org/grace}
        tags: [semiconductors, trade]
        image: {url: img/chip.jpg, alt: A chip, caption: Photo by us}
        ---

        Body with a [link](/about/).
        """,
    )
    loaded, warnings = load_content(content)
    assert warnings == ()
    [chips] = loaded.articles
    assert chips.title == "Chips: the new oil"
    assert chips.date == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    assert chips.date.utcoffset() == timedelta(hours=1)
    # A naive time is read in the site's zone: 10:00 in London in March (GMT) is 10:00 UTC.
    assert chips.updated == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert chips.summary == "A short standfirst."
    assert [a.name for a in chips.authors] == ["Ada Lovelace", "Grace Hopper"]
    assert chips.authors[1].email == "grace@example.org"
    assert chips.tags == ("semiconductors", "trade")
    assert chips.slug == "chips"
    assert chips.permalink == "https://gazette.example.org/technology/chips/"
    assert chips.id == "tag:gazette.example.org,2026-03-01:technology/chips"
    assert chips.image is not None
    assert chips.image.url == "https://gazette.example.org/technology/chips/img/chip.jpg"
    assert chips.image.media_type == "image/jpeg"
    assert chips.body.startswith("Body with a [link](/about/).")


def test_defaults_plain_date_section_author_and_summer_time(content: Path, write: Writer) -> None:
    write("science/tides.md", article("Tides", "2026-07-01"))
    write("science/noon.md", article("Noon", "2026-07-01 12:00:00"))
    loaded, _ = load_content(content)
    by_slug = {a.slug: a for a in loaded.articles}
    # Midnight in London in July is 23:00 UTC the day before (BST, +01:00).
    assert by_slug["tides"].date == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert by_slug["noon"].date == datetime(2026, 7, 1, 11, 0, tzinfo=UTC)
    assert by_slug["tides"].updated == by_slug["tides"].date
    assert by_slug["tides"].authors[0].name == "Gazette Desk"  # no section author: the site's
    assert by_slug["tides"].summary is None  # derived later from the first paragraph


def test_frontmatter_id_and_slug_override_the_defaults(content: Path, write: Writer) -> None:
    write(
        "science/x.md", article("X", "2026-01-01", id="urn:uuid:4c8e2b3e-1f0a-4d3c-9c1e-2a6f0b9d7e11", slug="renamed")
    )
    [loaded] = load_content(content)[0].articles
    assert loaded.id == "urn:uuid:4c8e2b3e-1f0a-4d3c-9c1e-2a6f0b9d7e11"
    assert loaded.permalink == "https://gazette.example.org/science/renamed/"


def test_bom_and_crlf_are_fine(content: Path) -> None:
    path = content / "science" / "crlf.md"
    path.write_bytes(b"\xef\xbb\xbf---\r\ntitle: Windows\r\ndate: 2026-01-01\r\n---\r\n\r\nLine one\r\n")
    [loaded] = load_content(content)[0].articles
    assert loaded.title == "Windows"
    assert loaded.body == "Line one\n"


BAD_CASES = [
    # (file text, field, line, words the message must contain)
    ("---\ntitle: [unclosed\ndate: 2026-01-01\n---\n", None, 3, "malformed YAML"),
    ("---\ndate: 2026-01-01\n---\n", "title", None, "missing"),
    ("---\ntitle: '   '\ndate: 2026-01-01\n---\n", "title", 2, "empty"),
    ("---\ntitle: 42\ndate: 2026-01-01\n---\n", "title", 2, "number"),
    ("---\ntitle: [a, b]\ndate: 2026-01-01\n---\n", "title", 2, "list"),
    ("---\ntitle: no\ndate: 2026-01-01\n---\n", "title", 2, "boolean"),
    ("---\ntitle: T\n---\n", "date", None, "missing"),
    ("---\ntitle: T\ndate: yesterday\n---\n", "date", 3, "expected a date"),
    ("---\ntitle: T\ndate: 2026-02-30\n---\n", "date", 3, "not a real date"),
    ("---\ntitle: T\ndate: 1700000000\n---\n", "date", 3, "expected a date"),
    ("---\ntitle: T\ndate: 2026-03-29 01:30\n---\n", "date", 3, "does not exist"),
    ("---\ntitle: T\ndate: 2026-10-25 01:30\n---\n", "date", 3, "happens twice"),
    ("---\ntitle: T\ndate: 2026-03-02\nupdated: 2026-03-01\n---\n", "updated", 4, "before date"),
    ("---\ntitle: T\ndate: 2026-01-01\ndraft: maybe\n---\n", "draft", 4, "true or false"),
    ("---\ntitle: T\ndate: 2026-01-01\ntags: news\n---\n", "tags", 4, "list"),
    ("---\ntitle: T\ndate: 2026-01-01\nauthors: [{email: x@example.org}]\n---\n", "authors[0].name", 4, "missing"),
    (
        "---\ntitle: T\ndate: 2026-01-01\nauthors: [{name: A, email: not-an-email}]\n---\n",
        "authors[0].email",
        4,
        "email",
    ),
    # Looks like an address to a loose pattern; RFC 5322 (and the feed validator) say no.
    (
        "---\ntitle: T\ndate: 2026-01-01\nauthors: [{name: A, email: a..b@example.com}]\n---\n",
        "authors[0].email",
        4,
        "email",
    ),
    ("---\ntitle: T\ndate: 2026-01-01\nslug: a/b\n---\n", "slug", 4, "URL segment"),
    ("---\ntitle: T\ndate: 2026-01-01\nslug: ..\n---\n", "slug", 4, "URL segment"),
    ("---\ntitle: T\ndate: 2026-01-01\nid: not a uri\n---\n", "id", 4, "absolute URI"),
    ("---\ntitle: T\ndate: 2026-01-01\nimage: {url: 'javascript:alert(1)', alt: x}\n---\n", "image.url", 4, "refused"),
    ("---\ntitle: T\ntitle: U\ndate: 2026-01-01\n---\n", "title", 3, "given twice"),
    ("---\n- a list\n---\n", None, 2, "mapping"),
    ("", None, 1, "empty"),
    ("title: T\n", None, 1, "no frontmatter"),
    ("---\ntitle: T\ndate: 2026-01-01\n", None, 1, "not closed"),
]


@pytest.mark.parametrize(("text", "field", "line", "words"), BAD_CASES)
def test_bad_article_gives_one_clear_error(
    content: Path, text: str, field: str | None, line: int | None, words: str
) -> None:
    path = content / "science" / "bad.md"
    path.write_text(text, encoding="utf-8")
    error = only_error(content)
    assert error.path == path
    assert error.field == field
    assert error.line == line
    assert words in error.message
    rendered = str(error)
    assert rendered.startswith(f"{path}:{line}:" if line else f"{path}:")


def test_naive_time_without_site_timezone_is_refused(content: Path, write: Writer) -> None:
    index = content / "_index.md"
    index.write_text(index.read_text().replace("timezone: Europe/London\n", ""), encoding="utf-8")
    write("science/t.md", article("T", "2026-01-01 09:00"))
    error = only_error(content)
    assert error.field == "date"
    assert "no UTC offset" in error.message


def test_not_utf8_and_utf16_are_refused(content: Path) -> None:
    (content / "science" / "latin1.md").write_bytes("---\ntitle: Café\ndate: 2026-01-01\n---\n".encode("latin-1"))
    (content / "science" / "utf16.md").write_bytes("---\ntitle: T\ndate: 2026-01-01\n---\n".encode("utf-16"))
    messages = sorted((p.path.name, p.line, p.message) for p in problems_of(content))
    assert messages[0][0] == "latin1.md"
    assert messages[0][1] == 2
    assert "not valid UTF-8" in messages[0][2]
    assert messages[1][0] == "utf16.md"
    assert "UTF-16" in messages[1][2]


def test_all_problems_of_a_run_are_reported_together(content: Path, write: Writer) -> None:
    write("science/one.md", "---\ntitle: 1\ndate: 2026-01-01\n---\n")
    write("technology/two.md", "---\ntitle: Two\n---\n")
    (content / "technology" / "_index.md").unlink()
    problems = problems_of(content)
    assert {(p.path.name, p.field) for p in problems if p.level is Level.ERROR} == {
        ("one.md", "title"),
        ("_index.md", None),
    }


def test_unknown_field_is_a_warning_with_a_suggestion(content: Path, write: Writer) -> None:
    write("science/typo.md", article("T", "2026-01-01", titel="Oops"))
    _, warnings = load_content(content)
    [warning] = warnings
    assert warning.level is Level.WARNING
    assert warning.field == "titel"
    assert warning.line == 4
    assert "did you mean 'title'" in warning.message


def test_duplicate_slugs_and_ids_are_errors(content: Path, write: Writer) -> None:
    write("science/a.md", article("A", "2026-01-01", slug="same"))
    write("science/b.md", article("B", "2026-01-02", slug="same"))
    write("technology/c.md", article("C", "2026-01-01", id="urn:x-test:1"))
    write("science/d.md", article("D", "2026-01-01", id="urn:x-test:1"))
    problems = problems_of(content)
    # Sections load in name order (science, then technology), so the later file is the duplicate.
    assert {(p.path.name, p.field) for p in problems} == {("b.md", "slug"), ("c.md", "id")}
    assert all("already used by" in p.message for p in problems)
    assert any(
        p.message.endswith(f"{content / 'science' / 'd.md'} (expected a unique id per article)") for p in problems
    )


def test_site_settings_are_checked(content: Path) -> None:
    (content / "_index.md").write_text(
        "---\ntitle: S\nbase_url: http://insecure.example\nlanguage: no\ntimezone: Mars/Base\nauthor: Desk\n---\n",
        encoding="utf-8",
    )
    fields = {p.field: p.message for p in problems_of(content)}
    assert "https" in fields["base_url"]
    assert "boolean" in fields["language"]  # YAML's Norway problem
    assert "unknown time zone" in fields["timezone"]


def test_a_custom_permalink_pattern_shapes_every_url(content: Path, write: Writer) -> None:
    site = (content / "_index.md").read_text(encoding="utf-8")
    (content / "_index.md").write_text(
        site.replace("feed_items: 3", "feed_items: 3\npermalink: '{base_url}/{year}/{month}/{slug}.html'"),
        encoding="utf-8",
    )
    write("technology/chips.md", article("Chips", "2026-03-01T09:30:00Z"))
    loaded, _ = load_content(content)
    assert loaded.site.permalink == "{base_url}/{year}/{month}/{slug}.html"
    assert loaded.articles[0].permalink == "https://gazette.example.org/2026/03/chips.html"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("{base_url}/{section}/{title}/{slug}/", "unknown placeholder(s) title (expected "),
        ("{base_url}/{section}/", "pattern must contain {slug}"),
        ("{base_url}/{slug", "malformed pattern ("),
        ("{base_url}/{slug}}", "malformed pattern ("),
    ],
)
def test_a_bad_permalink_pattern_is_an_error(content: Path, pattern: str, expected: str) -> None:
    site = (content / "_index.md").read_text(encoding="utf-8")
    (content / "_index.md").write_text(
        site.replace("feed_items: 3", f"feed_items: 3\npermalink: '{pattern}'"), encoding="utf-8"
    )
    error = only_error(content)
    assert (error.path.name, error.field) == ("_index.md", "permalink")
    assert expected in error.message


def test_the_default_permalink_pattern_passes_the_check_custom_ones_get() -> None:
    """The default is not checked at each build (that would import `string` for nothing)."""
    from feedpub.loading import DEFAULT_PERMALINK, _check_pattern
    from feedpub.reporting import FieldReporter

    reporter = FieldReporter(Path("_index.md"))
    _check_pattern(DEFAULT_PERMALINK, reporter)
    assert reporter.problems == []


def test_missing_site_index(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    error = only_error(tmp_path / "content")
    assert error.path.name == "_index.md"
    assert "missing" in error.message


def test_symlink_outside_content_is_refused(content: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text(article("Secret", "2026-01-01"), encoding="utf-8")
    (content / "science" / "link.md").symlink_to(outside)
    error = only_error(content)
    assert "outside the content folder" in error.message


def test_forbidden_xml_characters_are_removed_with_a_warning(content: Path, write: Writer) -> None:
    write("science/ctl.md", article("Bell\x07 rings", "2026-01-01", body="Null\x00 here"))
    loaded, warnings = load_content(content)
    assert loaded.articles[0].title == "Bell rings"
    assert "\x00" not in loaded.articles[0].body
    [warning] = warnings
    assert "XML 1.0 forbids" in warning.message
    assert warning.line == 2


def test_dates_with_offsets_keep_the_instant(content: Path, write: Writer) -> None:
    write("science/ny.md", article("NY", "2026-01-01T07:00:00-05:00"))
    [loaded] = load_content(content)[0].articles
    assert loaded.date == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert loaded.date.utcoffset() == timezone(timedelta(hours=-5)).utcoffset(None)


@pytest.mark.parametrize(
    "name", ["story.md", "a.b.md", ".md", "..md", "story.", "story", "v1.2.final.md", "x.md.md", "-.md", "é.md"]
)
def test_default_slug_is_the_file_stem_as_pathlib_says(name: str) -> None:
    from feedpub.loading import _file_stem

    assert _file_stem(f"/content/world/{name}") == Path(f"/content/world/{name}").stem


def test_checking_reports_what_parsing_reports(content: Path, write: Writer) -> None:
    """The build checks every file without making records: it must find the same problems and
    the same fields as the full parse the feeds are made from."""
    from feedpub.loading import check_article, load_settings, parse_article
    from feedpub.sources import list_tree

    write(
        "technology/odd.md",
        "---\ntitle: <b>Odd</b>\ndate: 2026-03-01\nupdated: 2026-02-01\ntagz: [x]\nimage: /i.png\n---\nBody\n",
    )
    write("technology/fine.md", "---\ntitle: Fine\ndate: 2026-03-01T09:30:00+01:00\nslug: good\n---\nBody\n")
    listing = list_tree(content)
    settings, _ = load_settings(listing)
    assert settings is not None
    for source in settings.sources_of(listing):
        parsed = parse_article(source.path, source.section, settings)
        checked = check_article(source.path, source.section, settings)
        assert checked.problems == parsed.problems
        assert checked.sha256 == parsed.sha256
        if parsed.article is None:
            assert checked.fields is None
        else:
            assert checked.fields is not None
            assert (checked.fields.slug, checked.fields.id) == (parsed.article.slug, parsed.article.id)
            assert (checked.fields.date, checked.fields.updated) == (parsed.article.date, parsed.article.updated)
    assert any(
        p.field == "updated" for p in check_article(str(content / "technology/odd.md"), "technology", settings).problems
    )


def test_article_fields_are_the_records_own_in_its_order() -> None:
    """parse_article makes the record from the checked fields by position."""
    import dataclasses

    from feedpub.loading import ArticleFields
    from feedpub.model import Article

    names = [field.name for field in dataclasses.fields(Article)]
    assert ["path", "section", *ArticleFields._fields, "body", "source_sha256"] == names


def test_a_byline_repeated_across_files_is_checked_in_each(content: Path, write: Writer) -> None:
    """Bylines recur, and a clean one is looked up after its first check; one with a problem
    must still be reported in every file that has it, at that file's line."""
    clean = "[{name: Ada Lovelace, email: ada@example.org}, Grace Hopper]"
    for number in range(3):
        write(f"science/clean-{number}.md", article(f"Clean {number}", "2026-01-01", authors=clean))
    for number in range(2):
        write(f"technology/bad-{number}.md", article(f"Bad {number}", "2026-01-01", authors="[{name: B, email: nope}]"))
        write(f"technology/odd-{number}.md", article(f"Odd {number}", "2026-01-01", authors="[{name: C, x: y}]"))
    with pytest.raises(ContentErrors) as caught:
        load_content(content)
    found = sorted((p.path.name, p.field, p.line, p.level) for p in caught.value.problems)
    assert found == [
        ("bad-0.md", "authors[0].email", 4, Level.ERROR),
        ("bad-1.md", "authors[0].email", 4, Level.ERROR),
        ("odd-0.md", "authors[0]", 4, Level.WARNING),
        ("odd-1.md", "authors[0]", 4, Level.WARNING),
    ]
    for path in content.glob("technology/*-*.md"):
        path.unlink()
    loaded, _ = load_content(content)
    bylines = [article.authors for article in loaded.articles]
    assert len(bylines) == 3
    assert all(authors == bylines[0] for authors in bylines)
    assert [(a.name, a.email) for a in bylines[0]] == [("Ada Lovelace", "ada@example.org"), ("Grace Hopper", None)]
