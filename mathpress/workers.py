"""Workers: spread rendering over processes (Markdown, page templates, image resizing).

Worker processes are forked where the platform allows and no thread is running, so they
inherit what the parent built (the site, the template environment) instead of receiving
it pickled; otherwise work that cannot be pickled runs in this process.

A worker never outlives the build that started it, however the build ends (kill -9
included), on Linux and macOS: every pool is made by `pool()`, whose workers first run
`die_with(build's pid)`. That starts a daemon thread in the worker which checks every
PARENT_CHECK_SECONDS whether the build's process still runs, and ends the worker at once
when it does not. A forked or spawned worker checks that its parent is unchanged (a dead
parent's children are re-parented); a forkserver's worker (used once threads run, as in
the dev server) checks that the build's pid still exists, because the forkserver itself
lives as long as any worker does. On Linux the kernel also kills a direct child the moment
its parent dies (PR_SET_PDEATHSIG). Notes for a pool kept between builds: make it with
`pool()`, from a thread that lives as long as the pool (PR_SET_PDEATHSIG fires when the
*thread* that forked a worker ends); and a forked worker inherits the build lock's open
descriptor (output.build_lock), so a pool forked during one build would hold the lock.
"""

from __future__ import annotations

import ctypes
import dataclasses
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

from .cache import store_rendered
from .markup import Rendered, RenderInput, render_document
from .math import engine

# Below this many items, starting processes costs more than it saves.
PARALLEL_THRESHOLD = 16
PARENT_CHECK_SECONDS = 0.2  # how long a worker may outlive its build, at most (off Linux)
Item = TypeVar("Item")
Result = TypeVar("Result")


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether workers can be forked safely (POSIX, no other thread running, no V8 in this process)."""
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    return forkable and not engine.loaded()


def _context() -> multiprocessing.context.BaseContext:
    """fork is fastest, but unsafe once threads run (the dev server): then forkserver or spawn."""
    if can_fork():
        return multiprocessing.get_context("fork")
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def pool(
    workers: int,
    context: multiprocessing.context.BaseContext,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
) -> ProcessPoolExecutor:
    """A process pool whose workers end when this process ends, however it ends."""
    return ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(), initializer, initargs)
    )


def _start_worker(build: int, initializer: Callable[..., object] | None, initargs: tuple[Any, ...]) -> None:
    """First thing in every worker: tie its life to the build's, then run the pool's own initializer."""
    die_with(build)
    if initializer is not None:
        initializer(*initargs)


def die_with(build: int) -> None:
    """End this process as soon as process `build` (its parent, or the forkserver's client) has ended."""
    direct = os.getppid() == build
    if direct and sys.platform == "linux":
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: the kernel kills us with the parent
    if not _alive(build, direct):  # it ended before the watch began
        os._exit(1)
    threading.Thread(target=_watch, args=(build, direct), name="die-with-build", daemon=True).start()


def _watch(build: int, direct: bool) -> None:
    """Wait until the build's process has ended, then exit at once (no cleanup: the build is gone)."""
    while _alive(build, direct):
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _alive(build: int, direct: bool) -> bool:
    """Whether the build's process still runs: still our parent (a dead parent's children are re-parented),
    or, for a forkserver's worker, a process of ours with that pid."""
    if direct:
        return os.getppid() == build
    try:
        os.kill(build, 0)
    except (ProcessLookupError, PermissionError):  # gone, or the pid now belongs to someone else
        return False
    return True


Tick = Callable[[], None]  # called once per finished item (progress display)


class Progress(Protocol):
    """Where a build reports how far along it is (the CLI draws a counter on terminals)."""

    def stage(self, name: str, total: int) -> Tick:
        """Announce a stage of `total` items; returns the function to call as each one finishes."""


def _counted(results: Iterable[Result], tick: Tick | None) -> Iterator[Result]:
    """Pass results through, ticking once for each."""
    for result in results:
        yield result
        if tick:
            tick()


def parallel_imap(
    function: Callable[[Item], Result], items: Sequence[Item], workers: int, tick: Tick | None = None
) -> Iterator[Result]:
    """function over items (picklable both ways), in order, across processes when it pays.

    Results are yielded as they arrive, so the caller can use each and let it go.
    """
    if workers <= 1 or len(items) < PARALLEL_THRESHOLD:
        yield from _counted((function(item) for item in items), tick)
        return
    chunk = max(1, len(items) // (workers * 8))
    with pool(workers, _context()) as running:
        yield from _counted(running.map(function, items, chunksize=chunk), tick)


def parallel_map(
    function: Callable[[Item], Result], items: Sequence[Item], workers: int, tick: Tick | None = None
) -> list[Result]:
    """function over items (picklable both ways), across processes when it pays."""
    return list(parallel_imap(function, items, workers, tick))


RenderTask = tuple[RenderInput, str, Path | None]  # the job, its cache key, the cache folder (or None)


def render_and_store(task: RenderTask) -> Rendered:
    """Render one document; with a cache folder, store it there and return it without its HTML and TOC
    (all the parent needs, so big strings do not travel back between processes)."""
    job, key, folder = task
    result = render_document(job, folder.parent / "math" if folder else None)
    if folder is None:
        return result
    store_rendered(folder, key, result)
    return dataclasses.replace(result, html="", toc="")


def render_many(tasks: Sequence[RenderTask], workers: int, tick: Tick | None = None) -> Iterator[Rendered]:
    """Render Markdown documents in order, across worker processes when there are many."""
    return parallel_imap(render_and_store, tasks, workers, tick)


_INHERITED: list[Any] = []  # what a forked worker received from its parent (set once per worker)


def _inherit(value: Any) -> None:
    _INHERITED[:] = [value]


def _call_inherited(index: int) -> Any:
    return _INHERITED[0][index]()


def forked_calls(calls: Sequence[Callable[[], Result]], workers: int, tick: Tick | None = None) -> list[Result]:
    """Run closures (which cannot be pickled) in forked workers that inherit them; else here."""
    if workers <= 1 or len(calls) < PARALLEL_THRESHOLD * 4 or not can_fork():
        return list(_counted((call() for call in calls), tick))
    context = multiprocessing.get_context("fork")
    chunk = max(1, len(calls) // (workers * 8))
    with pool(workers, context, _inherit, (calls,)) as running:
        return list(_counted(running.map(_call_inherited, range(len(calls)), chunksize=chunk), tick))
