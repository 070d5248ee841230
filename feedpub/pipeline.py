"""The whole build, stage by stage: load -> render and build -> validate -> write.

Each stage is a module of its own; this one only decides the order and what stops the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feedpub.building import FeedDocument, build_feeds
from feedpub.errors import InvalidFeedOutput, Problem
from feedpub.loading import load_content
from feedpub.validating import Severity, validate_bytes
from feedpub.writing import changed_paths, write_documents


@dataclass(frozen=True, slots=True)
class BuildResult:
    documents: tuple[FeedDocument, ...]
    changed: tuple[str, ...]
    warnings: tuple[Problem, ...]
    article_count: int


def check_content(content_dir: Path, now: datetime) -> tuple[tuple[Problem, ...], int, int]:
    """Load everything and report; returns (warnings, published count, article count)."""
    content, warnings = load_content(content_dir)
    published = sum(1 for a in content.articles if a.is_published(now))
    return warnings, published, len(content.articles)


def build_site(content_dir: Path, out_dir: Path, now: datetime, *, write: bool = True) -> BuildResult:
    """Build every feed; with write, replace the changed files in out_dir, all or nothing.

    Raises ContentErrors (bad content) or InvalidFeedOutput (a feed failed our validator)
    before anything is written.
    """
    content, warnings = load_content(content_dir)
    documents = build_feeds(content, now)
    _refuse_invalid(documents)
    changed = write_documents(out_dir, documents).written if write else changed_paths(out_dir, documents)
    published = sum(1 for a in content.articles if a.is_published(now))
    return BuildResult(documents, changed, warnings, published)


def _refuse_invalid(documents: tuple[FeedDocument, ...]) -> None:
    problems = []
    for document in documents:
        for finding in validate_bytes(document.data, document.relpath):
            if finding.level is Severity.ERROR:
                problems.append(f"{finding.file}:{finding.line}: {finding.code}: {finding.message}")
    if problems:
        raise InvalidFeedOutput("built feeds failed validation, nothing was written:\n  " + "\n  ".join(problems))
