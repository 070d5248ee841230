"""Build steps in worker processes, for builds with enough work to share.

The workers are forked, so they start with what this process has imported, and they never
change the output: every step sent to them is a pure function of its inputs, giving the same
bytes in a worker or here. The pool starts on first use: importing concurrent.futures and
multiprocessing alone takes ~25 ms, more than a small rebuild's whole feed stage.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Executor

T = TypeVar("T")
R = TypeVar("R")

_STOPPING_SIGNALS = ("SIGTERM", "SIGINT")


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass(slots=True)
class Workers:
    """A process pool started on first use, so small builds never pay for it."""

    jobs: int
    preload: tuple[str, ...] = ()  # the modules the steps sent to other processes need
    pool: Executor | None = field(default=None)

    def map(self, function: Callable[[T], R], items: Sequence[T], *, parallel: bool) -> Iterator[R]:
        """Results in order, each as soon as it is ready: from the pool when `parallel` (there is
        enough work to share), else made here."""
        if not parallel or self.jobs < 2 or len(items) < 2:
            return (function(item) for item in items)
        # Starting the pool (a manager thread, forked workers) must not be cut short by SIGTERM or
        # Ctrl-C: a pool half started cannot be shut down cleanly. Held back, they land just after.
        with signals_held():
            if self.pool is None:
                import importlib
                from concurrent.futures import ProcessPoolExecutor
                from multiprocessing import get_context

                # Workers inherit what is imported before the fork: the feed stage's modules (feedgen,
                # lxml, the renderer), which each worker would otherwise import for itself.
                for module in self.preload:
                    importlib.import_module(module)
                self.pool = ProcessPoolExecutor(
                    self.jobs, mp_context=get_context("fork"), initializer=_die_with_parent, initargs=(os.getpid(),)
                )
            return self.pool.map(function, items)  # submits every item now

    @property
    def started(self) -> bool:
        return self.pool is not None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    import signal

    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not on Windows, which has no fork
        yield
        return
    held = {getattr(signal, name) for name in _STOPPING_SIGNALS}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _die_with_parent(parent: int) -> None:
    """Worker start-up: exit when the build process dies, even by SIGKILL, instead of lingering."""
    import ctypes
    import signal

    # Forked while the parent held the stopping signals back: take them again.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {getattr(signal, name) for name in _STOPPING_SIGNALS})

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux); elsewhere workers exit on EOF
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
