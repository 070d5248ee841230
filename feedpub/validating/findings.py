"""What the validator reports: findings as plain data, and the checker that collects them."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from lxml import etree


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one feed file.

    `code` is stable and, where the check is the same, named after the W3C Feed Validation
    Service's message class, so users can look it up.
    """

    file: str
    level: Severity
    code: str
    message: str
    line: int | None = None
    column: int | None = None
    element: str | None = None


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def display_name(element: etree._Element, prefixes: dict[str, str]) -> str:
    qname = etree.QName(element)
    prefix = prefixes.get(qname.namespace or "", "")
    return f"{prefix}:{qname.localname}" if prefix else qname.localname


class Checker:
    """Collects findings for one document; rules call error() and warn() on it.

    A plain class, not a dataclass: nothing compares or prints checkers, and defining a
    dataclass costs ~0.7 ms at import (its methods are compiled from source).
    """

    __slots__ = ("file", "findings", "prefixes")

    def __init__(self, file: str) -> None:
        self.file = file
        self.prefixes: dict[str, str] = {}
        self.findings: list[Finding] = []

    def error(self, code: str, element: etree._Element | None, message: str) -> None:
        self._add(Severity.ERROR, code, element, message)

    def warn(self, code: str, element: etree._Element | None, message: str) -> None:
        self._add(Severity.WARNING, code, element, message)

    def _add(self, level: Severity, code: str, element: etree._Element | None, message: str) -> None:
        line = element.sourceline if element is not None else None
        line = line if isinstance(line, int) else None
        name = display_name(element, self.prefixes) if element is not None else None
        self.findings.append(Finding(self.file, level, code, message, line, None, name))
