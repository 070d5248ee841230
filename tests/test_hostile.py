"""Hostile content: each file in tests/hostile/ gives a clear error naming the file and field,
or a documented sanitisation; never a traceback, and never a changed feed when it errs.

Expectations are in tests/hostile/expectations.json, written by hand per file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import main
from tests.conftest import Writer, article, files_under

HOSTILE = Path(__file__).parent / "hostile"
EXPECTATIONS: dict[str, dict[str, object]] = json.loads((HOSTILE / "expectations.json").read_text(encoding="utf-8"))
NOW = "2026-03-10T00:00:00Z"


@pytest.fixture
def built(content: Path, write: Writer, tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    write("science/steady.md", article("Steady", "2026-02-01"))
    out = tmp_path / "feeds"
    result = run_build(content, out)
    assert result.exit_code == 0, result.output
    return content, out, files_under(out)


def run_build(content: Path, out: Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["build", "--content", str(content), "--out", str(out), "--now", NOW])


def assert_refused(result, out: Path, before: dict[str, bytes], path: Path, field: str | None, words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    reported = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert reported, result.output
    assert any(words in line and (field is None or f" {field}: " in line) for line in reported), reported
    assert files_under(out) == before  # byte-identical, and no temporary files


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_hostile_file(built: tuple[Path, Path, dict[str, bytes]], name: str) -> None:
    content, out, before = built
    target = content / "science" / name
    shutil.copyfile(HOSTILE / name, target)
    result = run_build(content, out)
    expectation = EXPECTATIONS[name]
    if "error" in expectation:
        field, words = expectation["error"]  # type: ignore[misc]
        assert_refused(result, out, before, target, field, words)
        return
    expected = expectation["ok"]
    assert isinstance(expected, dict)
    assert result.exit_code == 0, result.output
    feeds = b"".join(files_under(out).values()).decode("utf-8")
    science = (out / "science" / "atom.xml").read_text(encoding="utf-8")
    for text in expected.get("contains", []):
        assert text in science, text
    for text in expected.get("absent", []):
        assert text not in feeds, text
    if "warning" in expected:
        field, words = expected["warning"]
        assert any(
            line.startswith(str(target))
            and "warning:" in line
            and words in line
            and (field is None or f"{field}:" in line)
            for line in result.output.splitlines()
        ), result.output


def test_fifty_megabyte_article_is_refused(built: tuple[Path, Path, dict[str, bytes]]) -> None:
    content, out, before = built
    target = content / "science" / "huge.md"
    with target.open("w", encoding="utf-8") as stream:
        stream.write("---\ntitle: Huge\ndate: 2026-03-01\n---\n\n")
        line = "All work and no play makes a very long article. " * 20 + "\n\n"
        for _ in range(50_000_000 // len(line)):
            stream.write(line)
    result = run_build(content, out)
    assert_refused(result, out, before, target, None, "file is 50.0 MB (expected at most 2 MB")


def test_symlink_outside_content_is_refused(built: tuple[Path, Path, dict[str, bytes]], tmp_path: Path) -> None:
    content, out, before = built
    secret = tmp_path / "secret.md"
    secret.write_text(article("Secret", "2026-03-01", body="TOP SECRET"), encoding="utf-8")
    link = content / "science" / "leak.md"
    link.symlink_to(secret)
    result = run_build(content, out)
    assert_refused(result, out, before, link, None, "outside the content folder")
    assert "TOP SECRET" not in result.output


def test_duplicate_slug_is_refused(built: tuple[Path, Path, dict[str, bytes]]) -> None:
    content, out, before = built
    twin = content / "science" / "twin.md"
    twin.write_text(article("Twin", "2026-03-01", slug="steady"), encoding="utf-8")
    result = run_build(content, out)
    assert_refused(result, out, before, twin, "slug", "already used by")
