"""Math engine: a post's TeX spans → MathJax 4's own output (SVG, MathML), errors and undefined macros.

MathJax's TeX input and SVG output run in an embedded V8 (the `mini-racer` wheel): no Node,
no network. The vendored components (mathpress/math/mathjax/, see its README) are loaded
once per process, lazily, the first time a post has math. One call typesets one post, in
page order, in one MathJax document whose equation numbers, labels and `\\newcommand`s start
afresh (as a page's do in the browser); forward `\\eqref`s are resolved as MathJax resolves
them, by compiling those spans again.

A process that has loaded the engine runs V8's threads, so it must not fork workers that
would typeset in turn: `loaded()` tells workers.can_fork so.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import functools
import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from .macros import MacroDefinition

T = TypeVar("T")

VENDORED = Path(str(files("mathpress.math") / "mathjax"))
MATHJAX_VERSION = (VENDORED / "VERSION").read_text(encoding="utf-8").strip()
COMPONENTS = ("startup.js", "core.js", "adaptors/liteDOM.js", "input/tex.js", "output/svg.js", "mathjax-newcm/svg.js")
PRELOADED = ("loader", "startup", "core", "adaptors/liteDOM", "input/tex", "output/svg", "[mathjax-newcm]/svg")
FONT_RANGES = VENDORED / "mathjax-newcm" / "svg" / "dynamic"
GLUE = Path(__file__).with_name("engine.js")
TIMEOUT_SECONDS = 60.0  # one post's math; MathJax's own limits (maxMacros, maxBuffer) stop runaway TeX sooner
# MathJax's configuration before its components load: nothing typeset on startup, every TeX
# extension (for \require and autoload, as in the browser) available to the loader.
CONFIG = """
var global = globalThis, self = globalThis;
var MathJax = {loader: {load: []}, startup: {typeset: false}, tex: {packages: {'[+]': []}}};
"""


def _engine_version() -> str:
    """What the output depends on besides its input: MathJax's version and our glue."""
    glue = hashlib.sha256(GLUE.read_bytes()).hexdigest()[:12]
    return f"mathjax-{MATHJAX_VERSION}+{glue}"


ENGINE_VERSION = _engine_version()


@dataclass(frozen=True)
class Settings:
    """The site's MathJax settings: its macros, equation numbering, output, line width."""

    macros: tuple[MacroDefinition, ...] = ()  # (name, TeX, number of arguments, the first one's default)
    tags: str = "none"  # none, ams or all
    svg: bool = False  # typeset to SVG too (else only MathML)
    width: float = 0.0  # line width in em for MathJax's line-breaking of displays; 0: none

    def as_json(self) -> dict[str, Any]:
        """The settings as MathJax's options."""
        macros = {
            name: body if not arity else [body, arity] if default is None else [body, arity, default]
            for name, body, arity, default in self.macros
        }
        return {"macros": macros, "tags": self.tags, "width": self.width}


@dataclass(frozen=True)
class TexError:
    """MathJax's verdict on TeX it cannot typeset: its message, its id, and where it stopped reading."""

    message: str
    id: str
    offset: int  # in the span's TeX; -1 when MathJax gives no place


@dataclass(frozen=True)
class Typeset:
    """One span as MathJax typeset it."""

    mathml: str  # MathJax's serialisation of its internal MathML
    svg: str  # the `<mjx-container>` with its SVG ("" when not asked for)
    error: TexError | None
    undefined: tuple[str, ...]  # macros MathJax does not know (shown in red), in order


class EngineError(Exception):
    """MathJax could not run at all (its files are missing, or V8 failed): not the author's TeX."""


def typeset(spans: Sequence[tuple[str, bool]], settings: Settings) -> list[Typeset]:
    """Typeset one post's spans, (TeX, display) in page order, as one MathJax document."""
    if not spans:
        return []
    return _engine().typeset(spans, settings)


def stylesheet(settings: Settings) -> str:
    """The CSS MathJax's SVG output needs (once per site)."""
    return _engine().stylesheet(settings)


def start() -> None:
    """Start the engine now (a long-lived process, while it waits), so that the first span to typeset
    does not wait for MathJax to load."""
    _engine()


def loaded() -> bool:
    """Whether this process runs the engine (then it must not fork workers that typeset)."""
    return _engine.cache_info().currsize > 0


@functools.cache
def _engine() -> _Engine:
    """The process's engine, started on first use."""
    return _Engine()


class _Engine:
    """One V8 context with MathJax loaded; used from one thread at a time."""

    def __init__(self) -> None:
        import asyncio  # here, not at the top: a build whose math is all cached never starts an engine

        from py_mini_racer import mini_racer

        self.pid = os.getpid()
        self.lock = threading.Lock()
        # MiniRacer adopts the caller's running asyncio loop (a Jupyter kernel's, Playwright's
        # sync API's) if there is one, and its blocking calls then fail on that loop's thread:
        # it gets a loop of its own, on a thread of its own.
        self.loop = asyncio.new_event_loop()
        self.loop_thread = threading.Thread(target=self.loop.run_forever, name="mathpress-engine", daemon=True)
        self.loop_thread.start()
        # V8's context is made and freed on that thread, which lives as long as the engine: freed on
        # another thread after the one that made it had ended (the dev server's and `build --watch`'s
        # builder thread, at exit), it crashed the process.
        self.context = mini_racer(self.loop)
        self.racer = self._on_loop(self.context.__enter__)
        atexit.register(self.close)  # V8 torn down by the interpreter's exit can hang it
        try:
            self._load()
        except (OSError, Exception) as exc:
            self.close()
            raise EngineError(f"MathJax could not start: {exc}") from exc

    def _load(self) -> None:
        """MathJax's components, our glue, and the font's dynamic ranges as text to run on demand."""
        self.racer.eval(CONFIG)
        for name in COMPONENTS:
            self.racer.eval((VENDORED / name).read_text(encoding="utf-8"))
        self.racer.eval(
            f"MathJax.loader.preLoaded(...{json.dumps(PRELOADED)}); MathJax.startup.defaultReady();"
            + GLUE.read_text(encoding="utf-8")
        )

    def typeset(self, spans: Sequence[tuple[str, bool]], settings: Settings) -> list[Typeset]:
        """One batch through mathpress.typeset (engine.js)."""
        request = {
            "settings": settings.as_json(),
            "output": settings.svg,
            "spans": [{"tex": tex, "display": display} for tex, display in spans],
        }
        with self.lock:
            self._check_process()
            answer = self._run(f"mathpress.typeset({json.dumps(json.dumps(request))})")
            while "needs" in answer:  # MathJax asked for files: run them, then let it go on
                missing = []
                for path in answer["needs"]:
                    found = _on_demand(path)
                    if found is None:  # MathJax reports the failed load in the formula, as a browser would
                        missing.append(path)
                    else:
                        self.racer.eval(found.read_text(encoding="utf-8"))
                answer = self._run(f"mathpress.resume({json.dumps(missing)})")
        return [_typeset(item) for item in answer["spans"]]

    def _run(self, call: str) -> dict[str, Any]:
        """Evaluate a call that returns a promise of JSON; its value."""
        promise = self.racer.eval(call)
        value: dict[str, Any] = json.loads(str(promise.get(timeout=TIMEOUT_SECONDS)))  # type: ignore[union-attr]
        return value

    def stylesheet(self, settings: Settings) -> str:
        """mathpress.stylesheet (engine.js)."""
        with self.lock:
            self._check_process()
            return str(self.racer.eval(f"mathpress.stylesheet({json.dumps(json.dumps(settings.as_json()))})"))

    def _on_loop(self, call: Callable[[], T]) -> T:
        """Run a call on the engine's own thread; its result."""
        result: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                result.set_result(call())
            except BaseException as exc:  # handed to the caller, who raises it
                result.set_exception(exc)

        self.loop.call_soon_threadsafe(run)
        return result.result()

    def _check_process(self) -> None:
        """A forked child has V8's memory but not its threads: it must start its own engine."""
        if os.getpid() != self.pid:
            raise EngineError("the math engine was started before this process was forked")

    def close(self) -> None:
        """Tear V8 down while the interpreter still runs."""
        if os.getpid() == self.pid and self.loop_thread.is_alive():
            self._on_loop(lambda: self.context.__exit__(None, None, None))
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.loop_thread.join()
            self.loop.close()


ON_DEMAND = re.compile(
    r"/(svg/dynamic|input/tex/extensions)/([a-z0-9-]+)\.js$|/(mathjax-[a-z]+-font-extension)/svg\.js$"
)


def _on_demand(path: str) -> Path | None:
    """The vendored file for a path MathJax's loader asks for (a font range, a TeX extension), if any."""
    match = ON_DEMAND.search(path)
    if not match:
        return None
    if match[3]:
        found = VENDORED / match[3] / "svg.js"
    else:
        folder = FONT_RANGES if match[1] == "svg/dynamic" else VENDORED / "input" / "tex" / "extensions"
        found = folder / f"{match[2]}.js"
    return found if found.is_file() else None


def _typeset(item: dict[str, Any]) -> Typeset:
    """One span's answer from engine.js."""
    found = item.get("error")
    error = TexError(str(found["message"]), str(found["id"]), int(found["offset"])) if found else None
    return Typeset(str(item["mml"]), str(item.get("svg", "")), error, tuple(item["undefined"]))
