"""Build and validation benchmarks: whole-process wall time and peak RSS, as ratios to a naive baseline.

For each corpus size it generates a deterministic corpus (benchmarks/corpus.py), then runs, as
separate processes, each several times:

  naive     the obvious implementation (benchmarks/naive.py): the yardstick
  cold      python publish.py build, no cache and no previous output
  one       one article edited (the newest, so its feeds really change), then build
  no-op     the same build again, nothing changed
            (five one-change / no-op pairs a run, each after a new edit)
  validate  python publish.py validate over all built feeds

No-op and one-change builds take a fraction of a second, where a noisy machine's hiccups weigh
most: five samples of each per run steady their medians at little cost, and taking them in
pairs keeps a slow spell from landing on one scenario only (five no-ops, then five one-change
builds, gave runs' ratios from 1.17x to 2.11x in two invocations on a loaded machine).

and prints the median (min-max) seconds, the median CPU seconds (user and system, the process
and its workers), peak RSS, and each median as a ratio to naive; then the one-change / no-op
ratio also as the ratio of the fastest samples (noise only adds time) and of CPU time, each
run's own one-change / no-op and cold-build ratios, the latter beside how much faster two CPU-bound
processes ran than one just before that run (the cold build uses both vCPUs, the naive one a
single one, so a run in which the machine gave two processes less shows in it).
Run: python benchmarks/run.py [--sizes 1k,10k,100k] [--runs 5] [--work /tmp/feedpub-bench]
(a size may also be SECTIONSxARTICLES, e.g. 3x20: the tests run the runner on a tiny corpus)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import generate  # noqa: E402

SIZES = {"1k": (10, 100), "10k": (10, 1000), "100k": (10, 10000)}  # or SECTIONSxARTICLES, e.g. 3x20
QUICK_SAMPLES = 5  # no-op and one-change samples per run


def corpus_shape(label: str) -> tuple[int, int]:
    """(sections, articles per section) for a size label: 1k, 10k, 100k, or e.g. 3x20."""
    if label in SIZES:
        return SIZES[label]
    sections, separator, per_section = label.partition("x")
    if not (separator and sections.isdigit() and per_section.isdigit() and int(sections) and int(per_section)):
        raise SystemExit(f"unknown size {label!r} (expected {', '.join(SIZES)}, or SECTIONSxARTICLES like 3x20)")
    return int(sections), int(per_section)


@dataclass
class Sample:
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float  # user + system time of the process and the children it waited for


def run(command: list[str]) -> Sample:
    """Run a command to completion; wall time, and the peak RSS and CPU time of it and the
    children it waited for."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=PROJECT)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode() if process.stderr else ''}")
    return Sample(elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def age(folder: Path) -> None:
    """Date the corpus an hour back, as committed content is (fresh files are re-hashed, see caching)."""
    for path in folder.rglob("*.md"):
        date_back(path)


def date_back(path: Path) -> None:
    past = time.time() - 3600
    os.utime(path, (past, past))


class Summary(NamedTuple):
    median: float
    low: float
    high: float
    peak_rss_mb: float
    cpu: float  # median CPU seconds


def summarise(samples: list[Sample]) -> Summary:
    times = [s.seconds for s in samples]
    return Summary(
        statistics.median(times),
        min(times),
        max(times),
        max(s.peak_rss_mb for s in samples),
        statistics.median(s.cpu_seconds for s in samples),
    )


@dataclass
class RunRatios:
    """One run's own ratios, which show how steady each is on this machine."""

    cold: float  # naive / cold build, both of this run
    one_over_noop: float  # medians of the run's one-change and no-op samples
    capacity: float  # how much faster two CPU-bound processes finished than one, just before


def bench_size(label: str, work: Path, runs: int) -> tuple[dict[str, Summary], list[RunRatios]]:
    """Each scenario's summary, and each run's own ratios."""
    sections, per_section = corpus_shape(label)
    content = work / f"content-{label}"
    if not content.exists():
        print(f"generating {label} corpus ({sections} x {per_section})...", file=sys.stderr)
        generate(content, sections, per_section)
    age(content)
    out, cache, naive_out = work / f"feeds-{label}", work / f"cache-{label}", work / f"naive-{label}"
    build = [sys.executable, "publish.py", "build", "-q", "--content", str(content), "--out", str(out)]
    cached = [*build, "--cache-dir", str(cache)]
    results: dict[str, list[Sample]] = {name: [] for name in ("naive", "cold", "no-op", "one", "validate")}
    newest = content / "world" / f"story-{per_section - 1}.md"
    original = newest.read_text(encoding="utf-8")
    per_run: list[RunRatios] = []
    for attempt in range(runs):
        capacity = parallel_capacity(count=1_000_000, rounds=1)
        shutil.rmtree(naive_out, ignore_errors=True)
        results["naive"].append(run([sys.executable, str(HERE / "naive.py"), str(content), str(naive_out)]))
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        results["cold"].append(run(cached))
        for sample in range(QUICK_SAMPLES):
            # In pairs, so both builds of a pair meet the same load. The edit is dated back like the rest
            # of the corpus: the build still sees it (its size and ctime changed), and the no-op after it
            # takes the no-op path, not the recheck of a file modified within the last two seconds.
            newest.write_text(original + f"\nAn editor's correction, number {attempt}.{sample}.\n", encoding="utf-8")
            date_back(newest)
            results["one"].append(run(cached))
            results["no-op"].append(run(cached))
        results["validate"].append(run([sys.executable, "publish.py", "validate", str(out)]))
        noop = statistics.median(sample.seconds for sample in results["no-op"][-QUICK_SAMPLES:])
        one = statistics.median(sample.seconds for sample in results["one"][-QUICK_SAMPLES:])
        cold = results["naive"][-1].seconds / results["cold"][-1].seconds
        per_run.append(RunRatios(cold, one / noop, capacity))
    newest.write_text(original, encoding="utf-8")
    return {name: summarise(samples) for name, samples in results.items()}, per_run


def compile_bytecode() -> None:
    """Write the bytecode caches a normal install has, so no run pays for compiling sources.

    Python writes them on first import unless PYTHONDONTWRITEBYTECODE is set (as it is in some
    containers); then every run would compile feedpub afresh (~50 ms), which no user pays.
    """
    import compileall

    for folder in (PROJECT / "feedpub", HERE):
        compileall.compile_dir(folder, quiet=1)


def _burn(count: int) -> int:
    total = 0
    for number in range(count):
        total += number * number
    return total


def parallel_capacity(processes: int = 2, count: int = 4_000_000, rounds: int = 3) -> float:
    """How much faster `processes` CPU-bound processes finish than one doing the same work
    (median of `rounds`): on machines whose CPUs are hyperthreads or shared, well under
    `processes`, and on a shared machine it changes from minute to minute."""
    from multiprocessing import get_context

    ratios = []
    with get_context("fork").Pool(processes) as pool:
        for _ in range(rounds):
            started = time.perf_counter()
            for _ in range(processes):
                _burn(count)
            serial = time.perf_counter() - started
            started = time.perf_counter()
            pool.map(_burn, [count] * processes)
            ratios.append(serial / (time.perf_counter() - started))
    return statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1k,10k", help="comma-separated: 1k, 10k, 100k, or e.g. 3x20")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/feedpub-bench"))
    arguments = parser.parse_args()
    labels = arguments.sizes.split(",")
    for label in labels:
        corpus_shape(label)  # a mistyped size stops the run now, not after the sizes before it
    arguments.work.mkdir(parents=True, exist_ok=True)
    compile_bytecode()
    cpus = os.cpu_count() or 1
    print(f"machine: {cpus} CPUs; two CPU-bound processes run {parallel_capacity():.2f}x as fast as one")
    print(f"{'size':>5} {'scenario':>9} {'median s':>9} {'min-max s':>13} {'CPU s':>6} {'peak MB':>8} {'vs naive':>9}")
    for label in labels:
        figures, per_run = bench_size(label, arguments.work, arguments.runs)
        naive_median = figures["naive"].median
        for name, (median, low, high, peak, cpu) in figures.items():
            ratio = "1.00x" if name == "naive" else f"{naive_median / median:.2f}x faster"
            print(f"{label:>5} {name:>9} {median:9.3f} {low:6.3f}-{high:6.3f} {cpu:6.3f} {peak:8.0f} {ratio:>9}")
        noop, one = figures["no-op"], figures["one"]
        ratios = [run.one_over_noop for run in per_run]
        spread = f"{min(ratios):.2f}x-{max(ratios):.2f}x"
        extra = f"{(one.median - noop.median) * 1000:+.0f} ms"  # what one edit costs beyond the no-op
        # Two more views of the same ratio. CPU time moves less than wall time when other loads
        # share the machine; and a noisy machine only ever adds time, so the fastest samples of
        # each come nearest to what the builds themselves cost.
        cpu_ratio = f"CPU time {one.cpu / noop.cpu:.2f}x"
        fastest = f"fastest of each {one.low / noop.low:.2f}x"
        print(
            f"{label:>5}  one-change / no-op = {one.median / noop.median:.2f}x, {extra} "
            f"(within each run: {spread}; {fastest}; {cpu_ratio})"
        )
        # The cold build shares its work between two processes: a run in which the machine gave two
        # processes less than twice one's speed shows in its ratio, and the naive build barely notices.
        cold_runs = ", ".join(f"{run.cold:.2f}x ({run.capacity:.2f})" for run in per_run)
        print(f"{label:>5}  cold build per run (two processes' speed-up just before): {cold_runs}", flush=True)


if __name__ == "__main__":
    main()
