"""Survey: what a build finds before reading any document — the options, the site's files, Liquid's
files, the fingerprint of every input — and whether anything at all changed since the last build.

The first stage, and the only one a build that has nothing to do runs: it imports no Markdown, no
templates and no Liquid, so `mathpress build` on an unchanged site starts and stops in a fraction
of a second (the command line imports the later stages only when this one says there is work).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from stat import S_ISREG

from . import __version__, clock
from .baseline import beyond, diagnostic_key
from .cache import BuildStamp, digest, load_stamp, save_stamp
from .config import Config, load_config
from .content import Inventory, inventory, template_dirs, theme_dir
from .errors import BuildFailed, Diagnostic, SourceError
from .jekyll.files import LiquidFiles, read_liquid_files
from .output import PublishReport, Stat, build_lock, check_output_dir, scan


@dataclass(frozen=True)
class BuildOptions:
    """What the command line asked for."""

    source: Path
    output: Path | None = None
    base_url: str | None = None
    url: str | None = None  # the site's scheme and host over site.yml's: `serve` gives the local server's
    drafts: bool = False
    future: bool = False
    strict: bool = False
    jobs: int = 0  # 0: every core
    use_cache: bool = True
    now: dt.datetime | None = None  # the build's clock (tests); else SOURCE_DATE_EPOCH, else now
    accepted: tuple[str, ...] = ()  # warnings --strict lets through (a baseline's [build] keys)
    environment: str = "production"  # Liquid's jekyll.environment (`serve`: development, as `jekyll serve`)

    @property
    def output_dir(self) -> Path:
        """Where the site goes: --output, else SOURCE/_site."""
        return self.output if self.output is not None else self.source / "_site"


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    output: Path
    publish: PublishReport
    posts: int
    pages: int
    skipped: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    seconds: float
    documents_rendered: int = 0  # Markdown renders (the rest came from the cache)
    pages_rendered: int = 0  # template renders (the rest were unchanged and kept)


@dataclass(frozen=True)
class Survey:
    """The files, Liquid's files, a hash of every input, the last build's stamp, and (read when first
    asked) the output as it is."""

    found: Inventory
    liquid_files: LiquidFiles
    inputs: str  # a hash of every input (see input_fingerprint)
    output: Path
    stamp: BuildStamp | None = None  # the last build's

    @functools.cached_property
    def current(self) -> dict[str, Stat]:
        """The output folder now (a build that has work asks at once, inside its lock): its files stat'ed
        one by one when its folders are as the last build left them, else walked."""
        recorded = as_recorded(self.output, self.stamp)
        return recorded if recorded is not None else scan(self.output)


def build_clock(options: BuildOptions) -> dt.datetime:
    """The build's notion of now: fixed in tests, SOURCE_DATE_EPOCH for reproducible builds."""
    return options.now or clock.now()


@dataclass(frozen=True)
class Surveyed:
    """A build's turn at the site: its clock fixed, the config, the survey, and the last build's report
    again when nothing changed since it (then the build is done)."""

    started: float  # perf_counter when the build began
    options: BuildOptions  # with `now` fixed
    config: Config
    survey: Survey
    unchanged: BuildReport | None


@contextlib.contextmanager
def surveyed(
    options: BuildOptions, waiting: Callable[[str], None] | None = None, keep: bool = False
) -> Iterator[Surveyed]:
    """The survey, while this build holds the site (builds of one site, or into one folder, take turns;
    `waiting`, else stderr, hears when this one waits). With `keep` (the dev server keeps what a build
    knew) the nothing-changed shortcut is never taken."""
    started = time.perf_counter()
    options = replace(options, now=build_clock(options))  # one "now" for every decision in this build
    config = load_config(options.source, options.base_url, options.url)
    check_output_dir(options.output_dir, options.source)
    with build_lock(options.source, options.output_dir, waiting or tell_stderr), fewer_collections():
        found = survey(config, options)
        same = None if keep else unchanged_since_last_build(found, options)
        if same is not None:
            same = replace(same, seconds=time.perf_counter() - started)
        yield Surveyed(started, options, config, found, same)


def tell_stderr(message: str) -> None:
    """Say on stderr what the build waits for."""
    print(f"mathpress: {message}", file=sys.stderr, flush=True)


# Allocations between young collections during a build (Python's default: 700). At 10**5, young
# collections still cost a one-post edit at 5,000 posts about 40 ms; at 10**6 a cold build of 1,000
# posts with --jobs 1 peaked at 231 MB instead of 229 MB (a build makes little cyclic garbage).
GC_THRESHOLD = 1_000_000


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while a build runs: the build state, site model and page jobs
    of a large site are hundreds of thousands of long-lived objects that each collection walks
    again (at 5,000 posts, 0.4 s of a one-post edit's 2 s). Memory stays bounded."""
    before = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()  # what settle() set aside is collectable again once the build is over


def settle() -> None:
    """Set every object alive now aside from the cyclic collector until the build ends (inside
    fewer_collections): the last build's state, once decoded, lives as long as the build, and a full
    collection walking it costs a one-post edit at 5,000 posts 0.1-0.2 s."""
    gc.freeze()


def survey(config: Config, options: BuildOptions) -> Survey:
    """The site's files, Liquid's includes and data, and the input fingerprint (the output is scanned later)."""
    try:
        found = inventory(config.root, theme_dir() / "static", config.exclude)
    except SourceError as exc:
        raise BuildFailed([exc.diagnostic]) from None
    liquid_files = read_liquid_files(config.root)
    inputs = input_fingerprint(config, options, found, liquid_files)
    stamp = load_stamp(config.root if options.use_cache else None)
    return Survey(found, liquid_files, inputs, options.output_dir, stamp)


def input_fingerprint(config: Config, options: BuildOptions, found: Inventory, liquid: LiquidFiles) -> str:
    """A hash of every input of a build: options, config, templates, every source file's stat, includes and data."""
    parts = [
        __version__,
        liquid.digest,
        repr((options.drafts, options.future, options.strict, options.base_url, options.environment)),
        str(options.output_dir.resolve()),
        config.fingerprint(),
    ]
    for folder in template_dirs(config.root):
        parts += [f"{p}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sorted(folder.rglob("*")) if p.is_file()]
    parts += [f"{item.rel}:{item.stat}" for item in found.documents]
    parts += bibliography_stats(config.root, config.citations.bibliography)
    parts += [f"{asset.out}:{asset.rel}:{asset.stat}" for asset in found.assets]
    return digest("\n".join(parts))


def bibliography_stats(root: Path, config_files: Sequence[str]) -> list[str]:
    """The stats of the .bib files a build may read: the site's, and any at the root or under
    _bibliography/ (front matter names files there or under content/, which the build watches as assets)."""
    paths = {root / rel for rel in config_files} | set(root.glob("*.bib")) | set(root.glob("_bibliography/**/*.bib"))
    stats = []
    for path in sorted(paths):
        try:
            info = path.stat()
        except OSError:
            continue
        stats.append(f"bib:{path.relative_to(root).as_posix()}:{info.st_size}:{info.st_mtime_ns}")
    return stats


def unchanged_since_last_build(found: Survey, options: BuildOptions) -> BuildReport | None:
    """The last build's report again, if no input changed since it and its output is as it left it."""
    stamp = found.stamp
    if stamp is None or stamp.inputs != found.inputs:
        return None
    if stamp.next_change and build_clock(options).astimezone(dt.UTC).isoformat() >= stamp.next_change:
        return None
    current = found.current  # kept: a build that has work uses the same stats
    if set(current) != set(stamp.outputs) or any(current[rel][:2] != stat for rel, stat in stamp.outputs.items()):
        return None
    diagnostics = stamp.diagnostics
    if options.strict and beyond(diagnostics, diagnostic_key, options.accepted):
        raise BuildFailed(d.as_error() for d in diagnostics)
    return BuildReport(
        options.output_dir,
        PublishReport((), len(stamp.outputs), (), dict(stamp.outputs)),
        *stamp.counts,
        stamp.skipped,
        diagnostics,
        0.0,
    )


def as_recorded(output: Path, stamp: BuildStamp | None) -> dict[str, Stat] | None:
    """The output's files, stat'ed one by one, if its folders are as the last build left them; else None.

    A file added, removed or renamed anywhere in the output changes the time of the folder that holds
    it, so with every folder's time the same, the files are the ones the last build wrote (each may have
    been changed in place: its stat says). One stat per folder and per file, where a walk of the output
    lists every folder (at 5,000 posts, 19,000 files in 9,400 folders: a third of the time)."""
    if stamp is None or not stamp.folders:
        return None
    base = str(output) + os.sep
    stat = os.lstat
    try:
        if stat(str(output)).st_mtime_ns != stamp.folders.get(""):
            return None
        if any(stat(base + rel).st_mtime_ns != mtime for rel, mtime in stamp.folders.items() if rel):
            return None
        infos = {rel: stat(base + rel) for rel in stamp.outputs}
    except OSError:
        return None
    if not all(S_ISREG(info.st_mode) for info in infos.values()):
        return None
    return {rel: (info.st_size, info.st_mtime_ns, info.st_ino) for rel, info in infos.items()}


def folder_times(output: Path, files: Iterable[str]) -> dict[str, int]:
    """The time of the output and of every folder in it that holds these files ({} if one cannot be read)."""
    folders = {""}
    for rel in files:
        folder = rel.rpartition("/")[0]
        while folder not in folders:  # each folder once, and its parents until one is known
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    base = str(output) + os.sep
    try:
        return {rel: os.lstat(base + rel if rel else str(output)).st_mtime_ns for rel in sorted(folders)}
    except OSError:
        return {}


def save_build_stamp(
    cache_root: Path | None, inputs: str, report: BuildReport, next_change: dt.datetime | None
) -> None:
    """Remember this build's inputs and outputs, so an identical next build can stop early."""
    if cache_root is None:
        return
    due = next_change.astimezone(dt.UTC).isoformat() if next_change else ""
    manifest = report.publish.manifest
    folders = folder_times(report.output, manifest)
    counts = (report.posts, report.pages)
    save_stamp(cache_root, BuildStamp(inputs, manifest, report.diagnostics, counts, report.skipped, due, folders))
