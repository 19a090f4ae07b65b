"""Workers: RenderInputs → Rendered, from the cache or across worker processes."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from .cache import RenderCache, render_key
from .markup import Rendered, RenderInput, render_document

# Below this many documents, starting processes costs more than it saves.
PARALLEL_THRESHOLD = 16


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def render_all(jobs: Sequence[RenderInput], cache: RenderCache, workers: int) -> list[Rendered]:
    """Render every job, taking what the cache holds and storing what was rendered."""
    keys = [render_key(job) for job in jobs]
    found = [cache.get(key) for key in keys]
    missing = [index for index, result in enumerate(found) if result is None]
    fresh = render_many([jobs[index] for index in missing], workers)
    for index, result in zip(missing, fresh, strict=True):
        found[index] = result
        cache.put(keys[index], result)
    return [result for result in found if result is not None]


def render_many(jobs: Sequence[RenderInput], workers: int) -> list[Rendered]:
    """Render jobs in this process, or across worker processes when there are many."""
    if workers <= 1 or len(jobs) < PARALLEL_THRESHOLD:
        return [render_document(job) for job in jobs]
    chunk = max(1, len(jobs) // (workers * 8))
    with ProcessPoolExecutor(workers, mp_context=_context()) as pool:
        return list(pool.map(render_document, jobs, chunksize=chunk))


def _context() -> multiprocessing.context.BaseContext:
    """fork is fastest, but unsafe once threads run (the dev server): then forkserver."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
