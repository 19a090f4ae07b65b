#!/usr/bin/env python3
# Vendored, unmodified below this header, from shared/bench/gen_corpus.py (the project's shared
# benchmark corpus generator) so that machines without ../shared can run benchmarks/run.py.
# Keep it byte-identical to that file apart from this five-line comment header.
# ruff: noqa
# fmt: off
"""Deterministic corpus generator for static-site-generator benchmarks.

Pure standard library. Post i depends only on (seed, i), never on N, so the
first 1000 posts of a 5000-post corpus are byte-identical to a 1000-post one.

Usage:
  python gen_corpus.py OUTDIR N [--seed 1] [--site posts|jekyll|hugo|pelican]

  --site posts    (default) OUTDIR/YYYY-MM-DD-slug.md, Jekyll-style YAML front
                  matter (layout: post, title, date, tags, author, cover).
  --site jekyll   a complete plain-Jekyll site: _posts/, _config.yml,
                  _layouts/{default,post,tag}.html, index.html (jekyll-paginate),
                  tags/<tag>.html stub pages, tags.html, archive.html; feed via
                  jekyll-feed.
  --site hugo     a complete Hugo site: content/posts/*.md, hugo.toml and
                  layouts/ (baseof, home, page, section, taxonomy, term);
                  RSS via Hugo's embedded template.
  --site pelican  a complete Pelican site: content/*.md with Pelican metadata,
                  pelicanconf.py (default theme, tag.html overridden),
                  pymdownx.arithmatex for math.

Every site renders: one page per post, a paginated index (10/page, with
summaries), a tag index, one page per tag listing all its posts, a full
archive list, and a feed of the 20 newest posts.
"""
import argparse
import datetime as dt
import os
import random
import sys

# --------------------------------------------------------------------------
# vocabulary
# --------------------------------------------------------------------------
TOPICS = [
    ("Kalman filters", "カルマンフィルタ"),
    ("gradient descent", "勾配降下法"),
    ("Bayesian inference", "ベイズ推論"),
    ("Fourier transforms", "フーリエ変換"),
    ("linear regression", "線形回帰"),
    ("Markov chains", "マルコフ連鎖"),
    ("eigenvalue problems", "固有値問題"),
    ("convex optimization", "凸最適化"),
    ("numerical integration", "数値積分"),
    ("graph algorithms", "グラフアルゴリズム"),
    ("hash tables", "ハッシュテーブル"),
    ("type systems", "型システム"),
    ("static site generators", "静的サイトジェネレータ"),
    ("neural networks", "ニューラルネットワーク"),
    ("principal component analysis", "主成分分析"),
    ("Monte Carlo methods", "モンテカルロ法"),
    ("hypothesis testing", "仮説検定"),
    ("time series forecasting", "時系列予測"),
    ("dynamic programming", "動的計画法"),
    ("information theory", "情報理論"),
    ("support vector machines", "サポートベクターマシン"),
    ("differential equations", "微分方程式"),
    ("matrix factorization", "行列分解"),
    ("random forests", "ランダムフォレスト"),
    ("sorting algorithms", "ソートアルゴリズム"),
    ("compilers", "コンパイラ"),
    ("concurrency in Python", "Pythonの並行処理"),
    ("probability distributions", "確率分布"),
    ("signal processing", "信号処理"),
    ("reinforcement learning", "強化学習"),
]

TITLE_TEMPLATES = [
    "Notes on {en}: {ja}",
    "{ja}について — {en} in practice",
    "A gentle introduction to {en} ({ja})",
    "{en}, part {k}: {ja}の基礎",
    "Why {en} matter — {ja}",
    "Revisiting {en}: {ja}を再考する",
    "{ja}入門: {en} from scratch",
    "Lessons learned from {en} ({ja}, vol. {k})",
]

TAGS = [
    "python", "numpy", "scipy", "pandas", "statistics", "probability",
    "linear-algebra", "calculus", "optimization", "machine-learning",
    "deep-learning", "bayesian", "signal-processing", "time-series",
    "algorithms", "data-structures", "compilers", "type-theory", "haskell",
    "rust", "javascript", "web", "jekyll", "hugo", "static-sites", "latex",
    "mathjax", "visualization", "matplotlib", "databases", "sql", "linux",
    "shell", "git", "testing", "performance", "concurrency", "networking",
    "security", "cryptography", "physics", "control-theory", "robotics",
    "computer-vision", "nlp", "japanese", "book-review", "tutorial",
    "research", "teaching",
]

AUTHORS = ["Taro Yamada", "山田 花子", "Alice Chen", "Bob Martin", "佐藤 恵子",
           "David Okafor"]

WORDS = """
the a an of to in and for with on by from as that this these those is are was
were be been being has have had can could will would should may might must not
we our it its their they one two three first second each every some many most
model data value values function functions matrix vector vectors estimate
estimator error errors loss variance mean sample samples distribution
parameter parameters gradient step steps update updates iteration iterations
algorithm algorithms method methods approach result results problem problems
solution solutions system systems signal noise state states measurement
observation observations prior posterior likelihood probability expectation
process time series frequency domain space basis dimension dimensions
constraint constraints objective cost term terms equation equations
approximation bound bounds rate convergence stability performance memory
cache input output layer layers network weights bias training test
validation benchmark experiment experiments figure table section chapter
example examples case cases detail details idea ideas intuition proof
argument assumption assumptions condition conditions property properties
simple small large fast slow stable linear nonlinear convex smooth sparse
dense random discrete continuous numerical analytic practical theoretical
useful important obvious subtle careful naive efficient robust general
specific standard common typical usually often rarely always sometimes
therefore however moreover instead because although while when where which
compute computes computed derive derived show shows shown use uses used
apply applied consider considered define defined assume assumed observe
observed notice noticed implement implemented measure measured choose chosen
reduce reduced increase increased converge converges minimize minimizes
maximize estimate estimated improve improved write written read run runs
library code implementation version python script notebook pipeline
""".split()

JA_SENTENCES = [
    "この手法は計算量が少ないという利点がある。",
    "詳細は次の節で説明する。",
    "実際のデータでは、ノイズの影響を無視できない。",
    "ここでは簡単のため、独立同分布を仮定する。",
    "結果は表にまとめた通りである。",
    "数式の導出は付録を参照してほしい。",
]

HEADINGS = [
    "Background", "Motivation", "Problem setup", "The basic idea",
    "Derivation", "A worked example", "Implementation", "Numerical results",
    "Complexity", "Edge cases", "Comparison with other methods",
    "Practical considerations", "Limitations", "Related work",
    "Further reading", "Discussion", "Experiments", "Notation",
    "Where this breaks down", "Summary",
]

LINKS = [
    ("the Python documentation", "https://docs.python.org/3/library/statistics.html"),
    ("this survey", "https://arxiv.org/abs/1609.04747"),
    ("the NumPy reference", "https://numpy.org/doc/stable/reference/"),
    ("Wikipedia", "https://en.wikipedia.org/wiki/Kalman_filter"),
    ("an earlier post", "/2004/05/17/notes-on-convex-optimization/"),
    ("the MathJax docs", "https://docs.mathjax.org/en/latest/"),
    ("SciPy", "https://scipy.org/"),
]

INLINE_MATH = [
    "$x_{i}$", "$a_1*b_2$", "$a_1*b_2 + a_2*b_1$", "$\\alpha_{k} + \\beta_{k}$",
    "$\\frac{1}{n}\\sum_{i=1}^{n} x_i$", "$p(x_{t} \\mid x_{t-1})$",
    "$\\|w\\|_2^2$", "$E[X_1 X_2]$", "$\\theta_{t+1}$", "$O(n \\log n)$",
    "$y = W_{1} x + b_{1}$", "$\\sigma^2_{\\text{obs}}$", "$\\lambda_{max}$",
    "$f'(x_0)$", "$\\mathbb{R}^{n \\times m}$", "$k_B T$",
]

DISPLAY_MATH = [
    "\\mathcal{{L}}(\\theta) = \\frac{{1}}{{N}} \\sum_{{i=1}}^{{N}} \\left( y_{{i}} - f(x_{{i}}; \\theta) \\right)^{{{p}}}",
    "p(\\theta \\mid D) = \\frac{{p(D \\mid \\theta)\\, p(\\theta)}}{{\\int p(D \\mid \\theta')\\, p(\\theta')\\, d\\theta'}}",
    "\\hat{{x}}_{{k|k}} = \\hat{{x}}_{{k|k-1}} + K_{{k}} \\left( z_{{k}} - H_{{k}} \\hat{{x}}_{{k|k-1}} \\right)",
    "X_{{k}} = \\sum_{{n=0}}^{{N-1}} x_{{n}} e^{{-2 \\pi i k n / N}}, \\quad k = 0, \\dots, {p}",
    "a_1*b_2 - a_2*b_1 = \\det \\begin{{pmatrix}} a_1 & a_2 \\\\ b_1 & b_2 \\end{{pmatrix}}",
    "H(X) = -\\sum_{{x \\in \\mathcal{{X}}}} p(x) \\log_{{2}} p(x) \\le \\log_{{2}} {p}",
]

ALIGN_MATH = [
    ("\\nabla_{{\\theta}} J &= \\frac{{1}}{{m}} \\sum_{{j=1}}^{{m}} x_{{j}} \\left( h_{{\\theta}}(x_{{j}}) - y_{{j}} \\right) \\\\\n"
     "\\theta_{{t+1}} &= \\theta_{{t}} - \\eta_{{{p}}} \\nabla_{{\\theta}} J \\\\\n"
     "a_1*b_2 - a_2*b_1 &= \\det(A)"),
    ("\\mathbb{{E}}[X] &= \\sum_{{k=0}}^{{\\infty}} k \\, P(X = k) \\\\\n"
     "&= \\sum_{{k=1}}^{{\\infty}} k \\frac{{\\lambda^{{k}} e^{{-\\lambda}}}}{{k!}} \\\\\n"
     "&= \\lambda_{{{p}}}"),
    ("P_{{k|k-1}} &= F_{{k}} P_{{k-1|k-1}} F_{{k}}^{{T}} + Q_{{k}} \\\\\n"
     "K_{{k}} &= P_{{k|k-1}} H_{{k}}^{{T}} \\left( H_{{k}} P_{{k|k-1}} H_{{k}}^{{T}} + R_{{k}} \\right)^{{-1}} \\\\\n"
     "P_{{k|k}} &= (I - K_{{k}} H_{{k}}) P_{{k|k-1}}"),
]

CODE_SNIPPETS = [
    '''def {name}(x, y, weights, lr=0.01):
    """Run one step of gradient descent and return the new weights."""
    total = 0.0
    grad = [0.0] * len(weights)
    for x_i, y_i in zip(x, y):
        pred = sum(w * v for w, v in zip(weights, x_i))
        err = pred - y_i
        total += err ** 2
        for j, v in enumerate(x_i):
            grad[j] += 2 * err * v / len(x)
    return [w - lr * g for w, g in zip(weights, grad)], total / len(x)''',
    '''import numpy as np

def {name}(z, F, H, Q, R, x0, P0):
    x, P = x0, P0
    out = []
    for z_k in z:
        x = F @ x
        P = F @ P @ F.T + Q
        S = H @ P @ H.T + R
        K = P @ H.T @ np.linalg.inv(S)
        x = x + K @ (z_k - H @ x)
        P = (np.eye(len(x)) - K @ H) @ P
        out.append(x.copy())
    return np.array(out)''',
    '''from collections import defaultdict

def {name}(edges, start):
    graph = defaultdict(list)
    for a, b, w in edges:
        graph[a].append((b, w))
    dist = {{start: 0}}
    frontier = [start]
    while frontier:
        node = frontier.pop()
        for nxt, w in graph[node]:
            if nxt not in dist or dist[node] + w < dist[nxt]:
                dist[nxt] = dist[node] + w
                frontier.append(nxt)
    return dist''',
    '''import math

def {name}(samples):
    n = len(samples)
    mean = sum(samples) / n
    var = sum((s - mean) ** 2 for s in samples) / (n - 1)
    # standard error of the mean, a_1*b_2 style names are fine here
    return mean, var, math.sqrt(var / n)''',
]

FUNC_NAMES = ["step", "kalman_filter", "shortest_paths", "summarize",
              "fit_model", "update_weights", "run_experiment", "estimate"]


# --------------------------------------------------------------------------
# post model
# --------------------------------------------------------------------------
class Post:
    __slots__ = ("index", "date", "slug", "title", "tags", "author", "cover",
                 "body")


def _sentence(rng, extras=True):
    n = rng.randint(8, 20)
    words = [rng.choice(WORDS) for _ in range(n)]
    if extras:
        r = rng.random()
        pos = rng.randint(1, n - 1)
        if r < 0.14:
            words.insert(pos, rng.choice(INLINE_MATH))
        elif r < 0.20:
            words.insert(pos, "`%s_%s`" % (rng.choice(FUNC_NAMES), rng.choice(WORDS)))
        elif r < 0.25:
            words[pos] = "*%s*" % words[pos]
        elif r < 0.28:
            words[pos] = "**%s**" % words[pos]
    s = " ".join(words)
    return s[0].upper() + s[1:] + ("?" if rng.random() < 0.08 else ".")


def _paragraph(rng, target_words):
    sents = []
    count = 0
    while count < target_words:
        s = _sentence(rng)
        sents.append(s)
        count += len(s.split())
    if rng.random() < 0.05:
        sents.insert(rng.randint(0, len(sents)), rng.choice(JA_SENTENCES))
    return " ".join(sents), count


def _bullets(rng):
    items = []
    for _ in range(rng.randint(3, 6)):
        s = _sentence(rng)
        items.append("- " + s)
    return "\n".join(items)


def _table(rng):
    rows = ["| Method | Accuracy | Time (s) | Notes |",
            "| --- | ---: | ---: | --- |"]
    for name in rng.sample(["baseline", "ridge", "lasso", "kalman", "ours",
                            "naive", "EM", "SGD", "Adam", "L-BFGS"], rng.randint(3, 6)):
        rows.append("| %s | %.3f | %.2f | %s |" % (
            name, rng.uniform(0.6, 0.99), rng.uniform(0.01, 30.0),
            rng.choice(["default settings", "tuned $\\lambda_{1}$", "n = %d" % rng.randint(100, 10000),
                        "`max_iter=%d`" % rng.choice([100, 500, 1000]), "—"])))
    return "\n".join(rows)


def _code(rng):
    return "```python\n%s\n```" % rng.choice(CODE_SNIPPETS).format(name=rng.choice(FUNC_NAMES))


def _display(rng):
    return "$$\n%s\n$$" % rng.choice(DISPLAY_MATH).format(p=rng.randint(2, 9))


def _align(rng):
    return "$$\n\\begin{align}\n%s\n\\end{align}\n$$" % rng.choice(ALIGN_MATH).format(p=rng.randint(0, 9))


def make_post(seed, i):
    rng = random.Random("%s-%d" % (seed, i))
    p = Post()
    p.index = i
    base = dt.datetime(2000, 1, 1, 9, 0, 0)
    p.date = base + dt.timedelta(hours=18 * i, minutes=rng.randint(0, 600))
    en, ja = rng.choice(TOPICS)
    tmpl = rng.choice(TITLE_TEMPLATES)
    p.title = tmpl.format(en=en, ja=ja, k=rng.randint(1, 12))
    slug_words = en.lower().replace(",", "").split()[:4]
    p.slug = "-".join(slug_words + [rng.choice(["notes", "intro", "revisited", "in-practice", "part"]), str(i)])
    p.tags = rng.sample(TAGS, rng.randint(2, 5))
    p.author = rng.choice(AUTHORS)
    p.cover = "assets/images/cover/%s-%03d.jpg" % (slug_words[0], rng.randint(1, 120))

    target = rng.randint(650, 1200)
    blocks = []
    words = 0
    # intro
    text, c = _paragraph(rng, rng.randint(50, 90))
    lt, lu = rng.choice(LINKS)
    blocks.append(text + " See [%s](%s) for background." % (lt, lu))
    words += c + 5
    specials = [_display, _bullets, _code, _table, _align, "image"]
    if rng.random() < 0.5:
        specials.append(_display)
    n_paras = max(6, target // 100)
    para_len = max(50, (target - words) // n_paras)
    headings = rng.sample(HEADINGS, min(len(HEADINGS), n_paras))
    special_at = sorted(rng.sample(range(1, n_paras), min(len(specials), n_paras - 1)))
    sp_iter = iter(specials)
    h_i = 0
    for k in range(n_paras):
        if k % 3 == 0:
            blocks.append("## " + headings[h_i])
            h_i += 1
        elif k % 3 == 2:
            blocks.append("### " + headings[h_i])
            h_i += 1
        text, c = _paragraph(rng, rng.randint(int(para_len * 0.6), int(para_len * 1.4)))
        blocks.append(text)
        words += c
        if k in special_at:
            sp = next(sp_iter, None)
            if sp == "image":
                blocks.append("![Figure %d: %s](/assets/images/posts/%s/fig%d.png)" % (
                    k, " ".join(rng.sample(WORDS, 4)), p.slug, k))
            elif sp is not None:
                blocks.append(sp(rng))
    blocks.append("## Conclusion")
    text, c = _paragraph(rng, rng.randint(40, 80))
    blocks.append(text)
    p.body = "\n\n".join(blocks) + "\n"
    return p


def _yq(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filename(p):
    return "%s-%s.md" % (p.date.strftime("%Y-%m-%d"), p.slug)


def jekyll_post(p):
    fm = ["---", "layout: post", "title: " + _yq(p.title),
          "date: " + p.date.strftime("%Y-%m-%d %H:%M:%S +0900"),
          "tags: [" + ", ".join(p.tags) + "]",
          "author: " + _yq(p.author), "cover: " + p.cover, "---", ""]
    return "\n".join(fm) + "\n" + p.body


def hugo_post(p):
    fm = ["---", "title: " + _yq(p.title),
          "date: " + p.date.strftime("%Y-%m-%dT%H:%M:%S+09:00"),
          "slug: " + p.slug,
          "tags: [" + ", ".join(p.tags) + "]",
          "author: " + _yq(p.author), "cover: " + p.cover, "---", ""]
    return "\n".join(fm) + "\n" + p.body


def pelican_post(p):
    fm = ["Title: " + p.title, "Date: " + p.date.strftime("%Y-%m-%d %H:%M"),
          "Slug: " + p.slug, "Tags: " + ", ".join(p.tags),
          "Author: " + p.author, "Cover: " + p.cover, ""]
    return "\n".join(fm) + "\n" + p.body


def _write(path, text):
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


# --------------------------------------------------------------------------
# site skeletons
# --------------------------------------------------------------------------
MATHJAX = ('<script>window.MathJax = {tex: {inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]]}};</script>\n'
           '<script async src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>')

JEKYLL_CONFIG = """title: Perf Blog
description: A benchmark corpus
url: https://example.com
baseurl: ""
timezone: Asia/Tokyo
markdown: kramdown
highlighter: rouge
kramdown:
  input: GFM
  math_engine: mathjax
  syntax_highlighter: rouge
permalink: /:year/:month/:day/:title/
plugins:
  - jekyll-feed
  - jekyll-paginate
paginate: 10
paginate_path: /page/:num/
feed:
  posts_limit: 20
exclude: [Gemfile, Gemfile.lock, vendor, node_modules]
"""

JEKYLL_DEFAULT = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{% if page.title %}{{ page.title | escape }} | {% endif %}{{ site.title }}</title>
{% feed_meta %}
""" + MATHJAX + """
</head>
<body>
<header><a href="{{ '/' | relative_url }}">{{ site.title }}</a> |
<a href="{{ '/tags/' | relative_url }}">Tags</a> |
<a href="{{ '/archive/' | relative_url }}">Archive</a></header>
<main>
{{ content }}
</main>
<footer>&copy; {{ site.time | date: '%Y' }} {{ site.title }}</footer>
</body>
</html>
"""

JEKYLL_POST = """---
layout: default
---
<article>
<h1>{{ page.title | escape }}</h1>
<p class="meta"><time datetime="{{ page.date | date_to_xmlschema }}">{{ page.date | date: "%Y-%m-%d" }}</time>
by {{ page.author }}</p>
<img class="cover" src="{{ page.cover | prepend: '/' | relative_url }}" alt="">
<ul class="tags">{% for tag in page.tags %}<li><a href="{{ '/tags/' | append: tag | append: '/' | relative_url }}">{{ tag }}</a></li>{% endfor %}</ul>
{{ content }}
</article>
<nav>{% if page.previous %}<a href="{{ page.previous.url | relative_url }}">&larr; {{ page.previous.title | escape }}</a>{% endif %}
{% if page.next %}<a href="{{ page.next.url | relative_url }}">{{ page.next.title | escape }} &rarr;</a>{% endif %}</nav>
"""

JEKYLL_TAG = """---
layout: default
---
<h1>Posts tagged "{{ page.tag }}"</h1>
<ul>
{% for post in site.tags[page.tag] %}<li><time>{{ post.date | date: "%Y-%m-%d" }}</time> <a href="{{ post.url | relative_url }}">{{ post.title | escape }}</a></li>
{% endfor %}
</ul>
"""

JEKYLL_INDEX = """---
layout: default
title: Home
---
{% for post in paginator.posts %}
<article>
<h2><a href="{{ post.url | relative_url }}">{{ post.title | escape }}</a></h2>
<p class="meta">{{ post.date | date: "%Y-%m-%d" }} by {{ post.author }}</p>
{{ post.excerpt }}
</article>
{% endfor %}
<nav>
{% if paginator.previous_page %}<a href="{{ paginator.previous_page_path | relative_url }}">Newer</a>{% endif %}
Page {{ paginator.page }} of {{ paginator.total_pages }}
{% if paginator.next_page %}<a href="{{ paginator.next_page_path | relative_url }}">Older</a>{% endif %}
</nav>
"""

JEKYLL_TAGS_INDEX = """---
layout: default
title: Tags
permalink: /tags/
---
<h1>Tags</h1>
<ul>
{% for tag in site.tags %}<li><a href="{{ '/tags/' | append: tag[0] | append: '/' | relative_url }}">{{ tag[0] }}</a> ({{ tag[1].size }})</li>
{% endfor %}
</ul>
"""

JEKYLL_ARCHIVE = """---
layout: default
title: Archive
permalink: /archive/
---
<h1>Archive</h1>
<ul>
{% for post in site.posts %}<li><time>{{ post.date | date: "%Y-%m-%d" }}</time> <a href="{{ post.url | relative_url }}">{{ post.title | escape }}</a></li>
{% endfor %}
</ul>
"""


def write_jekyll(out, posts):
    _write(os.path.join(out, "_config.yml"), JEKYLL_CONFIG)
    _write(os.path.join(out, "_layouts", "default.html"), JEKYLL_DEFAULT)
    _write(os.path.join(out, "_layouts", "post.html"), JEKYLL_POST)
    _write(os.path.join(out, "_layouts", "tag.html"), JEKYLL_TAG)
    _write(os.path.join(out, "index.html"), JEKYLL_INDEX)
    _write(os.path.join(out, "tags.html"), JEKYLL_TAGS_INDEX)
    _write(os.path.join(out, "archive.html"), JEKYLL_ARCHIVE)
    used = sorted({t for p in posts for t in p.tags})
    for t in used:
        _write(os.path.join(out, "tags", t + ".html"),
               "---\nlayout: tag\ntag: %s\ntitle: \"Tag: %s\"\npermalink: /tags/%s/\n---\n" % (t, t, t))
    for p in posts:
        _write(os.path.join(out, "_posts", filename(p)), jekyll_post(p))


HUGO_CONFIG = r"""baseURL = "https://example.com/"
title = "Perf Blog"
languageCode = "en"
timeZone = "Asia/Tokyo"
disableKinds = ["sitemap", "robotsTXT", "404"]
enableRobotsTXT = false

[pagination]
  pagerSize = 10

[permalinks]
  [permalinks.page]
    posts = "/:year/:month/:day/:slug/"

[taxonomies]
  tag = "tags"

[outputs]
  home = ["html", "rss"]
  section = ["html"]
  taxonomy = ["html"]
  term = ["html"]

[services.rss]
  limit = 20

[markup.goldmark.extensions.passthrough]
  enable = true
  [markup.goldmark.extensions.passthrough.delimiters]
    block = [['\[', '\]'], ['$$', '$$']]
    inline = [['\(', '\)'], ['$', '$']]
"""

HUGO_BASEOF = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ if not .IsHome }}{{ .Title }} | {{ end }}{{ site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .Permalink }}">{{ end }}
""" + MATHJAX + """
</head>
<body>
<header><a href="{{ "/" | relURL }}">{{ site.Title }}</a> |
<a href="{{ "/tags/" | relURL }}">Tags</a> |
<a href="{{ "/posts/" | relURL }}">Archive</a></header>
<main>
{{ block "main" . }}{{ end }}
</main>
<footer>&copy; {{ now.Format "2006" }} {{ site.Title }}</footer>
</body>
</html>
"""

HUGO_PAGE = """{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "2006-01-02" }}</time>
by {{ .Params.author }}</p>
<img class="cover" src="{{ .Params.cover | absURL }}" alt="">
<ul class="tags">{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
{{ .Content }}
</article>
<nav>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">&larr; {{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }} &rarr;</a>{{ end }}</nav>
{{ end }}
"""

HUGO_HOME = """{{ define "main" }}
{{ $pager := .Paginate (where site.RegularPages "Section" "posts") }}
{{ range $pager.Pages }}
<article>
<h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p class="meta">{{ .Date.Format "2006-01-02" }} by {{ .Params.author }}</p>
{{ .Summary }}
</article>
{{ end }}
<nav>
{{ with $pager.Prev }}<a href="{{ .URL }}">Newer</a>{{ end }}
Page {{ $pager.PageNumber }} of {{ $pager.TotalPages }}
{{ with $pager.Next }}<a href="{{ .URL }}">Older</a>{{ end }}
</nav>
{{ end }}
"""

HUGO_LIST = """{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>
{{ range .Pages }}<li><time>{{ .Date.Format "2006-01-02" }}</time> <a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}
</ul>
{{ end }}
"""

HUGO_TAXONOMY = """{{ define "main" }}
<h1>Tags</h1>
<ul>
{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>
{{ end }}
</ul>
{{ end }}
"""


def write_hugo(out, posts):
    _write(os.path.join(out, "hugo.toml"), HUGO_CONFIG)
    L = os.path.join(out, "layouts")
    _write(os.path.join(L, "baseof.html"), HUGO_BASEOF)
    _write(os.path.join(L, "page.html"), HUGO_PAGE)
    _write(os.path.join(L, "home.html"), HUGO_HOME)
    _write(os.path.join(L, "section.html"), HUGO_LIST)
    _write(os.path.join(L, "term.html"), HUGO_LIST)
    _write(os.path.join(L, "taxonomy.html"), HUGO_TAXONOMY)
    _write(os.path.join(out, "content", "posts", "_index.md"), "---\ntitle: Archive\n---\n")
    for p in posts:
        _write(os.path.join(out, "content", "posts", filename(p)), hugo_post(p))


PELICAN_CONF = """# Pelican settings for the benchmark corpus (default theme).
AUTHOR = "Perf"
SITENAME = "Perf Blog"
SITEURL = "https://example.com"
PATH = "content"
TIMEZONE = "Asia/Tokyo"
DEFAULT_LANG = "en"
RELATIVE_URLS = False

ARTICLE_URL = "{date:%Y}/{date:%m}/{date:%d}/{slug}/"
ARTICLE_SAVE_AS = "{date:%Y}/{date:%m}/{date:%d}/{slug}/index.html"
TAG_URL = "tags/{slug}/"
TAG_SAVE_AS = "tags/{slug}/index.html"
TAGS_SAVE_AS = "tags/index.html"
ARCHIVES_SAVE_AS = "archive/index.html"

# comparable work: posts, paginated index, tag index, per-tag lists, archive, one feed
DIRECT_TEMPLATES = ["index", "tags", "archives"]
# the default theme needs article.category, which Pelican only sets when
# CATEGORY_SAVE_AS is non-empty: keep the single default category page
# ("misc"), rendered by a stub override (no post list) so that it adds no
# work the other generators do not do
CATEGORIES_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
DEFAULT_PAGINATION = False
PAGINATED_TEMPLATES = {"index": 10}
THEME_TEMPLATES_OVERRIDES = ["overrides"]

FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
FEED_MAX_ITEMS = 20

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight"},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {},
        "pymdownx.arithmatex": {"generic": True},
    },
    "output_format": "html5",
}

import os as _os
CACHE_CONTENT = _os.environ.get("PELICAN_CACHE") == "1"
LOAD_CONTENT_CACHE = CACHE_CONTENT
"""

PELICAN_TAG = """{% extends "base.html" %}
{% block title %}{{ SITENAME|striptags }} - {{ tag }}{% endblock %}
{% block content %}
<section id="content" class="body">
<h1>Posts tagged "{{ tag }}"</h1>
<ul>
{% for article in articles %}<li><time>{{ article.date.strftime("%Y-%m-%d") }}</time> <a href="{{ SITEURL }}/{{ article.url }}">{{ article.title }}</a></li>
{% endfor %}
</ul>
</section>
{% endblock %}
"""


PELICAN_CATEGORY = """{% extends "base.html" %}
{% block title %}{{ SITENAME|striptags }} - {{ category }}{% endblock %}
{% block content %}
<section id="content" class="body"><h1>Category {{ category }} ({{ articles|length }} posts)</h1></section>
{% endblock %}
"""


def write_pelican(out, posts):
    _write(os.path.join(out, "pelicanconf.py"), PELICAN_CONF)
    _write(os.path.join(out, "overrides", "tag.html"), PELICAN_TAG)
    _write(os.path.join(out, "overrides", "category.html"), PELICAN_CATEGORY)
    for p in posts:
        _write(os.path.join(out, "content", filename(p)), pelican_post(p))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--site", choices=["posts", "jekyll", "hugo", "pelican"], default="posts")
    a = ap.parse_args(argv)
    posts = [make_post(a.seed, i) for i in range(a.n)]
    if a.site == "posts":
        for p in posts:
            _write(os.path.join(a.outdir, filename(p)), jekyll_post(p))
    elif a.site == "jekyll":
        write_jekyll(a.outdir, posts)
    elif a.site == "hugo":
        write_hugo(a.outdir, posts)
    elif a.site == "pelican":
        write_pelican(a.outdir, posts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
