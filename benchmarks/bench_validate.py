"""Validator speed: the shared W3C corpus in one process, and one large generated feed.

Run: python benchmarks/bench_validate.py [--runs 7]
Reports the median (and min/max) of several runs; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from feedpub.validating import Severity, validate_bytes

SHARED = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "w3c"


def large_feed(target_bytes: int) -> bytes:
    """A valid Atom feed of roughly target_bytes: many entries with escaped HTML content."""
    paragraph = "&lt;p&gt;" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 15 + "&lt;/p&gt;"
    head = (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "<title>Big</title><id>https://example.org/</id><updated>2026-01-01T00:00:00Z</updated>\n"
        '<author><name>Desk</name></author><link rel="self" href="https://example.org/atom.xml"/>\n'
    )
    entries = []
    size = len(head)
    number = 0
    while size < target_bytes:
        entry = (
            f"<entry><title>Entry {number}</title><id>tag:example.org,2026:{number}</id>"
            f"<updated>2026-01-01T00:00:00Z</updated><link href='https://example.org/{number}'/>"
            f"<summary>Summary {number}</summary><content type='html'>{paragraph * 8}</content></entry>\n"
        )
        entries.append(entry)
        size += len(entry)
        number += 1
    return (head + "".join(entries) + "</feed>\n").encode()


def timed(function, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def describe(label: str, times: list[float], per_second: float | None = None) -> str:
    median = statistics.median(times)
    rate = f", {per_second / median:,.0f} files/s" if per_second else ""
    return f"{label}: median {median * 1000:.1f} ms (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}){rate}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    arguments = parser.parse_args()
    if SHARED.is_dir():
        cases = json.loads((SHARED / "manifest.json").read_text())["cases"]
        documents = [(SHARED / c["file"]).read_bytes() for c in cases]

        def corpus() -> None:
            for document in documents:
                validate_bytes(document)

        corpus()  # warm up imports and caches
        print(describe(f"W3C corpus, {len(documents)} files", timed(corpus, arguments.runs), len(documents)))
    else:
        print("W3C corpus: ../shared not found, skipped")
    big = large_feed(10 * 1024 * 1024)
    findings = validate_bytes(big)
    assert not any(f.level is Severity.ERROR for f in findings), findings[:3]
    print(describe(f"one {len(big) / 1e6:.1f} MB Atom feed", timed(lambda: validate_bytes(big), arguments.runs)))


if __name__ == "__main__":
    main()
