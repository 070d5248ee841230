"""Fixtures: real content trees written to tmp_path, and a locator for the shared corpus."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedpub.model import Article, Author

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"

SITE_INDEX = """\
---
title: Test Gazette
base_url: https://gazette.example.org
description: All the news that fits
language: en-GB
timezone: Europe/London
author:
  name: Gazette Desk
  email: desk@gazette.example.org
copyright: © Test Gazette
feed_items: 3
---
"""

SECTION_INDEX = """\
---
title: {title}
description: {title} stories
---
"""

Writer = Callable[[str, str], Path]


ARTICLE_PERMALINK = "https://gazette.example.org/science/tides/"


def make_article(body: str, summary: str | None = None) -> Article:
    """An Article record as the loader makes them, for tests of the stages after it."""
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    return Article(
        path=Path("content/science/tides.md"),
        section="science",
        slug="tides",
        title="Tides",
        date=moment,
        updated=moment,
        summary=summary,
        authors=(Author("Desk"),),
        tags=(),
        image=None,
        draft=False,
        id="tag:gazette.example.org,2026-01-01:science/tides",
        permalink=ARTICLE_PERMALINK,
        body=body,
    )


def files_under(root: Path) -> dict[str, bytes]:
    """Every file below root, by relative POSIX path in path order, with its bytes: what a
    build left behind, to compare before and after or with another build's."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def run_fresh_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run code in a new interpreter from the project folder: for what a process imports."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, check=False)


def write_file(root: Path, relpath: str, text: str) -> Path:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def article(title: str, date: str, body: str = "Body text.", **fields: str) -> str:
    """An article file: frontmatter from keyword fields (raw YAML values), then the body."""
    lines = ["---", f"title: {title}", f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "\n".join([*lines, "---", "", body, ""])


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A minimal valid site: settings and two sections, no articles yet."""
    root = tmp_path / "content"
    write_file(root, "_index.md", SITE_INDEX)
    write_file(root, "technology/_index.md", SECTION_INDEX.format(title="Technology"))
    write_file(root, "science/_index.md", SECTION_INDEX.format(title="Science"))
    return root


@pytest.fixture
def write(content: Path) -> Writer:
    def writer(relpath: str, text: str) -> Path:
        return write_file(content, relpath, text)

    return writer


@pytest.fixture
def shared() -> Path:
    if not (SHARED / "conformance" / "w3c" / "manifest.json").is_file():
        pytest.skip("../shared (the W3C conformance corpus and seed) is not beside this checkout")
    return SHARED
