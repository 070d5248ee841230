"""Findings -> text for people, JSON for tools, workflow annotations for GitHub Actions."""

from __future__ import annotations

import json
from collections.abc import Sequence

from feedpub.validating.findings import Finding, Severity

FORMATS = ("text", "json", "github")


def summary(findings: Sequence[Finding], files: int) -> dict[str, int]:
    return {
        "files": files,
        "errors": sum(1 for f in findings if f.level is Severity.ERROR),
        "warnings": sum(1 for f in findings if f.level is Severity.WARNING),
    }


def render(findings: Sequence[Finding], files: int, output_format: str) -> str:
    if output_format == "json":
        return as_json(findings, files)
    if output_format == "github":
        return "".join(f"{as_github(f)}\n" for f in findings)
    return as_text(findings, files)


def as_text(findings: Sequence[Finding], files: int) -> str:
    lines = []
    for finding in findings:
        where = finding.file
        if finding.line is not None:
            where += f":{finding.line}:{finding.column or 1}"
        lines.append(f"{where}: {finding.level.value} {finding.code}: {finding.message}")
    counts = summary(findings, files)
    lines.append(f"{counts['files']} file(s) checked: {counts['errors']} error(s), {counts['warnings']} warning(s)")
    return "\n".join(lines) + "\n"


def as_json(findings: Sequence[Finding], files: int) -> str:
    document = {
        "findings": [
            {
                "file": f.file,
                "level": f.level.value,
                "code": f.code,
                "message": f.message,
                "line": f.line,
                "column": f.column,
                "element": f.element,
            }
            for f in findings
        ],
        "summary": summary(findings, files),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(finding: Finding) -> str:
    """One workflow command, escaped as the Actions toolkit does (see @actions/core command.ts)."""
    properties = [f"file={_escape_property(finding.file)}"]
    if finding.line is not None:
        properties.append(f"line={finding.line}")
        properties.append(f"col={finding.column or 1}")
    properties.append(f"title={_escape_property(finding.code)}")
    return f"::{finding.level.value} {','.join(properties)}::{_escape_data(finding.message)}"
