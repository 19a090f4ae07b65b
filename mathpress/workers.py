"""Workers: spread rendering over processes (Markdown, page templates, image resizing).

Worker processes are forked where the platform allows and no thread is running, so they
inherit what the parent built (the site, the template environment) instead of receiving
it pickled; otherwise work that cannot be pickled runs in this process.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

from .cache import store_rendered
from .markup import Rendered, RenderInput, render_document

# Below this many items, starting processes costs more than it saves.
PARALLEL_THRESHOLD = 16
Item = TypeVar("Item")
Result = TypeVar("Result")


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether workers can be forked safely (POSIX, and no other thread running)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _context() -> multiprocessing.context.BaseContext:
    """fork is fastest, but unsafe once threads run (the dev server): then forkserver or spawn."""
    if can_fork():
        return multiprocessing.get_context("fork")
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


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
    with ProcessPoolExecutor(workers, mp_context=_context()) as pool:
        yield from _counted(pool.map(function, items, chunksize=chunk), tick)


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
    result = render_document(job)
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
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_inherit, initargs=(calls,)) as pool:
        return list(_counted(pool.map(_call_inherited, range(len(calls)), chunksize=chunk), tick))
