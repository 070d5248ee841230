"""The benchmark's own tools, run on tiny corpora: the generator is deterministic and writes
newsroom-shaped articles, and the runner reports every scenario against the naive baseline.

Nothing here times anything: speed is measured by running benchmarks/run.py itself.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from feedpub.loading import load_content
from feedpub.validating import Severity, feed_files, validate_bytes
from tests.conftest import files_under

PROJECT = Path(__file__).resolve().parent.parent
BENCHMARKS = PROJECT / "benchmarks"
SCENARIOS = {"naive", "cold", "no-op", "one", "validate"}


def generate(out: Path, sections: int, articles: int, seed: int = 1) -> Path:
    command = [sys.executable, str(BENCHMARKS / "corpus.py"), str(out)]
    command += ["--sections", str(sections), "--articles", str(articles), "--seed", str(seed)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return out


def test_the_corpus_is_the_same_for_a_seed_and_differs_for_another(tmp_path: Path) -> None:
    first = files_under(generate(tmp_path / "a", 2, 5, seed=3))
    assert len(first) == 1 + 2 + 2 * 5  # the site's settings, each section's, and the articles
    assert files_under(generate(tmp_path / "b", 2, 5, seed=3)) == first
    other = files_under(generate(tmp_path / "c", 2, 5, seed=4))
    assert other.keys() == first.keys()
    assert other != first


def test_corpus_articles_are_newsroom_shaped_and_load_without_a_problem(tmp_path: Path) -> None:
    content, warnings = load_content(generate(tmp_path / "content", 2, 30))
    assert warnings == ()
    articles = content.articles
    assert len(articles) == 60
    assert all(900 <= len(article.body.split()) <= 1300 for article in articles)  # ~900-word bodies
    bodies = "\n".join(article.body for article in articles)
    # Subheads, lists, quotes, images, absolute and relative links, emphasis.
    for mark in ("\n## ", "\n- ", "\n> ", "![", "](https://", "](../", "*figures rose*", "**background**"):
        assert mark in bodies, mark
    # Optional fields are sometimes there and sometimes not, as in a newsroom's files.
    for has_it in (
        lambda article: article.image is not None,
        lambda article: article.updated > article.date,
        lambda article: article.summary is not None,
        lambda article: len(article.authors) == 2,
    ):
        assert 0 < sum(1 for article in articles if has_it(article)) < len(articles)
    assert all(article.tags for article in articles)


ROW = re.compile(
    r"^\s*2x12\s+(?P<scenario>\S+)\s+(?P<median>[\d.]+)\s+(?P<low>[\d.]+)-\s*(?P<high>[\d.]+)"
    r"\s+(?P<cpu>[\d.]+)\s+(?P<peak>\d+)\s+(?P<ratio>1\.00x|[\d.]+x faster)$"
)


def test_the_runner_reports_every_scenario_against_the_naive_baseline(tmp_path: Path) -> None:
    command = [sys.executable, str(BENCHMARKS / "run.py"), "--sizes", "2x12", "--runs", "1", "--work", str(tmp_path)]
    result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = {match["scenario"]: match for match in map(ROW.match, result.stdout.splitlines()) if match}
    assert rows.keys() == SCENARIOS, result.stdout
    for row in rows.values():
        assert float(row["low"]) <= float(row["median"]) <= float(row["high"])
        assert float(row["cpu"]) > 0
        assert int(row["peak"]) > 0
    assert rows["naive"]["ratio"] == "1.00x"
    assert re.search(
        r"2x12  one-change / no-op = [\d.]+x, [+-]\d+ ms \(within each run: [\d.]+x-[\d.]+x; "
        r"fastest of each [\d.]+x; CPU time [\d.]+x\)",
        result.stdout,
    )
    assert re.search(r"2x12  cold build per run \(two processes' speed-up just before\): [\d.]+x \(", result.stdout)

    # What it built is real: the feeds pass our validator, and the naive baseline wrote its own.
    feeds = list(feed_files([tmp_path / "feeds-2x12"]))
    assert len(feeds) == 2 * (1 + 2)  # RSS and Atom for the site and each section
    for feed in feeds:
        findings = validate_bytes(feed.read_bytes(), str(feed))
        assert not [f for f in findings if f.level is Severity.ERROR], findings
    assert len(list((tmp_path / "naive-2x12").rglob("*.xml"))) == 2 * 2
    # The article it edited for the one-change builds is put back as generated.
    assert files_under(tmp_path / "content-2x12") == files_under(generate(tmp_path / "fresh", 2, 12))


def test_a_mistyped_size_is_refused_before_any_work(tmp_path: Path) -> None:
    command = [sys.executable, str(BENCHMARKS / "run.py"), "--sizes", "1k,10K", "--work", str(tmp_path / "work")]
    result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "unknown size '10K' (expected 1k, 10k, 100k, or SECTIONSxARTICLES like 3x20)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "work").exists()  # nothing generated, not even for the good size before it
