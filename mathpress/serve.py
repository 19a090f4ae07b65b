"""Serve stage: the site folder → a local HTTP preview, rebuilt on every change and reloaded live.

Three kinds of threads share one `Live` object and nothing else: two watchers queue the
paths that changed, one builder thread (the only caller of `build` once serving starts)
hashes them, rebuilds when bytes really changed and publishes a new `Snapshot`, and the
HTTP server's request threads read the latest Snapshot. Open pages hold a server-sent
events connection and reload when the Snapshot's version moves on.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import hashlib
import html
import json
import mimetypes
import os
import queue
import re
import secrets
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback
import webbrowser
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, MappingProxyType
from typing import Any
from urllib.parse import parse_qs, quote, unquote_to_bytes, urlsplit

import watchfiles

from .config import CONFIG_NAME, load_config
from .content import is_ignored
from .errors import BuildFailed, SourceError, UsageError
from .math import engine
from .output import OutputError
from .pipeline import Built
from .rebuild import rebuild
from .survey import BuildOptions
from .verify import site_host

WATCHED = ("content", "templates", "static", "_includes", "_data", "_bibliography")  # Liquid's; citations' .bib
# Litter that content.IGNORED_NAMES does not list: JetBrains' safe-write files, Kate and Chrome swaps.
# A burst of saves is one rebuild: watchfiles yields once nothing changed for QUIET_MS (or after
# LONGEST_BURST_MS of steady changes); what the two watchers yield within MERGE_SECONDS is one batch.
QUIET_MS = 10  # editors write a save within a few ms; every ms here is on screen after a save (from a
# temporary file's rename to watchfiles' yield, medians of 15 saves: 31 ms at 20 ms, 12 ms at 10 ms)
LONGEST_BURST_MS = 2000
MERGE_SECONDS = 0.005  # only what the other watcher already queued: a later event is one more (cheap) update
KEEPALIVE_SECONDS = 15.0
EVENTS_PATH = "/__mathpress/events"
STATUS_PATH = "/__mathpress/status"
HTTP_THREAD = "http"
KEEPS = "still serving the last good build"  # after a failed build
LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]")
HTML_TYPE = "text/html; charset=utf-8"
CONTENT_TYPES: Mapping[str, str] = MappingProxyType(
    {
        ".html": HTML_TYPE,
        ".htm": HTML_TYPE,
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".mjs": "text/javascript; charset=utf-8",
        ".json": "application/json",
        ".map": "application/json",
        ".xml": "application/xml",
        ".txt": "text/plain; charset=utf-8",
        ".svg": "image/svg+xml",
        ".png": "image/png",
        ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg",
        ".gif": "image/gif",
        ".webp": "image/webp",
        ".avif": "image/avif",
        ".ico": "image/x-icon",
        ".woff2": "font/woff2",
        ".woff": "font/woff",
        ".ttf": "font/ttf",
        ".otf": "font/otf",
        ".pdf": "application/pdf",
        ".wasm": "application/wasm",
    }
)
URL_SAFE = "/:@!$&'()*+,;=~-._"
URL_ATTRIBUTE = re.compile(rb"""(\s(?:href|src|srcset|poster)\s*=\s*)("[^"]*"|'[^']*'|[^\s"'>]+)""", re.I)
NOT_FOUND_PAGE = (
    b'<!doctype html>\n<html><head><meta charset="utf-8"><title>Not found</title></head>\n'
    b"<body><h1>Not found</h1><p>Nothing here, and the site has no 404.html yet.</p></body></html>\n"
)
RELOAD_SCRIPT = """<script id="mathpress-reload">
(() => {
  // Live update: on each change the page fetches itself again and swaps in what changed (the article,
  // a list, the error overlay, a stylesheet), so the scroll position and the math MathJax typeset in
  // the parts that did not change stay. It reloads only when the head changed beyond the title and
  // meta tags, the page's <html>/<body> attributes changed, a script it runs changed, or it cannot know.
  const me = document.currentScript, before = me.previousSibling;
  const key = "mathpress-scroll:" + location.pathname, base = BASE;
  const saved = JSON.parse(sessionStorage.getItem(key) || "null");
  sessionStorage.removeItem(key);
  const restore = () => saved && window.scrollTo(saved[0], saved[1]);
  restore();
  addEventListener("load", () => {
    restore();  // again once images and fonts have their size, and once more after MathJax
    const startup = window.MathJax && window.MathJax.startup;
    if (saved && startup && startup.promise) startup.promise.then(restore);
  });
  me.remove();  // the page as served, without this script: what a fresh load of the same page shows
  const known = new WeakSet();  // the nodes the server sent (not those MathJax or others added)
  const remember = (root) => {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_ALL);
    for (let node = walk.currentNode; node; node = walk.nextNode()) known.add(node);
  };
  remember(document.documentElement);
  let served = document.documentElement.cloneNode(true);  // the last page the server sent, untouched
  addEventListener("DOMContentLoaded", () => {  // the parser added the newlines after this script to `before`
    const last = served.querySelector("body").lastChild;
    if (before && last && before.nodeType === Node.TEXT_NODE && last.nodeType === Node.TEXT_NODE) {
      last.nodeValue = before.nodeValue;
    }
  });
  const reload = () => {
    sessionStorage.setItem(key, JSON.stringify([window.scrollX, window.scrollY]));
    location.reload();
  };
  const same = (a, b) => a.nodeType === b.nodeType && (a.nodeType === Node.ELEMENT_NODE
    ? a.outerHTML === b.outerHTML : a.nodeValue === b.nodeValue);
  const shell = (a, b) => a.nodeType === Node.ELEMENT_NODE && b.nodeType === Node.ELEMENT_NODE
    && a.tagName === b.tagName && a.attributes.length === b.attributes.length
    && [...a.attributes].every((at) => b.getAttribute(at.name) === at.value);
  const headParts = "title, meta, link[rel~=canonical], link[rel~=alternate], script[type='application/ld+json']";
  const swappable = (node) => node.nodeType !== Node.ELEMENT_NODE || node.matches(headParts);
  // The steps that turn `live` (whose children the server sent as `old`'s) into `now`: the children
  // between the common start and end are replaced, or, when one element changed inside, only what
  // changed inside it. "reload" if a changed child may not be swapped; "whole" if `live` no longer
  // has the children it was sent (MathJax rewrote them): its parent replaces it whole.
  const plan = (old, now, live, steps, allowed) => {
    const o = [...old.childNodes], n = [...now.childNodes];
    const l = [...live.childNodes].filter((node) => known.has(node));
    if (l.length !== o.length || l.some((node, i) => node.nodeName !== o[i].nodeName)) return "whole";
    let start = 0, end = 0;
    while (start < o.length && start < n.length && same(o[start], n[start])) start++;
    const last = (list) => list[list.length - 1 - end];
    while (end < o.length - start && end < n.length - start && same(last(o), last(n))) end++;
    const gone = l.slice(start, l.length - end), added = n.slice(start, n.length - end);
    if (!gone.length && !added.length) return "same";
    if (gone.length === 1 && added.length === 1 && shell(o[start], added[0])) {
      const inside = plan(o[start], added[0], gone[0], steps, allowed);
      if (inside !== "whole") return inside;
    }
    if (allowed && ![...o.slice(start, o.length - end), ...added].every(allowed)) return "reload";
    steps.push({parent: live, gone, added, next: l[l.length - end], previous: l[start - 1]});
    return "swap";
  };
  const apply = (steps) => {
    const inserted = [], removed = [];
    for (const step of steps) {
      const nodes = step.added.map((node) => document.importNode(node, true));
      if (step.gone.length) step.gone[0].before(...nodes);
      else if (step.next) step.next.before(...nodes);
      else if (step.previous) step.previous.after(...nodes);
      else step.parent.append(...nodes);
      step.gone.forEach((node) => node.remove());
      nodes.forEach(remember);
      inserted.push(...nodes);
      removed.push(...step.gone);
    }
    return [inserted, removed];
  };
  const elements = (nodes) => nodes.filter((node) => node.nodeType === Node.ELEMENT_NODE);
  const refreshAssets = (written) => {  // stylesheets and images whose file changed, fetched again
    const changed = new Set(written.map((rel) => base + rel));
    const hit = (url) => changed.has(decodeURI(new URL(url, location.href).pathname));
    if ([...document.scripts].some((script) => script.src && hit(script.src))) return false;
    for (const link of document.querySelectorAll("link[rel~=stylesheet][href]")) {
      if (!hit(link.href)) continue;
      const next = link.cloneNode();
      const url = new URL(link.href);
      url.searchParams.set("mathpress", Date.now().toString(36));
      next.href = url.href;
      known.delete(link);  // the new link stands for the one the server sent
      known.add(next);
      next.addEventListener("load", () => link.remove(), {once: true});
      next.addEventListener("error", () => link.remove(), {once: true});
      link.after(next);
    }
    for (const image of document.images) {
      if (image.src && hit(image.src)) image.src = image.src.split("?")[0] + "?mathpress=" + Date.now().toString(36);
    }
    return true;
  };
  const update = async (written) => {
    if (written === null) return reload();  // too much changed to say, or a change this page missed
    if (!refreshAssets(written)) return reload();
    const answer = await fetch(location.href, {cache: "no-store"});
    if (!answer.ok) return reload();
    const now = new DOMParser().parseFromString(await answer.text(), "text/html");
    const script = now.getElementById("mathpress-reload");
    if (script) script.remove();
    now.body.normalize();  // the text around the script is one text node, as in this page
    const oldBody = served.querySelector("body"), oldHead = served.querySelector("head");
    if (!shell(served, now.documentElement) || !shell(oldBody, now.body)) return reload();
    const steps = [];
    const head = plan(oldHead, now.head, document.head, steps, swappable);
    const body = plan(oldBody, now.body, document.body, steps, null);
    if (head === "reload" || head === "whole" || body === "whole") return reload();
    const MathJax = window.MathJax, tex = MathJax && MathJax.config && MathJax.config.tex;
    const hasMath = (node) => node.nodeType === Node.ELEMENT_NODE
      && (node.matches(".math") || node.querySelector(".math") !== null);
    if (tex && tex.tags && tex.tags !== "none" && steps.some((step) => step.added.some(hasMath))) {
      return reload();  // MathJax numbers the equations of the whole page: typesetting a part would renumber it
    }
    // What was replaced where, for whoever wonders why a save redrew more than it changed.
    window.mathpressSteps = steps.map((step) => `${step.parent.nodeName}: -${step.gone.length} +${step.added.length}`);
    const [inserted, removed] = apply(steps);
    served = now.documentElement;
    const math = elements(inserted).filter((node) => document.body.contains(node));
    if (math.length && MathJax && MathJax.typesetPromise && MathJax.startup) {
      await MathJax.startup.promise;
      if (MathJax.typesetClear) MathJax.typesetClear(elements(removed));
      await MathJax.typesetPromise(math);
    }
    window.mathpressSwaps = (window.mathpressSwaps || 0) + 1;
    dispatchEvent(new CustomEvent("mathpress:swapped", {detail: {inserted: inserted.length}}));
  };
  let queue = Promise.resolve(), events = null;
  const listen = (version) => {
    events = new EventSource("EVENTS?version=" + encodeURIComponent(version));
    events.addEventListener("change", (event) => {
      const change = JSON.parse(event.data);
      events.close();
      listen(change.version);  // at once: a save during the update is the next event
      queue = queue.then(() => update(change.written)).catch((error) => {
        console.error("mathpress: live update failed, reloading", error);
        reload();
      });
    });
  };
  listen(VERSION);
})();
</script>
"""
OVERLAY = (
    '<div id="mathpress-errors" role="alert" style="position:fixed;top:0;left:0;right:0;'
    "z-index:2147483647;max-height:70vh;overflow:auto;margin:0;padding:1em 1.25em;"
    "background:#fff0f0;color:#600;border-bottom:4px solid #c00;box-shadow:0 4px 18px #0004;"
    'font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;text-align:left">'
    "<strong>The last rebuild failed; this is the last good build. Fix and save:</strong>"
    '<pre style="margin:.5em 0 0;white-space:pre-wrap;font:inherit;background:none;color:inherit">'
    "{lines}</pre></div>\n"
)


def serve(options: argparse.Namespace) -> int:
    """Build, serve on --host:--port and rebuild on every change until Ctrl-C; the exit code."""
    build_options = BuildOptions(
        source=options.source, drafts=options.drafts, future=options.future, jobs=0, environment="development"
    )
    live = Live(*configured_address(options.source))
    try:
        server = DevServer(options.host, options.port, build_options.output_dir, live)
    except OSError as exc:
        print(f"mathpress: error: {bind_problem(options.host, options.port, exc)}", file=sys.stderr)
        return 2
    # As `jekyll serve` does: site.url (and every absolute URL the build writes) is this server's address.
    build_options = dataclasses.replace(build_options, url=server.origin)
    builder = Builder(build_options, live)  # hashes every watched file first
    stop = threading.Event()
    changes: queue.Queue[set[Path]] = queue.Queue()
    threads = start_threads(watcher_jobs(builder.hashes.root, changes, stop))  # saves during the build count
    with interrupt_once():
        try:
            builder.rebuild(first=True)
            threads += start_threads(
                [(HTTP_THREAD, lambda: server.serve_forever(0.2)), ("rebuild", lambda: builder.run(changes, stop))]
            )
            url = server.url(live.snapshot().base_url)
            say(f"serving {options.source} at {url} (Ctrl-C to stop)")
            say("watching " + ", ".join([f"{name}/" for name in WATCHED] + [CONFIG_NAME]))
            if options.open:
                webbrowser.open(url)
            stop.wait()
        except KeyboardInterrupt:
            say("stopping")
        finally:
            shut_down(server, live, stop, threads)
    say("stopped")
    return 0


@contextmanager
def interrupt_once() -> Iterator[None]:
    """Ctrl-C (or SIGTERM) raises KeyboardInterrupt once; more presses cannot break the clean stop."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals: keep Python's default
        return

    def stop_once(signum: int, frame: FrameType | None) -> None:
        for name in (signal.SIGINT, signal.SIGTERM):
            signal.signal(name, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = {name: signal.signal(name, stop_once) for name in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(name, handler)


def say(message: str) -> None:
    """One timestamped line for the writer watching the terminal."""
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def configured_address(source: Path) -> tuple[str, str]:
    """The base path and the address (`https://host`) site.yml gives; `/` and none while site.yml has an
    error (the build reports it)."""
    try:
        config = load_config(source)
    except SourceError:
        return "/", ""
    return config.base_url, config.url


def bind_problem(host: str, port: int, exc: OSError) -> str:
    """Why the server cannot listen, with a free port to try instead when the port is taken."""
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is already in use on {host}; try --port {free_port(host)} (free right now)"
    return f"cannot listen on {host} port {port}: {exc.strerror or exc}"


def free_port(host: str) -> int:
    """A port the system says is free on this host right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


Job = tuple[str, Callable[[], None]]


def watcher_jobs(root: Path, changes: queue.Queue[set[Path]], stop: threading.Event) -> list[Job]:
    """The two watchers: the folders recursively, and the site folder itself for site.yml."""
    rewatch = threading.Event()
    return [
        ("watch-folders", lambda: watch_folders(root, changes, stop, rewatch)),
        ("watch-root", lambda: watch_root(root, changes, stop, rewatch)),
    ]


def start_threads(jobs: list[Job]) -> list[threading.Thread]:
    """Run each job in a thread of its own."""
    threads = [threading.Thread(target=job, name=name, daemon=True) for name, job in jobs]
    for thread in threads:
        thread.start()
    return threads


def shut_down(server: DevServer, live: Live, stop: threading.Event, threads: list[threading.Thread]) -> None:
    """Stop the watchers, the builder, the event streams and the server, then close the port."""
    stop.set()
    live.stop()
    if any(thread.name == HTTP_THREAD for thread in threads):
        server.shutdown()  # returns once serve_forever has, so only when it runs
    for thread in threads:
        thread.join()
    server.server_close()


# -- state shared between threads ------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What every request sees: the base path, a version that changes with the site, the errors, and the
    address site.yml gives (links to it are served from here)."""

    base_url: str
    version: str
    builds: int = 0
    skipped: int = 0
    errors: tuple[str, ...] = ()
    site_url: str = ""
    since: str = ""  # the version before this one
    written: tuple[str, ...] | None = ()  # the output files that changed since then; None: too many to list


WRITTEN_LIMIT = 1000  # more changed files than this (a template edit): open pages reload
HISTORY = 8  # versions remembered: a page that missed a few changes still updates in place


class Live:
    """The latest Snapshot, replaced whole under one lock; waiters wake when it changes."""

    def __init__(self, base_url: str, site_url: str = "") -> None:
        self._changed = threading.Condition()
        self._instance = secrets.token_hex(4)  # a restarted server reloads pages of the old one
        self._generation = 0
        self._snapshot = Snapshot(base_url, self._version(), site_url=site_url)
        self._stopped = False
        self._history: list[Snapshot] = []  # the last few versions, for pages a version or two behind

    def _version(self) -> str:
        return f"{self._instance}-{self._generation}"

    def snapshot(self) -> Snapshot:
        """The current Snapshot."""
        with self._changed:
            return self._snapshot

    def built(self, errors: tuple[str, ...], written: Sequence[str], base_url: str, site_url: str) -> None:
        """Record a build; pages update when the site (the output files `written`), the error list or the
        site's address changed, and reload when the address moved or too much changed to list."""
        with self._changed:
            old = self._snapshot
            moved = (base_url, site_url) != (old.base_url, old.site_url)
            if not (written or errors != old.errors or moved):
                self._snapshot = dataclasses.replace(old, builds=old.builds + 1)
            else:
                self._generation += 1
                listed = None if moved or len(written) > WRITTEN_LIMIT else tuple(sorted(written))
                self._snapshot = Snapshot(
                    base_url, self._version(), old.builds + 1, old.skipped, errors, site_url, old.version, listed
                )
                self._history = [*self._history[-HISTORY + 1 :], self._snapshot]
            self._changed.notify_all()

    def written_since(self, version: str) -> list[str] | None:
        """Every output file written since that version (None: not known, too many, or the address moved)."""
        with self._changed:
            since = [snapshot.since for snapshot in self._history]
            if version not in since:
                return None
            later = self._history[since.index(version) :]
            if any(snapshot.written is None for snapshot in later):
                return None
            written = sorted({rel for snapshot in later for rel in snapshot.written or ()})
            return written if len(written) <= WRITTEN_LIMIT else None

    def skip(self) -> None:
        """Record a batch of saves that changed no file's bytes."""
        with self._changed:
            self._snapshot = dataclasses.replace(self._snapshot, skipped=self._snapshot.skipped + 1)

    def wait(self, version: str, timeout: float) -> Snapshot | None:
        """Wait until the version differs from this one (or timeout); None once stopping."""
        with self._changed:
            self._changed.wait_for(lambda: self._stopped or self._snapshot.version != version, timeout)
            return None if self._stopped else self._snapshot

    def stop(self) -> None:
        """Wake every waiter for good: the server is stopping."""
        with self._changed:
            self._stopped = True
            self._changed.notify_all()


# -- watching and rebuilding -----------------------------------------------------------------


def is_litter(rel: Path) -> bool:
    """Editor swap, backup and lock files and hidden folders (but `_name` counts: _macros.html)."""
    return any(is_ignored(part.lstrip("_") or part) for part in rel.parts)


def change_kind(rel: str) -> str:
    """Sort a changed file: config, template, static, post, page or content (a content asset)."""
    if rel == CONFIG_NAME:
        return "config"
    if rel.endswith(".bib"):  # posts citing from it are rendered again (a full incremental build)
        return "bibliography"
    top, _, rest = rel.partition("/")
    if top in ("templates", "static"):
        return top.removesuffix("s")
    if top in ("_includes", "_data"):
        return "include" if top == "_includes" else "data"
    if rest.endswith((".md", ".markdown")):
        return "post" if rest.startswith("posts/") else "page"
    return "content"


@dataclass(frozen=True)
class AnyEvent:
    """Set as soon as one of its events is (watchfiles only asks `is_set`)."""

    events: tuple[threading.Event, ...]

    def is_set(self) -> bool:
        """Whether any event is set."""
        return any(event.is_set() for event in self.events)


def watch_folders(root: Path, changes: queue.Queue[set[Path]], stop: threading.Event, rewatch: threading.Event) -> None:
    """Queue what changes under content/, templates/, static/; start over when one comes or goes."""
    keep_out = AnyEvent((stop, rewatch))

    def wanted(_change: watchfiles.Change, path: str) -> bool:
        return not is_litter(Path(path).relative_to(root))

    while not stop.is_set():
        rewatch.clear()
        folders = [root / name for name in WATCHED if (root / name).is_dir()]
        try:
            for batch in watchfiles.watch(
                *folders,
                watch_filter=wanted,
                stop_event=keep_out,
                step=QUIET_MS,
                debounce=LONGEST_BURST_MS,
                raise_interrupt=False,
            ):
                changes.put({Path(path) for _change, path in batch})
        except OSError:  # a folder vanished between is_dir() and watch(): look again shortly
            pass
        if not keep_out.is_set():  # no folders to watch, or one vanished
            stop.wait(0.5)


def watch_root(root: Path, changes: queue.Queue[set[Path]], stop: threading.Event, rewatch: threading.Event) -> None:
    """Queue changes to site.yml (editors often replace it by renaming) and to the watched folders."""

    def wanted(change: watchfiles.Change, path: str) -> bool:
        name = Path(path).name
        watched = name in WATCHED and change != watchfiles.Change.modified
        return name == CONFIG_NAME or name.endswith(".bib") or watched

    for batch in watchfiles.watch(
        root,
        watch_filter=wanted,
        stop_event=stop,
        recursive=False,
        step=QUIET_MS,
        debounce=LONGEST_BURST_MS,
        raise_interrupt=False,
    ):
        paths = {Path(path) for _change, path in batch}
        if any(path.name in WATCHED for path in paths):
            rewatch.set()
        changes.put(paths)


def next_batch(changes: queue.Queue[set[Path]]) -> set[Path]:
    """Wait briefly for changes; merge what both watchers yield for the same burst."""
    try:
        batch = set(changes.get(timeout=0.25))
    except queue.Empty:
        return set()
    deadline = time.monotonic() + MERGE_SECONDS
    while (left := deadline - time.monotonic()) > 0:
        try:
            batch |= changes.get(timeout=left)
        except queue.Empty:
            break
    return batch


def file_digests(path: Path, root: Path) -> Iterator[tuple[str, str]]:
    """(relative path, sha256 of its bytes) for a file, or for every file in a folder."""
    if path.is_dir():
        for folder, dirs, names in os.walk(path):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not is_litter(Path(d)))
            for name in sorted(n for n in names if not is_litter(Path(n))):
                yield from file_digests(here / name, root)
        return
    try:
        with path.open("rb") as file:
            digest = hashlib.file_digest(file, "sha256").hexdigest()
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return  # gone again, or not ours to read: as if absent
    yield path.relative_to(root).as_posix(), digest


class FileHashes:
    """A hash of every watched file's bytes, to tell real changes from saves of the same bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.digests: dict[str, str] = {}
        self.refresh(root / name for name in (*WATCHED, CONFIG_NAME))

    def refresh(self, paths: Iterable[Path]) -> list[str]:
        """Rehash these files or folders; the relative paths whose bytes changed, came or went."""
        changed: set[str] = set()
        for path in paths:
            rel = path.relative_to(self.root).as_posix()
            before = {k: v for k, v in self.digests.items() if k == rel or k.startswith(rel + "/")}
            now = dict(file_digests(path, self.root))
            for key in before:
                del self.digests[key]
            self.digests.update(now)
            changed.update(key for key in before.keys() | now.keys() if before.get(key) != now.get(key))
        return sorted(changed)


def error_lines(exc: Exception) -> tuple[str, ...]:
    """A failed build's errors as `path:line:col: message` lines."""
    if isinstance(exc, BuildFailed):
        return tuple(str(d) for d in exc.diagnostics if d.severity == "error")
    if isinstance(exc, SourceError):
        return (str(exc.diagnostic),)
    if isinstance(exc, UsageError):
        return (f"mathpress: {exc}",)
    if isinstance(exc, OutputError):
        return (str(exc),)
    return (f"mathpress: internal error: {type(exc).__name__}: {exc} (a bug; the traceback is in the terminal)",)


class Builder:
    """Turns batches of changed paths into builds; after startup, only its thread calls build()."""

    def __init__(
        self, options: BuildOptions, live: Live, tell: Callable[[str], None] | None = None, keeps: str = KEEPS
    ) -> None:
        self.options = options
        self.live = live
        self.tell = tell or say  # the terminal's progress lines (`build --watch --quiet`: none)
        self.keeps = keeps  # what a failed build leaves, for the terminal
        self.hashes = FileHashes(options.source.resolve())
        self.address: tuple[str, str] | None = None  # base path and address from site.yml; dropped when it changes
        self.built: Built | None = None  # the last good build, kept to update in place

    def run(self, changes: queue.Queue[set[Path]], stop: threading.Event) -> None:
        """Rebuild after each burst of changes until stopped."""
        self.warm_up()
        while not stop.is_set():
            batch = next_batch(changes)
            if batch and not stop.is_set():
                self.handle(batch)

    def warm_up(self) -> None:
        """Start MathJax before the first save when the site has math (about 0.3-0.8 s, once): a save
        that brings a new span then waits only for that span."""
        built = self.built
        if built is None or not any(summary.has_math for summary in built.rendered.summaries):
            return
        with suppress(engine.EngineError):  # the build that needs it reports why, at the span
            engine.start()

    def handle(self, paths: set[Path]) -> None:
        """Rebuild if any file's bytes changed, saying what kind of change it was."""
        changed = self.hashes.refresh(sorted(paths))
        if not changed:
            self.live.skip()
            saved = [path.relative_to(self.hashes.root).as_posix() for path in paths]
            self.tell(f"saved without changes: {short_list(saved)}; not rebuilding")
            return
        kinds = sorted({change_kind(rel) for rel in changed})
        self.tell(f"{' and '.join(kinds)} changed: {short_list(changed)}; rebuilding")
        if "config" in kinds:
            self.address = None
        self.rebuild(changed)

    def rebuild(self, changed: Sequence[str] = (), first: bool = False) -> None:
        """Update the site kept in memory (or build it again in full); the outcome goes to the
        terminal and, through Live, to every open page."""
        before = self.live.snapshot()
        address = before.base_url, before.site_url
        started = time.perf_counter()
        built, self.built = self.built, None  # a failed build leaves nothing to update next time
        try:
            done = rebuild(self.options, built, changed)
        except Exception as exc:
            if first and isinstance(exc, UsageError):
                raise  # bad folders or options: the command line says so and exits 2
            if not isinstance(exc, BuildFailed | SourceError | UsageError | OutputError):
                traceback.print_exc()  # a bug in mathpress: show it, keep serving the last good build
            self.failed(exc, address)
            return
        self.built = done.built
        for diagnostic in done.diagnostics:
            print(diagnostic, file=sys.stderr, flush=True)
        new = self.current_address(address)
        self.live.built((), done.written, *new)
        how = "built" if done.full else "updated"
        self.tell(f"{how} in {time.perf_counter() - started:.2f} s: {len(done.written)} written or removed")
        if new[0] != address[0]:
            self.tell(f"the base path is now {new[0]}")

    def failed(self, exc: Exception, address: tuple[str, str]) -> None:
        """Report a failed build; the last good build stays up, with the errors over it."""
        errors = error_lines(exc)
        for line in errors:
            print(line, file=sys.stderr, flush=True)
        self.live.built(errors, (), *address)
        self.tell(f"build failed ({len(errors)} error(s)); {self.keeps}")

    def current_address(self, fallback: tuple[str, str]) -> tuple[str, str]:
        """The base path and address of site.yml as just built, read again after site.yml changed."""
        if self.address is None:
            try:
                config = load_config(self.options.source)
            except (SourceError, UsageError):  # changed again since the build: the next one says why
                return fallback
            self.address = config.base_url, config.url
        return self.address


def short_list(rels: Iterable[str]) -> str:
    """The first few of some paths, for a log line."""
    names = sorted(rels)
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


# -- answering requests ----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """Where a request path leads: a file (200), a redirect, or the 404 page."""

    status: HTTPStatus
    file: Path | None = None
    location: str = ""


def decode_path(raw: str) -> str | None:
    """The percent-decoded UTF-8 path; None when it cannot name a file (bad UTF-8, NUL, backslash)."""
    try:
        # http.server hands over the request line decoded as Latin-1: undo that first.
        path = unquote_to_bytes(raw.encode("latin-1")).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    if "\\" in path or "\x00" in path or not path.startswith("/"):
        return None
    return path


def inside(root: Path, rel: str) -> Path | None:
    """ROOT/REL with every symlink resolved, or None when that leads out of ROOT."""
    real_root = root.resolve()
    target = (real_root / rel).resolve()
    return target if target.is_relative_to(real_root) else None


def find_route(output: Path, base_url: str, target: str) -> Route:
    """Map a request target to a file in the output folder, a redirect, or not found."""
    parts = urlsplit(target)
    path = decode_path(parts.path)
    not_found = Route(HTTPStatus.NOT_FOUND, inside(output, "404.html"))
    if path is None:
        return not_found
    query = f"?{parts.query}" if parts.query else ""
    if path == "/" and base_url != "/":  # 302, not 301: site.yml may move the base again
        return Route(HTTPStatus.FOUND, location=quote(base_url, safe=URL_SAFE))
    if path + "/" == base_url:
        return Route(HTTPStatus.MOVED_PERMANENTLY, location=quote(base_url, safe=URL_SAFE) + query)
    if not path.startswith(base_url):
        return not_found
    rel = path[len(base_url) :]
    segments = rel.split("/")
    if any(segment in ("", ".", "..") for segment in segments[:-1]) or segments[-1] in (".", ".."):
        return not_found
    found = inside(output, rel)
    if found is not None and found.is_dir():
        if rel and not rel.endswith("/"):
            return Route(HTTPStatus.MOVED_PERMANENTLY, location=quote(path + "/", safe=URL_SAFE) + query)
        found = inside(output, rel + "index.html")
    elif (found is None or not found.exists()) and rel and not rel.endswith("/"):
        found = inside(output, rel + ".html")  # GitHub Pages serves /a from a.html (Jekyll's extension-less URLs)
    if found is None or not found.is_file():
        return not_found
    return Route(HTTPStatus.OK, found)


def content_type(path: Path) -> str:
    """The Content-Type for a file, by its suffix."""
    known = CONTENT_TYPES.get(path.suffix.lower())
    return known or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def inject(page: bytes, snapshot: Snapshot) -> bytes:
    """Add the reload script, and the error overlay after a failed build, before </body>."""
    overlay = OVERLAY.format(lines="\n".join(html.escape(line) for line in snapshot.errors))
    script = (
        RELOAD_SCRIPT.replace("EVENTS", EVENTS_PATH)
        .replace("VERSION", json.dumps(snapshot.version))
        .replace("BASE", json.dumps(snapshot.base_url).replace("</", "<\\/"))
    )
    extra = ((overlay if snapshot.errors else "") + script).encode("utf-8")
    end = page.lower().rfind(b"</body>")
    return page + extra if end < 0 else page[:end] + extra + page[end:]


def own_prefix(site_url: str, base_url: str) -> re.Pattern[bytes] | None:
    """How absolute URLs under the configured site start (http, https or //; its host in any case; its base
    path), or None when site.yml gives no address."""
    host = site_host(site_url)
    if not host:
        return None
    start = rb"(?:https?:)?//" + re.escape(host.encode()) + rb"(?::(?:80|443))?"
    return re.compile(start + re.escape(base_url.rstrip("/").encode()) + rb"""(?=[/?#"'\s,]|$)""", re.I)


def served_here(page: bytes, snapshot: Snapshot, origin: str) -> bytes:
    """A page with its links and image sources on the configured site's address pointing at this server,
    so a figure a post wrote as `https://owner.github.io/images/a.png` shows this build's file (or is missing
    here) rather than the published one."""
    prefix = own_prefix(snapshot.site_url, snapshot.base_url)
    if prefix is None or site_host(snapshot.site_url) == site_host(origin):
        return page
    here = (origin + snapshot.base_url.rstrip("/")).encode()

    def local(value: re.Match[bytes]) -> bytes:
        return value[1] + prefix.sub(lambda _: here, value[2])

    return URL_ATTRIBUTE.sub(local, page)


def host_names(host: str, port: int) -> frozenset[str]:
    """The Host headers this server answers: its own address and loopback names, with the port."""
    names = {f"[{host}]" if ":" in host and not host.startswith("[") else host, *LOCAL_NAMES}
    with_port = {f"{name}:{port}".lower() for name in names}
    return frozenset(with_port | ({name.lower() for name in names} if port == 80 else set()))


class DevServer(ThreadingHTTPServer):
    """A threading HTTP server for one output folder, refusing other Host names (DNS rebinding)."""

    daemon_threads = True  # event streams end through Live.stop(); a stuck client never blocks exit

    def __init__(self, host: str, port: int, output: Path, live: Live) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host.strip("[]"), port), Handler)
        self.host = host.strip("[]")
        self.port: int = self.server_address[1]
        self.output = output
        self.live = live
        self.hosts = host_names(self.host, self.port)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup (getfqdn can take seconds)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    @property
    def origin(self) -> str:
        """This server's scheme, host and port: what the site's own address becomes while serving."""
        name = "localhost" if self.host in ("0.0.0.0", "::", "") else self.host
        name = f"[{name}]" if ":" in name else name
        return f"http://{name}:{self.port}"

    def url(self, base_url: str) -> str:
        """The address to open in a browser."""
        return self.origin + quote(base_url, safe=URL_SAFE)

    def allows(self, host_header: str | None, local_address: str) -> bool:
        """Whether a Host header names this server (the address a client reached counts too)."""
        if not host_header:
            return False
        reached = host_names(local_address, self.port)
        return host_header.strip().lower() in self.hosts | reached

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a browser hangs up; show anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD for the built site, the reload event stream and the status JSON."""

    server: DevServer
    server_version = "mathpress"

    def do_GET(self) -> None:
        """Answer GET."""
        self.answer(body=True)

    def do_HEAD(self) -> None:
        """Answer HEAD: GET's headers only."""
        self.answer(body=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the terminal is for build messages."""

    def answer(self, body: bool) -> None:
        """Check the Host, then send a file, a redirect, the 404 page, events or the status."""
        if not self.server.allows(self.headers.get("Host"), str(self.connection.getsockname()[0])):
            self.send(HTTPStatus.FORBIDDEN, b"403: this server only answers to localhost\n", body)
            return
        snapshot = self.server.live.snapshot()
        parts = urlsplit(self.path)
        if parts.path == EVENTS_PATH and body:
            self.stream_events(parse_qs(parts.query).get("version", [""])[0])
        elif parts.path == STATUS_PATH:
            self.send(HTTPStatus.OK, status_json(snapshot), body, "application/json")
        else:
            self.send_route(find_route(self.server.output, snapshot.base_url, self.path), snapshot, body)

    def send_route(self, route: Route, snapshot: Snapshot, body: bool) -> None:
        """Send a Route's file (HTML gets the reload script), redirect, or 404 page."""
        if route.location:
            self.send(route.status, b"", body, location=route.location)
            return
        try:
            data = route.file.read_bytes() if route.file else NOT_FOUND_PAGE
        except OSError:  # replaced by a rebuild between finding and reading it
            data, route = NOT_FOUND_PAGE, Route(HTTPStatus.NOT_FOUND)
        ctype = content_type(route.file) if route.file else HTML_TYPE
        if ctype == HTML_TYPE:
            data = inject(served_here(data, snapshot, self.server.origin), snapshot)
        elif route.status == HTTPStatus.OK:  # assets: the browser keeps them and asks whether they changed
            tag = entity_tag(data)
            if if_none_match(self.headers.get("If-None-Match")) & {tag, "*"}:
                self.send(HTTPStatus.NOT_MODIFIED, b"", False, ctype, etag=tag)
                return
            self.send(route.status, data, body, ctype, etag=tag)
            return
        self.send(route.status, data, body, ctype)

    def send(
        self,
        status: HTTPStatus,
        data: bytes,
        body: bool,
        ctype: str = "text/plain; charset=utf-8",
        location: str = "",
        etag: str = "",
    ) -> None:
        """Status line, headers and, for GET, the body: never stored, except that a response with an entity
        tag may be kept if the browser revalidates it on every use (`no-cache`: a 304 when the bytes are
        the same), so a reload does not fetch unchanged stylesheets again."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache" if etag else "no-store")
        if etag:
            self.send_header("ETag", etag)
        self.send_header("X-Content-Type-Options", "nosniff")
        if location:
            self.send_header("Location", location)
        self.end_headers()
        if body:
            self.wfile.write(data)

    def stream_events(self, version: str) -> None:
        """Server-sent events: one `change` once the site differs from the page's version, with the output
        files that changed since that version (null when they are not known: the page reloads)."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(b"retry: 1000\n\n")
        while (snapshot := self.server.live.wait(version, KEEPALIVE_SECONDS)) is not None:
            if snapshot.version != version:
                written = self.server.live.written_since(version)
                data = json.dumps({"version": snapshot.version, "written": written}, ensure_ascii=False)
                self.wfile.write(f"event: change\ndata: {data}\n\n".encode())
                return
            self.wfile.write(b": still here\n\n")  # fails once the page is gone, ending this thread


def entity_tag(data: bytes) -> str:
    """A strong entity tag of a response's bytes."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def if_none_match(header: str | None) -> set[str]:
    """The entity tags an If-None-Match header lists (weak ones compared by their opaque part)."""
    if not header:
        return set()
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


def status_json(snapshot: Snapshot) -> bytes:
    """The server's state for tools and tests: builds, skipped saves, version, errors, base path."""
    return json.dumps(dataclasses.asdict(snapshot), ensure_ascii=False, indent=1).encode("utf-8")
