"""CLI: argument parsing, printing and exit codes (0 built, 1 content errors, 2 usage errors)."""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, clock
from .baseline import BASELINE_FILE, read_baseline
from .config import load_config
from .errors import BuildFailed, Diagnostic, SourceError, UsageError
from .output import OutputError
from .survey import BuildOptions, BuildReport, surveyed

if TYPE_CHECKING:  # the importer and scaffold (packaging, importlib.metadata) load only for their commands
    from .jekyll.importer import ImportReport

COMMANDS = ("build", "serve", "init", "new", "check", "import")
EXIT_CODES = (
    "exit status: 0 built; 1 content errors, or the output could not be written (a full disk, a read-only "
    "folder, a file in the way): nothing was published, the previous output is kept; 2 usage errors"
)


def parser() -> argparse.ArgumentParser:
    """The command line: build (the default), serve, init, new."""
    top = argparse.ArgumentParser(
        prog="mathpress",
        description="Build a static math blog from Markdown posts with Jekyll-style front matter.",
        epilog="With no command, `build` runs. `mathpress COMMAND --help` shows each command's options.",
    )
    top.add_argument("--version", action="version", version=f"mathpress {__version__}")
    commands = top.add_subparsers(dest="command", metavar="COMMAND")
    _build_arguments(
        commands.add_parser(
            "build",
            help="build the site into the output folder",
            description="Build the site into the output folder (default: SOURCE/_site).",
            epilog=EXIT_CODES,
        )
    )
    _serve_arguments(
        commands.add_parser(
            "serve",
            help="build, serve locally and rebuild on changes",
            description="Build into SOURCE/_site, serve it on --host:--port and rebuild on every save. As with "
            "`jekyll serve`, the site's url (site.url, site.github.url, absolute URLs) is the server's address, "
            "and links and images written with site.yml's url are served from here.",
        )
    )
    init = commands.add_parser("init", help="create a new site that builds out of the box")
    init.add_argument("folder", type=Path, help="where to create the site")
    init.add_argument("--force", action="store_true", help="add the site to a folder that is not empty")
    _requirement_argument(init)
    _new_arguments(commands.add_parser("new", help="create a new post file and print its path"))
    _import_arguments(
        commands.add_parser("import", help=IMPORT_HELP[0], description=IMPORT_HELP[1], epilog=IMPORT_HELP[2])
    )
    check = commands.add_parser("check", help="check a built site: links, head tags, feed, sitemap, symlinks")
    check.add_argument("output", nargs="?", type=Path, help="the built site (default: SOURCE/_site)")
    _source_argument(check)
    check.add_argument("--base-url", help="where it is served, as given to build (default: from index.html)")
    _baseline_argument(check, "problems")
    return top


IMPORT_HELP = (
    "make a mathpress site of a Jekyll site (never writes to the Jekyll site)",
    (
        "Read the Jekyll site in SRC and write a new mathpress site in DEST, which must be new or empty. "
        "Every post and page keeps the URL Jekyll 4.3 gives it; _config.yml becomes site.yml; _drafts/ become "
        "drafts; static files (assets/, images, PDFs, CNAME, favicon) keep their paths; _includes/ and _data/ are "
        "copied unchanged for the Liquid in posts; theme cover keys become `cover`; the GitHub Pages workflow and "
        "requirements.txt that `init` writes are added. "
        "It builds the new site once and records the warnings and check problems it already has in "
        "jekyll-baseline.txt, which the workflow's build --strict and check accept (--baseline): only new ones fail. "
        "It prints what it carried, then what it did not carry and what it translated, grouped by kind with "
        "counts and examples, what readers lose first (--verbose: every item as `path:line: message`; "
        "jekyll-baseline.txt lists every item too). Dates are read as Jekyll 4.3 reads them, and the site's "
        "navigation (header_pages, its navigation include, its theme's menu) becomes site.yml's `menu`."
    ),
    "Then: mathpress build --source DEST && mathpress check DEST/_site --baseline DEST/jekyll-baseline.txt",
)


def _import_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "src", metavar="SRC", type=Path, help="the Jekyll site (the folder holding _config.yml and _posts/)"
    )
    command.add_argument("dest", metavar="DEST", type=Path, help="where to write the mathpress site (new or empty)")
    _requirement_argument(command)
    command.add_argument(
        "--verbose",
        action="store_true",
        help="print every item as `path:line: message` instead of the summary (jekyll-baseline.txt lists them too)",
    )


def _requirement_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--requirement",
        metavar="REQ",
        help="the mathpress the site's workflow installs, written to requirements.txt, e.g. "
        '"mathpress @ git+https://github.com/OWNER/mathpress@vX.Y.Z" (default: exactly this mathpress)',
    )


def _baseline_argument(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help=f"accept the {what} listed in FILE (the jekyll-baseline.txt `import` writes): only new ones count",
    )


def _source_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument("--source", type=Path, default=Path("."), help="the site folder (default: .)")


def _build_arguments(command: argparse.ArgumentParser) -> None:
    _source_argument(command)
    command.add_argument("--output", type=Path, help="output folder (default: SOURCE/_site)")
    command.add_argument("--base-url", help="base URL, e.g. /repo/ or https://u.github.io/repo/ (overrides site.yml)")
    _visibility_arguments(command)
    command.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _baseline_argument(command, "warnings")
    command.add_argument("--quiet", action="store_true", help="print only warnings and errors")
    command.add_argument("--jobs", type=int, default=0, help="worker processes (default: all cores)")
    command.add_argument("--no-cache", action="store_true", help="ignore and do not write .mathpress-cache/")
    command.add_argument(
        "--watch",
        action="store_true",
        help="after building, rebuild on every save until Ctrl-C, as `jekyll build --watch` (a save that leaves "
        "a post in its place rewrites only the pages that show it; a failed build keeps the last good output)",
    )


def _visibility_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--drafts", action="store_true", help="include drafts (draft: true, published: false)")
    command.add_argument("--future", action="store_true", help="include posts dated in the future")


def _serve_arguments(command: argparse.ArgumentParser) -> None:
    _source_argument(command)
    command.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    command.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    _visibility_arguments(command)
    command.add_argument("--open", action="store_true", help="open the site in a web browser")


def _new_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("title", nargs="?", help="the post's title (before --tags, or after `--`)")
    _source_argument(command)
    command.add_argument("--tags", nargs="*", default=[], help="tags for the post")
    command.add_argument("--math", action="store_true", help="set `math: true`")
    command.add_argument("--draft", action="store_true", help="set `draft: true`")
    command.add_argument("--date", help="the post's date, YYYY-MM-DD or YYYY-MM-DD HH:MM (default: now)")
    command.add_argument("--slug", help="the file name's slug (default: from the title)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0] not in COMMANDS and args[0] not in ("-h", "--help", "--version")):
        args.insert(0, "build")
    options = parser().parse_args(args)
    try:
        return _dispatch(options)
    except UsageError as exc:
        print(f"mathpress: error: {exc}", file=sys.stderr)
        return 2
    except SourceError as exc:
        print(exc.diagnostic, file=sys.stderr)
        return 1
    except BuildFailed as exc:
        print_diagnostics(exc.diagnostics)
        errors = sum(d.severity == "error" for d in exc.diagnostics)
        print(f"mathpress: {errors} error(s); nothing was published", file=sys.stderr)
        return 1
    except OutputError as exc:
        print(exc, file=sys.stderr)
        print("mathpress: nothing was published; the previous output is kept", file=sys.stderr)
        return 1
    except OSError as exc:
        if exc.errno not in DISK_ERRORS:
            raise  # anything else is a bug: its traceback says where
        print(f"{exc.filename or 'mathpress'}: {(exc.strerror or str(exc)).lower()}", file=sys.stderr)
        return 1


# A disk that is full or read-only where the build keeps its cache (the output's own are OutputError).
DISK_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG)


def _dispatch(options: argparse.Namespace) -> int:
    """Run one command."""
    if options.command == "init":
        from .scaffold import NOT_INSTALLABLE, init_site

        requirement = _requirement(options.requirement)
        written = init_site(options.folder, options.force, clock.local_now().date(), requirement)
        for path in written:
            print(f"created {path}")
        if requirement is None and options.folder / "requirements.txt" in written:
            print(f"mathpress: warning: {NOT_INSTALLABLE}", file=sys.stderr)
        print(f"now run: mathpress build --source {options.folder}")
        return 0
    if options.command == "new":
        from .scaffold import new_post

        load_config(options.source)  # refuses a folder that is not a site, as build does
        print(
            new_post(
                options.source,
                _title(options.title, options.tags),
                options.tags,
                _when(options.date),
                options.slug,
                options.math,
                options.draft,
            )
        )
        return 0
    if options.command == "import":
        return _import(options.src, options.dest, options.requirement, options.verbose)
    if options.command == "check":
        from .verify import run_check

        return run_check(options.output or options.source / "_site", options.base_url, options.baseline)
    if options.command == "serve":
        from .serve import serve

        return serve(options)
    settings = BuildOptions(
        source=options.source,
        output=options.output,
        base_url=options.base_url,
        drafts=options.drafts,
        future=options.future,
        strict=options.strict,
        accepted=read_baseline(options.baseline).build if options.baseline else (),
        jobs=options.jobs,
        use_cache=not options.no_cache,
    )
    if options.watch:
        from .watch import watch

        return watch(settings, options.quiet)
    counter = TerminalProgress() if sys.stderr.isatty() and not options.quiet else None
    try:
        report = _build(settings, counter)
    finally:
        if counter:
            counter.clear()
    print_report(report, options.quiet)
    return 0


def _build(settings: BuildOptions, counter: TerminalProgress | None) -> BuildReport:
    """A build: the survey first, and the later stages (Markdown, templates, Liquid) imported only when it
    finds something to do, so that a build with nothing to do stops at once."""
    with surveyed(settings) as turn:
        if turn.unchanged is not None:
            return turn.unchanged
        from .pipeline import build_surveyed

        return build_surveyed(settings, turn, counter)[0]


def _requirement(given: str | None) -> str | None:
    """The requirement a site's workflow installs: --requirement, else exactly the running mathpress."""
    from .scaffold import checked_requirement, running_requirement

    return running_requirement() if given is None else checked_requirement(given)


def _import(src: Path, dest: Path, given: str | None, verbose: bool) -> int:
    """Run `import` and print its report."""
    from .jekyll.importer import import_site
    from .scaffold import NOT_INSTALLABLE, deploy_files

    requirement = _requirement(given)
    report = import_site(src, dest, deploy_files(requirement, BASELINE_FILE))
    print_import_report(report, verbose)
    if requirement is None:
        print(f"mathpress: warning: {NOT_INSTALLABLE}", file=sys.stderr)
    print(f"now run: mathpress build --source {dest}")
    return 0


def print_import_report(report: ImportReport, verbose: bool = False) -> None:
    """What an import carried, then what it did not carry and translated: grouped by kind, or every item."""
    from .jekyll.report import summary

    counts = [(len(report.posts), "posts"), (len(report.drafts), "drafts"), (len(report.pages), "pages")]
    carried = ", ".join(f"{n} {what}" for n, what in counts) + f", {len(report.files)} files"
    print(f"imported into {report.dest}: {carried}")
    if not verbose:
        for line in summary(report.notes, report.baseline):
            print(line)
        if report.notes or report.baseline:
            print(f"every item at its line: {report.dest / BASELINE_FILE}, or `mathpress import --verbose`")
        return
    for line in report.translated:
        print(f"translated: {line}")
    for item in report.not_carried:
        print(f"not carried: {item}".replace(": warning: ", ": "))
    print(f"{len(report.not_carried)} item(s) not carried")
    for line in report.baseline:
        print(f"baseline: {line}")
    if report.baseline:
        print(f"{len(report.baseline)} warning(s) and problem(s) the site already has: recorded in {BASELINE_FILE}")


class TerminalProgress:
    """A one-line counter on a terminal (`markdown 1200/5000`), redrawn at most ten times a second."""

    def __init__(self) -> None:
        self.shown = 0.0

    def stage(self, name: str, total: int) -> Callable[[], None]:
        """Start counting one stage."""
        done = 0

        def tick() -> None:
            nonlocal done
            done += 1
            now = time.monotonic()
            if now - self.shown > 0.1 or done == total:
                self.shown = now
                sys.stderr.write(f"\r\x1b[K{name} {done}/{total}")
                sys.stderr.flush()

        return tick

    def clear(self) -> None:
        """Remove the counter line."""
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _title(title: str | None, tags: list[str]) -> str:
    """The title given to `new`; `--tags` takes every word after it, so a title after the tags is lost."""
    if title:
        return title
    if tags:
        raise UsageError(
            "new: no title (--tags took every word after it): write "
            f'mathpress new "Title" --tags {" ".join(tags)}  or  mathpress new --tags ... -- "Title"'
        )
    raise UsageError('new: give the post\'s title: mathpress new "Title"')


def _when(text: str | None) -> dt.datetime:
    """The date given to `new`, in local time."""
    if not text:
        return clock.local_now()
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).astimezone()
        except ValueError:
            continue
    raise UsageError(f"--date {text!r}: write YYYY-MM-DD or YYYY-MM-DD HH:MM")


def print_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    """Warnings and errors, grouped by file and sorted by line, to stderr."""
    for diagnostic in diagnostics:
        print(diagnostic, file=sys.stderr)


def print_report(report: BuildReport, quiet: bool) -> None:
    """The build's warnings, what it skipped, and one summary line."""
    print_diagnostics([d for d in report.diagnostics if d.severity == "warning"])
    if quiet:
        return
    for source in report.skipped:
        print(f"skipped (dated in the future; use --future): {source}")
    result = report.publish
    warnings = sum(d.severity == "warning" for d in report.diagnostics)
    print(
        f"built {report.posts} posts and {report.pages} pages into {report.output}: "
        f"{len(result.written)} written, {result.unchanged} unchanged, {len(result.removed)} removed, "
        f"{warnings} warning(s), {report.seconds:.2f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
