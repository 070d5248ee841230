"""User-facing errors: problems in content or output that the CLI reports without a traceback.

Bugs are not wrapped here; they keep their traceback so they can be fixed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class Level(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a content file, located as precisely as we can."""

    path: Path
    line: int | None
    field: str | None
    message: str
    level: Level = Level.ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        what = f"{self.field}: {self.message}" if self.field else self.message
        prefix = "warning: " if self.level is Level.WARNING else ""
        return f"{where}: {prefix}{what}"


class FeedpubError(Exception):
    """Root of every error that is the user's to fix rather than ours."""


class ContentErrors(FeedpubError):
    """All the problems found in one run over content/, raised once so they are reported together."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        errors = sum(1 for p in problems if p.level is Level.ERROR)
        super().__init__(f"{errors} error(s) in content")

    def __reduce__(self) -> tuple[type[ContentErrors], tuple[tuple[Problem, ...]]]:
        # Rebuilt from its problems when it crosses from a worker process to the parent.
        return (type(self), (self.problems,))


class OutputError(FeedpubError):
    """Feeds could not be written (permissions, full disk, a path clash)."""


class InvalidFeedOutput(FeedpubError):
    """A feed we built failed our own validator; nothing was written."""
