"""How far `mathpress import` + `build` is from what real Jekyll 4.3 shows, for real Jekyll trees.

Usage: python -m tests.tools.parity SITE_DIR... [--themes DIR] [--json OUT] [--keep DIR] [--cache DIR]
                                   [--now ISO] [--jobs N]

For each tree: import it into a temporary folder and build it (mathpress's CLI, so any mathpress
works), render it with real Jekyll (tests/tools/jekyll_render.rb), and compare:

- builds: import ok, build ok (the first error if not);
- documents: every post, page and collection document of the truth record (SITE_DIR.truth.json beside
  the tree, else made with ../shared/jekyll-sites/tools/jekyll_urls.rb into the cache) has a file at
  Jekyll's URL in our output, as GitHub Pages serves it (`/a` finds a, a.html or a/index.html);
- listings: every non-post page of Jekyll's render that links posts (less the site's chrome, see
  parity_compare.jekyll_listings) exists in ours and links each of those posts; a page whose layout
  Jekyll lacked (a theme not given with --themes) is unknown;
- figures: every local image a Jekyll page shows (own-origin absolute URLs included) is on our page at
  the same URL and in our output;
- math: every math element kramdown finds in a published post (SITE_DIR.kramdown.json, else made
  with kramdown_math_elements.rb) is a math span of the same kind in our page;
- mathjax: our pages whose math MathJax 4 typesets without error, and of the failing spans, those the
  build warned about at their line.

Prints one table row per site and, per site, the first failures of each kind; --json writes all.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.tools import parity_compare as compare

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RENDER = HERE / "jekyll_render.rb"
MATHJAX_CHECK = HERE / "mathjax_check.mjs"
SHOWN_FAILURES = 4
TIMEOUT = 1200  # seconds for one import, build or render


def shared_sites() -> Path:
    """../shared/jekyll-sites beside the repository, or beside its main worktree when this is a linked
    one (MATHPRESS_SHARED_SITES overrides both)."""
    if os.environ.get("MATHPRESS_SHARED_SITES"):
        return Path(os.environ["MATHPRESS_SHARED_SITES"])
    roots = [REPO]
    try:
        common = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--path-format=absolute", "--git-common-dir"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        roots.append(Path(common).parent)
    except (OSError, subprocess.CalledProcessError):
        pass
    for root in roots:
        if (root.parent / "shared" / "jekyll-sites").is_dir():
            return root.parent / "shared" / "jekyll-sites"
    return REPO.parent / "shared" / "jekyll-sites"


@dataclass(frozen=True)
class Step:
    """One command's outcome: ok, its first error line, its whole output."""

    ok: bool
    error: str = ""
    output: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class SiteResult:
    """Everything measured on one site."""

    name: str
    imported: Step
    built: Step
    documents: compare.Tally
    listings: compare.Tally
    figures: compare.Tally
    math: compare.Tally
    mathjax_pages: compare.Tally
    mathjax_warned: compare.Tally
    jekyll: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def gaps(self) -> dict[str, int]:
        """The numbers the issue's "Done when" wants at zero."""
        return {
            "import_fails": int(not self.imported.ok),
            "build_fails": int(not self.built.ok),
            "documents_missing": self.documents.failed,
            "listings_failing": self.listings.failed,
            "figures_missing": self.figures.failed,
            "math_lost": self.math.failed,
            "mathjax_pages": self.mathjax_pages.failed,
            "mathjax_unwarned": self.mathjax_warned.failed,
        }


# --- running things ---------------------------------------------------------------------------------


def run(argv: Sequence[str], cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Step:
    """Run a command; ok when it exits 0."""
    start = time.monotonic()
    try:
        done = subprocess.run(
            list(argv),
            cwd=cwd,
            env=dict(env) if env else None,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return Step(False, f"timed out after {TIMEOUT} s", "", time.monotonic() - start)
    output = done.stdout + done.stderr
    return Step(
        done.returncode == 0, "" if done.returncode == 0 else first_error(output), output, time.monotonic() - start
    )


DIAGNOSTIC = re.compile(r"^\S[^\n]*?:\d+:\d+: (?!warning: )[^\n]*", re.M)


def first_error(output: str) -> str:
    """The first `path:line:col: message` that is not a warning, else the last line that says error."""
    found = DIAGNOSTIC.search(output)
    if found:
        return found[0]
    lines = [line for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() or "Traceback" in line]
    return (errors or lines or ["(no output)"])[-1 if not errors else 0][:300]


def mathpress_env(now: dt.datetime) -> dict[str, str]:
    """The environment for mathpress commands: this repository first, "now" fixed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env["SOURCE_DATE_EPOCH"] = str(int(now.timestamp()))
    return env


def import_and_build(tree: Path, work: Path, now: dt.datetime, jobs: int) -> tuple[Step, Step, Path, Path]:
    """`mathpress import TREE` then `mathpress build`: (import, build, imported site, our output)."""
    site, out = work / "site", work / "site" / "_site"
    env = mathpress_env(now)
    cli = [sys.executable, "-m", "mathpress.cli"]
    imported = run([*cli, "import", str(tree), str(site)], env=env)
    if not imported.ok:
        return imported, Step(False, "not run: import failed"), site, out
    built = run([*cli, "build", "--source", str(site), "--jobs", str(jobs)], env=env)
    return imported, built, site, out


def render_with_jekyll(tree: Path, dest: Path, theme: Path | None, now: dt.datetime) -> dict[str, Any]:
    """Jekyll's render report (jekyll_render.rb), or a report saying why there is none."""
    argv = ["ruby", str(RENDER), str(tree), str(dest), "--time", now.isoformat()]
    if theme is not None:
        argv += ["--theme", str(theme)]
    start = time.monotonic()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        report: dict[str, Any] = json.loads(done.stdout) if done.stdout.strip() else {}
    except (subprocess.TimeoutExpired, ValueError) as error:
        report = {"ok": False, "error": f"jekyll_render.rb: {error}"}
    if not report:
        report = {"ok": False, "error": "jekyll_render.rb printed no report: " + first_error(done.stderr)}
    report["seconds"] = round(time.monotonic() - start, 1)
    return report


def mathjax_errors(math: compare.OurMath) -> dict[str, list[tuple[int, str]]]:
    """MathJax 4's errors on our spans, per page URL: [(span index, message)].

    The one place that typesets: mathpress/math/engine.py (a build-time MathJax engine) will replace it.
    """
    if not math.spans:
        return {}
    done = subprocess.run(
        ["node", str(MATHJAX_CHECK)],
        input=json.dumps(compare.spans_request(math)),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    return {page: [(int(i), str(m)) for i, m in errors] for page, errors in json.loads(done.stdout).items()}


# --- truth records -----------------------------------------------------------------------------------


def tree_digest(tree: Path) -> str:
    """A key for a tree's current state (paths, sizes, modification times) and the recording tools."""
    digest = hashlib.sha256()
    for path in sorted(tree.rglob("*")):
        if path.is_file() and ".git" not in path.parts:
            stat = path.stat()
            digest.update(f"{path.relative_to(tree)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for tool in sorted((shared_sites() / "tools").glob("*.rb")):
        digest.update(tool.read_bytes())
    return digest.hexdigest()[:16]


def truth_record(tree: Path, kind: str, cache: Path) -> dict[str, Any]:
    """TREE.KIND.json beside the tree, else made by ../shared/jekyll-sites/tools into the cache."""
    beside = tree.parent / f"{tree.name}.{kind}.json"
    if beside.is_file():
        data: dict[str, Any] = json.loads(beside.read_text(encoding="utf-8"))
    else:
        cached = cache / f"{tree.name}-{tree_digest(tree)}.{kind}.json"
        if not cached.is_file():
            cache.mkdir(parents=True, exist_ok=True)
            text = record_truth(tree) if kind == "truth" else record_kramdown(tree)
            cached.write_text(text, encoding="utf-8")
        data = json.loads(cached.read_text(encoding="utf-8"))
    if kind == "kramdown":  # keys are "TREE/path" relative to the tree's folder: keep the path in the tree
        data = {key.split("/", 1)[1] if "/" in key else key: value for key, value in data.items()}
    return data


def record_truth(tree: Path) -> str:
    """jekyll_urls.rb's record of a tree."""
    tool = shared_sites() / "tools" / "jekyll_urls.rb"
    done = subprocess.run(["ruby", str(tool), str(tree)], capture_output=True, text=True, timeout=TIMEOUT, check=True)
    return done.stdout


def record_kramdown(tree: Path) -> str:
    """kramdown_math_elements.rb's record of every Markdown file under a `_posts` folder of a tree."""
    tool = shared_sites() / "tools" / "kramdown_math_elements.rb"
    posts = sorted(
        p.relative_to(tree.parent).as_posix()
        for p in tree.rglob("*")
        if "_posts" in p.relative_to(tree).parts and p.suffix in (".md", ".markdown") and p.is_file()
    )
    if not posts:
        return "{}"
    done = subprocess.run(
        ["ruby", str(tool), *posts], cwd=tree.parent, capture_output=True, text=True, timeout=TIMEOUT, check=True
    )
    return done.stdout


# --- themes -------------------------------------------------------------------------------------------


def read_config(tree: Path) -> dict[str, Any]:
    """A tree's _config.yml (empty when missing or unreadable)."""
    try:
        data = yaml.safe_load((tree / "_config.yml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def theme_folder(config: Mapping[str, Any], themes: Path | None) -> Path | None:
    """The folder in THEMES holding the site's theme: OWNER+NAME[@REF] for `remote_theme: OWNER/NAME@REF`,
    or the folder whose *.gemspec is named like `theme:`."""
    if themes is None or not themes.is_dir():
        return None
    folders = sorted(p for p in themes.iterdir() if p.is_dir())
    remote = str(config.get("remote_theme") or "").strip()
    if remote:
        repo, _, ref = re.sub(r"^(?:https?://)?github\.com/", "", remote).partition("@")
        stem = repo.strip("/").removesuffix(".git").replace("/", "+").lower()
        for name in ([f"{stem}@{ref.lower()}"] if ref else []) + [stem]:
            exact = [p for p in folders if p.name.lower() == name]
            if exact:
                return exact[0]
        loose = [p for p in folders if p.name.lower().startswith(stem + "@")]
        if loose:
            return loose[-1]
    gem = str(config.get("theme") or "").strip().lower()
    if gem:
        for folder in folders:
            if any(spec.stem.lower() == gem for spec in folder.glob("*.gemspec")):
                return folder
    return None


# --- one site --------------------------------------------------------------------------------------


def measure(tree: Path, themes: Path | None, cache: Path, keep: Path | None, now: dt.datetime, jobs: int) -> SiteResult:
    """Import, build, render with Jekyll and compare one tree."""
    start = time.monotonic()
    tree = tree.resolve()
    config = read_config(tree)
    cname = (tree / "CNAME").read_text(encoding="utf-8", errors="replace") if (tree / "CNAME").is_file() else None
    origin = compare.origin_of(config, cname)
    truth = truth_record(tree, "truth", cache)
    kramdown = truth_record(tree, "kramdown", cache)
    with tempfile.TemporaryDirectory(prefix="parity-") as tmp:
        work = Path(tmp)
        theme = theme_folder(config, themes)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            jekyll_future = pool.submit(render_with_jekyll, tree, work / "jekyll", theme, now)
            imported, built, site, ours_dir = import_and_build(tree, work / "ours", now, jobs)
            report = jekyll_future.result()
        ours = ours_dir if built.ok and ours_dir.is_dir() else None
        jekyll_root = work / "jekyll"
        math = compare.our_math(ours)
        pages_tally, warned_tally = compare.check_mathjax(math, mathjax_errors(math), site, built.output)
        result = SiteResult(
            name=tree.name,
            imported=imported,
            built=built,
            documents=compare.check_documents(truth, ours),
            listings=compare.check_listings(report, jekyll_root, ours, origin),
            figures=compare.check_figures(report, jekyll_root, ours, origin),
            math=compare.check_math(kramdown, truth, ours),
            mathjax_pages=pages_tally,
            mathjax_warned=warned_tally,
            jekyll=jekyll_summary(report, theme),
            seconds=round(time.monotonic() - start, 1),
        )
        if keep is not None:
            keep_outputs(keep / tree.name, work)
    return result


def jekyll_summary(report: Mapping[str, Any], theme: Path | None) -> dict[str, Any]:
    """What Jekyll's render said about itself: ok, error, theme, what it stubbed, missing layouts."""
    missing: dict[str, list[str]] = {}
    for row in [*report.get("posts", []), *report.get("documents", []), *report.get("pages", [])]:
        if row.get("missing_layout"):
            missing.setdefault(str(row["missing_layout"]), []).append(str(row["url"]))
    return {
        "ok": report.get("ok", False),
        "error": report.get("error"),
        "seconds": report.get("seconds"),
        "theme_folder": str(theme) if theme else None,
        "theme_missing": report.get("theme_missing"),
        "plugins": report.get("plugins", []),
        "plugins_missing": report.get("plugins_missing", []),
        "stub_tags": report.get("stub_tags", {}),
        "missing_includes": len(report.get("missing_includes", [])),
        "liquid_errors": report.get("liquid_errors", [])[:20],
        "render_errors": report.get("render_errors", [])[:20],
        "sass_errors": len(report.get("sass_errors", [])),
        "missing_layouts": {name: sorted(urls) for name, urls in sorted(missing.items())},
        "posts": len(report.get("posts", [])),
    }


def keep_outputs(dest: Path, work: Path) -> None:
    """Copy the imported site, our output and Jekyll's output to DEST (replacing what was there)."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for name in ("ours", "jekyll"):
        if (work / name).exists():
            shutil.copytree(work / name, dest / name, symlinks=True)


# --- the report ------------------------------------------------------------------------------------

COLUMNS = ("site", "import", "build", "documents", "listings", "figures", "math", "mathjax ok", "warned", "s")


def row_of(result: SiteResult) -> tuple[str, ...]:
    """One table row."""
    return (
        result.name,
        "ok" if result.imported.ok else "FAIL",
        "ok" if result.built.ok else ("-" if not result.imported.ok else "FAIL"),
        result.documents.cell(),
        result.listings.cell(),
        result.figures.cell(),
        result.math.cell(),
        result.mathjax_pages.cell(),
        result.mathjax_warned.cell(),
        f"{result.seconds:.0f}",
    )


def table(results: Sequence[SiteResult]) -> str:
    """The compact table, one row per site."""
    rows = [COLUMNS, *(row_of(r) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def details(result: SiteResult, shown: int = SHOWN_FAILURES) -> str:
    """The first failures of each kind on one site."""
    out = [f"== {result.name}"]
    if not result.imported.ok:
        out.append(f"  import: {result.imported.error}")
    elif not result.built.ok:
        out.append(f"  build: {result.built.error}")
    j = result.jekyll
    notes = [f"jekyll {'ok' if j.get('ok') else 'FAILED: ' + str(j.get('error'))} in {j.get('seconds')} s"]
    if j.get("theme_missing"):
        notes.append(f"theme not available: {j['theme_missing']}")
    if j.get("stub_tags"):
        notes.append("stubbed tags: " + ", ".join(f"{k} ×{v}" for k, v in sorted(j["stub_tags"].items())))
    if j.get("plugins_missing"):
        notes.append("plugins not installed: " + ", ".join(j["plugins_missing"]))
    out.append("  (" + "; ".join(notes) + ")")
    for label, tally in (
        ("documents", result.documents),
        ("listings", result.listings),
        ("figures", result.figures),
        ("math", result.math),
        ("mathjax", result.mathjax_pages),
        ("unwarned", result.mathjax_warned),
    ):
        for line in tally.failures[:shown]:
            out.append(f"  {label}: {line}")
        if len(tally.failures) > shown:
            out.append(f"  {label}: … {len(tally.failures) - shown} more")
    return "\n".join(out)


def to_json(result: SiteResult) -> dict[str, Any]:
    """A site's result as JSON (command outputs trimmed to their last 200 lines)."""
    data = asdict(result)
    for step in ("imported", "built"):
        data[step]["output"] = "\n".join(data[step]["output"].splitlines()[-200:])
    data["gaps"] = result.gaps()
    return data


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m tests.tools.parity", description=__doc__.split("\n\n")[0])
    p.add_argument("sites", nargs="+", type=Path, metavar="SITE_DIR", help="Jekyll trees (never written to)")
    p.add_argument("--themes", type=Path, help="folder of theme folders (OWNER+NAME@REF, or with NAME.gemspec)")
    p.add_argument("--json", type=Path, help="write every result and failure to this file")
    p.add_argument("--keep", type=Path, help="keep each site's import, our output and Jekyll's output in DIR/NAME")
    p.add_argument("--cache", type=Path, help="where truth records made here are kept (default: a temporary folder)")
    p.add_argument("--now", help="the build time for Jekyll and mathpress (ISO; default SOURCE_DATE_EPOCH or now)")
    p.add_argument("--jobs", type=int, default=1, help="mathpress build --jobs (default 1)")
    return p.parse_args(argv)


def now_of(text: str | None) -> dt.datetime:
    """--now, else SOURCE_DATE_EPOCH, else the clock."""
    if text:
        value = dt.datetime.fromisoformat(text)
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return dt.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), dt.UTC)
    return dt.datetime.now(dt.UTC)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure every site given; print the table and the first failures."""
    args = parse_args(argv)
    now = now_of(args.now)
    results = []
    with tempfile.TemporaryDirectory(prefix="parity-cache-") as tmp_cache:
        cache = args.cache or Path(tmp_cache)
        for tree in args.sites:
            if not (tree / "_config.yml").is_file() and not (tree / "_posts").is_dir():
                print(f"parity: {tree}: not a Jekyll tree (no _config.yml, no _posts/)", file=sys.stderr)
                return 2
            results.append(measure(tree, args.themes, cache, args.keep, now, args.jobs))
            print(f"parity: {tree.name}: {results[-1].seconds:.0f} s", file=sys.stderr)
    print(table(results))
    for result in results:
        print()
        print(details(result))
    if args.json:
        args.json.write_text(
            json.dumps([to_json(r) for r in results], indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
