"""Liquid in posts and pages: Jekyll's includes, tags and filters, math left alone, errors at their lines."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from mathpress.errors import BuildFailed
from mathpress.jekyll.files import read_liquid_files
from mathpress.jekyll.liquid import LiquidContext, render_liquid
from tests.conftest import build_site, make_site, read_output

# Written for these tests in the form of al-folio's `_includes/figure.html` (the include in
# hundreds of academic Jekyll posts): assign with `remove` filters, a loop over
# site.imagemagick.widths, `relative_url`, and one `if include.x` per attribute.
FIGURE_HTML = """\
{% assign path = include.path | remove: ".jpg" | remove: ".jpeg" | remove: ".png" | remove: ".tiff" %}

<figure>

  <picture>
    {% for i in site.imagemagick.widths %}
      <source media="(max-width: {{ i }}px)" srcset="{{ path | relative_url }}-{{ i }}.webp">
    {% endfor %}

    <!-- Fallback to the original file -->
    <img {% if include.class %}class="{{ include.class }}"{% endif %} src="{{ include.path | relative_url }}" \
{% if include.alt %}alt="{{ include.alt }}"{% endif %} {% if include.zoomable %}data-zoomable{% endif %} />

  </picture>

  {% if include.caption %}<figcaption class="caption">{{ include.caption }}</figcaption>{% endif %}

</figure>
"""
FIGURE_POST = """\
---
layout: post
title: a post with figures
date: 2024-01-02
---
Before.

<div class="row mt-3">
    <div class="col-sm mt-3 mt-md-0">
        {% include figure.html path="assets/img/9.jpg" class="img-fluid rounded z-depth-1" zoomable=true \
caption="The loss $L(\\theta)$ falls." %}
    </div>
</div>

After, with $x_1$.
"""
CONFIG = "title: Test\nurl: https://example.org\nbase_url: /repo/\nextra:\n  imagemagick:\n    widths: [480, 800]\n"


def post_html(root: Path, rel: str) -> str:
    """The post body of a built page."""
    text = read_output(root, rel)
    return text[text.index('<div class="post-body">') :]


def messages(report_or_failure: object) -> list[str]:
    return [str(d) for d in getattr(report_or_failure, "diagnostics")]  # noqa: B009


def render(text: str, **values: object) -> tuple[str, list[str]]:
    """Render Liquid as a post at content/posts/p.md whose body starts on line 4."""
    context = LiquidContext("https://example.org", "/repo/", **values)  # type: ignore[arg-type]
    out, notes = render_liquid(text, "content/posts/p.md", 4, context)
    return out, [str(n) for n in notes]


def test_al_folio_figure_include_gives_the_picture_under_the_base_url(tmp_path: Path) -> None:
    root = make_site(
        tmp_path / "site",
        {
            "site.yml": CONFIG,
            "_includes/figure.html": FIGURE_HTML,
            "content/posts/2024-01-02-figures.md": FIGURE_POST,
            "static/assets/img/9.jpg": b"\xff\xd8\xff",
        },
    )
    report = build_site(root)
    assert messages(report) == []
    body = post_html(root, "2024/01/02/figures/index.html")
    assert '<source media="(max-width: 480px)" srcset="/repo/assets/img/9-480.webp">' in body
    assert '<source media="(max-width: 800px)" srcset="/repo/assets/img/9-800.webp">' in body
    assert '<img class="img-fluid rounded z-depth-1" src="/repo/assets/img/9.jpg"  data-zoomable />' in body
    assert (
        '<figcaption class="caption">The loss <span class="math inline">\\(L(\\theta)\\)</span> falls.</figcaption>'
        in body
    )
    assert '<span class="math inline">\\(x_1\\)</span>' in body and "include" not in body


def test_includes_nest_and_read_site_data_and_page_values(tmp_path: Path) -> None:
    root = make_site(
        tmp_path / "site",
        {
            "_includes/people.html": "<ul>{% for p in site.data.lab.people %}"
            "{% include person.html name=p.name role='member' %}{% endfor %}</ul>",
            "_includes/person.html": "<li>{{ include.name }} ({{ include.role }}) on {{ page.title }}</li>",
            "_data/lab/people.yml": "- name: Ada\n- name: Emmy\n",
            "_data/venue.json": '{"name": "ICML"}',
            "content/posts/2024-01-03-lab.md": "---\ntitle: Lab\n---\n{% include people.html %}\n\n"
            "At {{ site.data.venue.name }}, {{ site.title }}.\n",
        },
    )
    report = build_site(root)
    assert messages(report) == []
    body = post_html(root, "2024/01/03/lab/index.html")
    assert "<ul><li>Ada (member) on Lab</li><li>Emmy (member) on Lab</li></ul>" in body
    assert "<p>At ICML, Test Blog.</p>" in body


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{% capture x %}a{{ 1 | plus: 2 }}{% endcapture %}{% assign y = x | upcase %}{{ y }}", "A3"),
        ("{% if 1 > 2 %}a{% elsif 2 > 1 %}b{% else %}c{% endif %}{% unless false %}d{% endunless %}", "bd"),
        ("{% case 2 %}{% when 1 %}one{% when 2 %}two{% endcase %}", "two"),
        ("{% for i in (1..6) limit:3 offset:2 %}{{ i }}{% endfor %}", "345"),
        (
            "{% for i in (1..3) reversed %}{{ forloop.index }}{{ i }}{% if forloop.last %}!{% endif %}{% endfor %}",
            "132231!",
        ),
        ("{{ page.date | date_to_xmlschema }}", "2024-01-02T10:30:00+00:00"),
        (
            "{{ page.date | date_to_string }}|{{ page.date | date_to_long_string: 'ordinal', 'US' }}",
            "02 Jan 2024|January 2nd, 2024",
        ),
        ("{{ 'Hello, World: A Test!' | slugify }}|{{ 'Hi there' | slugify: 'pretty' }}", "hello-world-a-test|hi-there"),
        ("{{ site.data.people | where: 'team', 'b' | map: 'name' | join: ',' }}", "Bo,Cy"),
        ('{{ site.data.people | where_exp: "p", "p.age > 30" | map: "name" | join: "," }}', "Ann,Cy"),
        ("{{ site.data.people | sort: 'age' | map: 'name' | join: ',' }}", "Bo,Cy,Ann"),
        ("{% assign g = site.data.people | group_by: 'team' %}{{ g[1].name }}{{ g[1].size }}", "b2"),
        ("{{ site.data.people[0] | jsonify }}", '{"name":"Ann","team":"a","age":40}'),
        (
            "{{ '<a & b>' | xml_escape }}|{{ 'a b&c' | cgi_escape }}|{{ 'a b/é' | uri_escape }}",
            "&lt;a &amp; b&gt;|a+b%26c|a%20b/%C3%A9",
        ),
        ("{{ 'one two  three' | number_of_words }}|{{ ' a \n b ' | normalize_whitespace }}", "3|a b"),
        ("{{ site.data.people | map: 'name' | array_to_sentence_string }}", "Ann, Bo, and Cy"),
        ("{{ '*hi*' | markdownify }}|{{ '\"q\"' | smartify }}", '<p><em>hi</em></p>\n|"q"'),
        (
            "{{ '/a/' | relative_url }}|{{ '/a/' | absolute_url }}|{{ site.baseurl }}{{ site.url }}",
            "/repo/a/|https://example.org/repo/a/|/repohttps://example.org",
        ),
        ("[{{ nothing.here }}{{ page.missing | upcase }}]", "[]"),
    ],
)
def test_tags_and_filters_render_as_jekyll_does(template: str, expected: str) -> None:
    people = [
        {"name": "Ann", "team": "a", "age": 40},
        {"name": "Bo", "team": "b", "age": 20},
        {"name": "Cy", "team": "b", "age": 31},
    ]
    files = read_liquid_files(Path("/nonexistent"))
    files = type(files)("x", {}, {"people": people})
    page = {"title": "P", "date": dt.datetime(2024, 1, 2, 10, 30, tzinfo=dt.UTC)}
    out, notes = render(template, page=page, files=files)
    assert (out, notes) == (expected, [])


def test_highlight_gives_the_same_page_as_a_fenced_block(tmp_path: Path) -> None:
    code = "def f(x):\n    return {'a': x}  # `tick`\n"
    root = make_site(
        tmp_path / "site",
        {
            "content/posts/2024-01-04-a.md": f"{{% highlight python linenos %}}\n{code}{{% endhighlight %}}\n",
            "content/posts/2024-01-04-b.md": f'```python linenums="1"\n{code}```\n',
        },
    )
    assert messages(build_site(root)) == []
    first = post_html(root, "2024/01/04/a/index.html").split("<nav")[0]
    assert "highlight" in first and "linenos" in first
    assert first == post_html(root, "2024/01/04/b/index.html").split("<nav")[0]


def test_liquid_never_touches_math(tmp_path: Path) -> None:
    body = (
        "Inline $a^{{2}} + b_{{n}}$ and {{ site.title }}.\n\n"
        "$$\n\\frac{1}{{n}} + {{a}_{b}} {%\n}\n$$\n\n"
        "{% raw %}{{ kept }}{% endraw %} and \\(x^{{3}}\\).\n"
    )
    root = make_site(tmp_path / "site", {"content/posts/2024-01-05-m.md": f"---\ntitle: M\n---\n{body}"})
    assert messages(build_site(root)) == []
    page = post_html(root, "2024/01/05/m/index.html")
    assert '<span class="math inline">\\(a^{{2}} + b_{{n}}\\)</span> and Test Blog.' in page
    assert '<div class="math display">\\[\\frac{1}{{n}} + {{a}_{b}} {%\n}\\]</div>' in page
    assert "{{ kept }} and " in page and "\\(x^{{3}}\\)" in page


def test_a_plugin_tag_is_a_warning_at_its_line_and_leaves_something_to_read(tmp_path: Path) -> None:
    body = (
        "Tweet:\n{% twitter https://twitter.com/rubygems/status/518821243320287232 maxwidth=500 %}\n\n"
        "As shown {% cite knuth1984 lamport94 %}.\n\n"
        "{% gist 1a2b3c %}\n\n{% youtube Balreaj8Yqs %}\n\n"
        "{% details Proof %}\nIt holds.\n{% enddetails %}\n"
    )
    root = make_site(tmp_path / "site", {"content/posts/2024-01-06-p.md": f"---\ntitle: P\n---\n{body}"})
    report = build_site(root)
    source = "content/posts/2024-01-06-p.md"
    assert messages(report) == [
        f"{source}:5:1: warning: `{{% twitter %}}` is a plugin's tag mathpress cannot render; left a link to it",
        f"{source}:7:10: warning: citation without a bibliography: add `references.bib`",  # tests/test_citations.py
        f"{source}:9:1: warning: `{{% gist %}}` is a plugin's tag mathpress cannot render; left a link to it",
        f"{source}:11:1: warning: `{{% youtube %}}` is a plugin's tag mathpress cannot render; left a link to it",
        f"{source}:13:1: warning: `{{% details %}}` is a plugin's tag mathpress cannot render; left its text",
    ]
    page = post_html(root, "2024/01/06/p/index.html")
    tweet = "https://twitter.com/rubygems/status/518821243320287232"
    assert f'<a href="{tweet}">{tweet}</a>' in page
    assert "As shown [@knuth1984; @lamport94]." in page
    assert '<a href="https://gist.github.com/1a2b3c">' in page
    assert '<a href="https://www.youtube.com/watch?v=Balreaj8Yqs">' in page
    assert "[Proof]" in page and "It holds." in page and "details" not in page


def test_a_syntax_error_fails_the_file_at_its_line_after_the_front_matter(tmp_path: Path) -> None:
    post = "---\ntitle: E\ntags: [a]\n---\nFine.\n\n{% if page.title %}\nNever closed.\n"
    root = make_site(tmp_path / "site", {"content/posts/2024-01-07-e.md": post})
    with pytest.raises(BuildFailed) as failure:
        build_site(root)
    assert messages(failure.value) == [
        "content/posts/2024-01-07-e.md:7:1: Liquid: `{% if %}` is never closed by `{% endif %}`"
    ]
    assert not (root / "_site").exists()


def test_a_stray_end_tag_before_an_unclosed_block_is_an_error_not_a_crash() -> None:
    out, notes = render("Text.\n{% endraw %}{% highlight python %}\n")
    assert (out, notes) == (
        "Text.\n{% endraw %}{% highlight python %}\n",
        ["content/posts/p.md:4:1: Liquid: expected tag endhighlight, found end of expression"],
    )


def test_an_unknown_filter_warns_and_leaves_its_input(tmp_path: Path) -> None:
    post = "---\ntitle: F\n---\nOne.\n{{ 'x.css' | bust_file_cache | relative_url }}\n"
    root = make_site(tmp_path / "site", {"content/posts/2024-01-08-f.md": post})
    report = build_site(root)
    assert messages(report) == [
        "content/posts/2024-01-08-f.md:5:14: warning: "
        "unknown Liquid filter `bust_file_cache`; its input is left unchanged"
    ]
    assert "<p>One.\n/x.css</p>" in post_html(root, "2024/01/08/f/index.html")


def test_an_error_inside_an_include_names_the_post_line_and_the_include_line(tmp_path: Path) -> None:
    root = make_site(
        tmp_path / "site",
        {
            "_includes/outer.html": "<div>\n{% include inner.html %}\n</div>",
            "_includes/inner.html": "ok\n{{ 'a' | plus }}\n{% for %}",
            "content/posts/2024-01-09-i.md": "---\ntitle: I\n---\nText.\n{% include outer.html %}\n",
        },
    )
    with pytest.raises(BuildFailed) as failure:
        build_site(root)
    assert messages(failure.value) == [
        "content/posts/2024-01-09-i.md:5:1: Liquid: missing expression (in _includes/inner.html:3)"
    ]


def test_includes_cannot_leave_the_includes_folder(tmp_path: Path) -> None:
    outside = tmp_path / "secret.html"
    outside.write_text("SECRET", encoding="utf-8")
    root = make_site(
        tmp_path / "site",
        {
            "_includes/ok.html": "fine",
            "content/posts/2024-01-10-s.md": "---\ntitle: S\n---\n{% include ../site.yml %}\n"
            "{% include /etc/passwd %}\n{% include link.html %}\n{% include ok.html %}\n",
        },
    )
    (root / "_includes/link.html").symlink_to(outside)
    (root / "_includes/loop.html").symlink_to(root / "_includes/loop.html")
    report = build_site(root)
    source = "content/posts/2024-01-10-s.md"
    assert messages(report) == [
        "_includes/link.html: warning: symlink points outside _includes/; ignored",
        "_includes/loop.html: warning: a symlink loop; ignored",
        f"{source}:4:1: warning: `{{% include ../site.yml %}}`: `../site.yml` is outside _includes/; left out",
        f"{source}:5:1: warning: `{{% include /etc/passwd %}}`: `/etc/passwd` is outside _includes/; left out",
        f"{source}:6:1: warning: `{{% include link.html %}}`: no file _includes/link.html; left out",
    ]
    page = post_html(root, "2024/01/10/s/index.html")
    assert "SECRET" not in page and "fine" in page


def test_endless_loops_and_includes_are_stopped(tmp_path: Path) -> None:
    root = make_site(
        tmp_path / "site",
        {
            "_includes/self.html": "{% include self.html %}",
            "content/posts/2024-01-11-a.md": "---\ntitle: A\n---\n{% for i in (1..10000000) %}x{% endfor %}\n",
            "content/posts/2024-01-11-b.md": "---\ntitle: B\n---\n\n{% include self.html %}\n",
        },
    )
    with pytest.raises(BuildFailed) as failure:
        build_site(root)
    assert messages(failure.value) == [
        "content/posts/2024-01-11-a.md:4:1: Liquid: loop iteration limit reached",
        "content/posts/2024-01-11-b.md:5:1: Liquid: maximum context depth reached, possible recursive include "
        "(in _includes/self.html:1)",
    ]


def test_editing_an_include_or_data_rerenders_the_posts_that_use_liquid(tmp_path: Path) -> None:
    root = make_site(
        tmp_path / "site",
        {
            "_includes/note.html": "<aside>v1</aside>",
            "_data/facts.yml": "n: 1\n",
            "content/posts/2024-01-12-uses.md": "---\ntitle: U\n---\n{% include note.html %} {{ site.data.facts.n }}\n",
            "content/posts/2024-01-12-plain.md": "---\ntitle: P\n---\nNo Liquid here.\n",
        },
    )
    first = build_site(root)
    assert first.documents_rendered == 2
    assert build_site(root).documents_rendered == 0
    (root / "_includes/note.html").write_text("<aside>v2</aside>", encoding="utf-8")
    second = build_site(root)
    assert second.documents_rendered == 1
    assert "<aside>v2</aside>\n<p>1</p>" in post_html(root, "2024/01/12/uses/index.html")
    (root / "_data/facts.yml").write_text("n: 2\n", encoding="utf-8")
    assert build_site(root).documents_rendered == 1
    assert "<aside>v2</aside>\n<p>2</p>" in post_html(root, "2024/01/12/uses/index.html")


def test_post_url_link_and_render_with_liquid_false(tmp_path: Path) -> None:
    root = make_site(
        tmp_path / "site",
        {
            "site.yml": CONFIG,
            "content/posts/2024-01-13-target.md": "---\ntitle: T\n---\nTarget.\n",
            "content/about.md": "---\ntitle: About\n---\nAbout.\n",
            "content/posts/2024-01-14-links.md": "---\ntitle: L\n---\n"
            "[a]({% post_url 2024-01-13-target %}) [b]({{ site.baseurl }}{% post_url 2024-01-13-target %}) "
            "[c]({% link _posts/2024-01-13-target.md %}) [d]({% link about.md %}) "
            "[f]({% link _pages/about.md %}) [e]({% link files/x.pdf %})\n",
            "content/posts/2024-01-15-asis.md": "---\ntitle: R\nrender_with_liquid: false\n---\n"
            "`{% include x.html %}` {{ site.title }}\n",
        },
    )
    assert messages(build_site(root)) == []
    links = post_html(root, "2024/01/14/links/index.html")
    for name, href in [
        ("a", "/repo/2024/01/13/target/"),
        ("b", "/repo/2024/01/13/target/"),
        ("c", "/repo/2024/01/13/target/"),
        ("d", "/repo/about/"),
        ("f", "/repo/about/"),
        ("e", "/repo/files/x.pdf"),
    ]:
        assert f'<a href="{href}">{name}</a>' in links
    assert "<code>{% include x.html %}</code> {{ site.title }}" in post_html(root, "2024/01/15/asis/index.html")


def test_a_missing_post_url_target_is_an_error(tmp_path: Path) -> None:
    root = make_site(
        tmp_path / "site",
        {"content/posts/2024-01-16-x.md": "---\ntitle: X\n---\n\nSee {% post_url 2020-01-01-gone %}.\n"},
    )
    with pytest.raises(BuildFailed) as failure:
        build_site(root)
    assert messages(failure.value) == [
        "content/posts/2024-01-16-x.md:5:5: Liquid: {% post_url 2020-01-01-gone %}: no such post"
    ]


BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcde", "bcdef", strict=True)
)


def test_bad_data_is_a_warning_at_its_line(tmp_path: Path) -> None:
    root = make_site(
        tmp_path / "site",
        {
            "_data/bad.yml": "a: 1\nb: [\n",
            "_data/bomb.yml": BOMB + "g: [*f, *f]\n",
            "_data/latin1.json": b'{"a": "\xe9"}',
            "content/posts/2024-01-17-d.md": "---\ntitle: D\n---\n"
            "[{{ site.data.bad.a }}{{ site.data.bomb | jsonify }}]\n",
        },
    )
    report = build_site(root)
    assert messages(report) == [
        "_data/bad.yml:3:1: warning: not valid YAML; site.data.bad is left empty",
        "_data/bomb.yml: warning: expands past 1000000 values through aliases; left empty",
        "_data/latin1.json: warning: not UTF-8 text; site.data.latin1 is left empty",
    ]
    assert "<p>[null]</p>" in post_html(root, "2024/01/17/d/index.html")
    assert not os.path.exists(root / "_site" / "_data")


def test_math_warnings_after_an_include_name_the_line_in_the_file(tmp_path: Path) -> None:
    root = make_site(
        tmp_path / "site",
        {
            "_includes/box.html": "<div>\n<p>one</p>\n<p>two</p>\n</div>\n",
            "content/posts/2024-01-18-w.md": "---\ntitle: W\n---\n{% include box.html %}\n{% comment %}\n\n"
            "{% endcomment %}\nThen $\\fracc{a}$.\n\n$$\n\\nope\n$$\n",
        },
    )
    assert messages(build_site(root)) == [
        "content/posts/2024-01-18-w.md:8:7: warning: unknown TeX macro `\\fracc` (did you mean `\\frac`?)",
        "content/posts/2024-01-18-w.md:11:1: warning: unknown TeX macro `\\nope`",
    ]


@pytest.mark.devserver
def test_the_dev_server_rebuilds_when_an_include_changes(tmp_path: Path) -> None:
    from tests.serve_helpers import Served

    root = make_site(
        tmp_path / "site",
        {
            "_includes/note.html": "<aside>first</aside>",
            "content/posts/2024-01-19-n.md": "---\ntitle: N\n---\n{% include note.html %}\n",
        },
    )
    served = Served(root).wait_ready()
    try:
        assert "<aside>first</aside>" in served.request("/2024/01/19/n/").text
        (root / "_includes/note.html").write_text("<aside>second</aside>", encoding="utf-8")
        served.wait_for_line(r"include changed: _includes/note\.html; rebuilding")
        served.wait_status(lambda s: "<aside>second</aside>" in served.request("/2024/01/19/n/").text)
    finally:
        served.close()
