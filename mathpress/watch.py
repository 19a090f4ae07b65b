"""Watch stage: `build --watch` — build once, then rebuild into the output folder on every save until
Ctrl-C, as `jekyll build --watch`, `hugo --watch` and `pelican --autoreload` do, with no server.

The dev server's watchers and builder (serve.py) without its HTTP server. The last good build stays
in memory (the MathJax engine too, once a span needed it), so a save that leaves a post in its place
renders that post and only the pages that show it (rebuild.py); anything else is a full build that
reuses every cached render. What is written is what `build` writes with the same options: site.yml's
url, `jekyll.environment` production, into --output.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

from .config import CONFIG_NAME
from .errors import UsageError
from .serve import WATCHED, Builder, Live, configured_address, interrupt_once, say, start_threads, watcher_jobs
from .survey import BuildOptions

KEEPS = "the output keeps the last good build"


def watch(options: BuildOptions, quiet: bool = False) -> int:
    """Build, then rebuild on every change until Ctrl-C (or SIGTERM); the exit code.

    A build that fails leaves the output as the last good build left it and keeps watching: the next
    save builds again. With `quiet`, only warnings and errors are printed.
    """
    _check_output_outside_watched(options)
    tell = (lambda _message: None) if quiet else say
    live = Live(*configured_address(options.source))  # no page listens: the builder's record of each build
    builder = Builder(options, live, tell, KEEPS)  # hashes every watched file first
    stop = threading.Event()
    changes: queue.Queue[set[Path]] = queue.Queue()
    threads = start_threads(watcher_jobs(builder.hashes.root, changes, stop))  # saves during the build count
    with interrupt_once():
        try:
            builder.rebuild(first=True)
            threads += start_threads([("rebuild", lambda: builder.run(changes, stop))])
            tell(f"watching {', '.join([f'{name}/' for name in WATCHED] + [CONFIG_NAME])} (Ctrl-C to stop)")
            stop.wait()
        except KeyboardInterrupt:
            tell("stopping")
        finally:
            stop.set()
            live.stop()
            for thread in threads:
                thread.join()
    tell("stopped")
    return 0


def _check_output_outside_watched(options: BuildOptions) -> None:
    """Refuse an output folder inside a watched folder: each build's writes would start the next."""
    out, source = options.output_dir.resolve(), options.source.resolve()
    for name in WATCHED:
        if out.is_relative_to(source / name):
            raise UsageError(f"refusing to watch into {options.output_dir}: it is inside {name}/, which is watched")
