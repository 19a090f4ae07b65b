"""Write the robustness fixture sites (bytes exact: CRLF, BOM, Latin-1, UTF-16)."""

from pathlib import Path
import sys

ROOT = Path(sys.argv[1])


def w(site, rel, text, enc="utf-8", crlf=False, bom=False):
    p = ROOT / site / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode(enc)
    if bom:
        data = b"\xef\xbb\xbf" + data
    p.write_bytes(data)


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def png(site, rel):
    p = ROOT / site / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(PNG)


# chirpy: _tabs collection, image {path, alt}, math: true, tags with spaces, CRLF, BOM, raw, highlight,
# missing theme include, site.data, files with spaces, empty baseurl, no url, posts in subfolders
S = "theme-chirpy"
w(
    S,
    "_config.yml",
    """\
title: Chirpy notes
tagline: math and code
baseurl: ""
timezone: Europe/Berlin
collections:
  tabs:
    output: true
    sort_by: order
defaults:
  - scope: {path: "", type: posts}
    values: {layout: post, comments: true, toc: true, permalink: /posts/:title/}
  - scope: {path: _drafts}
    values: {comments: false}
  - scope: {path: "", type: tabs}
    values: {layout: page, permalink: /:title/}
kramdown:
  syntax_highlighter: rouge
  footnote_backlink: "&#8617;&#xfe0e;"
""",
)
w(
    S,
    "_tabs/about.md",
    "---\n# the default layout is 'page'\nicon: fas fa-info-circle\norder: 4\n---\n\n> Add Markdown syntax content to file `_tabs/about.md`{: .filepath } and it will show up on this page.\n{: .prompt-tip }\n",
)
w(S, "_tabs/archives.md", "---\nlayout: archives\nicon: fas fa-archive\norder: 3\n---\n")
w(S, "_data/authors.yml", "ada:\n  name: Ada Lovelace\n  url: https://example.org/ada\n")
w(
    S,
    "_posts/2019/2019-08-08-text-and-typography.md",
    """\
---
title: Text and Typography
author: ada
date: 2019-08-08 11:33:00 +0800
categories: [Blogging, Demo]
tags: [typography, getting started]
pin: true
math: true
mermaid: true
image:
  path: /assets/img/devices mockup.png
  alt: Responsive rendering of Chirpy theme on multiple devices.
---

This post is written by {{ site.data.authors.ada.name }}.

## Mathematics

The mathematics powered by [**MathJax**](https://www.mathjax.org/):

$$
\\begin{equation}
  \\sum_{n=1}^\\infty 1/n^2 = \\frac{\\pi^2}{6}
  \\label{eq:series}
\\end{equation}
$$

We can reference the equation as \\eqref{eq:series}.

When $a \\ne 0$, there are two solutions to $ax^2 + bx + c = 0$ and they are

$$ x = {-b \\pm \\sqrt{b^2-4ac} \\over 2a} $$

## Prompts

> An example showing the `tip` type prompt.
{: .prompt-tip }

## Code

```liquid
{% raw %}{% if product.title contains 'Pack' %}
  This product's title contains the word Pack.
{% endif %}{% endraw %}
```

{% highlight python linenos %}
def f(x):
    return x ** 2
{% endhighlight %}

![Desktop View](/assets/img/devices mockup.png){: width="972" height="589" }
_Full screen width and center alignment_

{% include embed/youtube.html id='Balreaj8Yqs' %}

[^footnote]: The footnote source
""",
    crlf=True,
)
w(
    S,
    "_posts/2019/2019-08-09-getting-started.md",
    """\
---
title: Getting Started
date: 2019-08-09 20:55:00 +0800
categories: [Blogging, Tutorial]
tags: [getting started]
pin: true
image:
  path: /commons/devices-mockup.png
  lqip: data:image/webp;base64,UklGRpoAAABXRUJQVlA4WAoAAAAQAAAADwAABw
  alt: A missing image
---

Read the [Text and Typography]({% post_url 2019/2019-08-08-text-and-typography %}) post.
""",
    bom=True,
)
w(
    S,
    "_posts/2020-01-01-Ünïcödé-Títle.md",
    '---\ntitle: "Ünïcödé Títle: ∑ and ∫"\ncategories: Mathématiques\ntags: [algèbre linéaire]\n---\n\nEuler: $$e^{i\\pi} + 1 = 0$$.\n',
)
w(S, "_drafts/unfinished-thought.md", "---\ntitle: Unfinished\n---\n\nA draft with $$x$$.\n")
png(S, "assets/img/devices mockup.png")
png(S, "assets/img/favicons/favicon-32x32.png")

# beautiful-jekyll: header-img / cover-img, subtitle, baseurl without leading slash, .markdown and .html posts,
# permalink with trailing .html, YAML anchors, categories as a string
S = "theme-beautiful"
w(
    S,
    "_config.yml",
    """\
title: My Website
author: Some Person
url: "https://someone.github.io/"
baseurl: "blog/"
navbar-links:
  About Me: "aboutme"
  Resources:
    - Beautiful Jekyll: "https://beautifuljekyll.com"
common: &common
  layout: post
  comments: true
defaults:
  - scope:
      path: ""
      type: "posts"
    values:
      <<: *common
      social-share: true
  - scope:
      path: ""
    values:
      layout: "page"
permalink: /:year-:month-:day-:title:output_ext
excerpt_length: 50
exclude:
  - CHANGELOG.md
  - Gemfile
  - "vendor"
""",
)
w(
    S,
    "aboutme.md",
    "---\ntitle: About me\nsubtitle: Why you'd want to go on a date with me\n---\n\nMy name is Inigo Montoya. ![me]({{ 'assets/img/my photo.jpg' | relative_url }})\n",
)
w(S, "CHANGELOG.md", "# changes\n")
w(
    S,
    "_posts/2020-02-28-sample-markdown.markdown",
    """\
---
layout: post
title: Sample blog post
subtitle: Each post also has a subtitle
gh-repo: daattali/beautiful-jekyll
gh-badge: [star, fork, follow]
tags: [test, math tricks]
comments: true
mathjax: true
author: Bill Smith
cover-img: /assets/img/path.jpg
thumbnail-img: /assets/img/thumb.png
share-img: /assets/img/path.jpg
---

{: .box-success}
This is a demo post to show you how to write blog posts with markdown.

**Here is some bold text**

## Here is a secondary heading

Here's a useless table:

| Number | Next number | Previous number |
| :------ |:--- | :--- |
| Five | Six | Four |
| Ten | Eleven | Nine |

You can use [MathJax](https://www.mathjax.org/) to write LaTeX expressions. For example:
When $$a \\ne 0$$, there are two solutions to $$ax^2 + bx + c = 0$$ and they are $$x = {-b \\pm \\sqrt{b^2-4ac} \\over 2a}.$$

![Crepe](https://beautifuljekyll.com/assets/img/crepe.jpg)

~~~
var foo = function(x) {
  return(x + 5);
}
foo(3)
~~~

{% highlight javascript linenos %}
var foo = function(x) {
  return(x + 5);
}
{% endhighlight %}
""",
)
w(
    S,
    "_posts/2020-02-26-flake-it-till-you-make-it.md",
    "---\ntitle: Flake it till you make it\nsubtitle: Excerpt from Soulshaping\ncover-img: /assets/img/path.jpg\nthumbnail-img: /assets/img/thumb.png\nshare-img: /assets/img/path.jpg\ntags: [books, test]\ncategories: personal essays\npermalink: /flake.html\n---\n\nUnder what circumstances should we step off a path?\n\n![Crepe]({{ site.baseurl }}/assets/img/path.jpg)\n",
)
w(
    S,
    "_posts/2021-03-01-html-post.html",
    """\
---
title: An HTML post
date: 2021-03-02 10:00:00
---
<p>The formula $$\\int_0^1 x\\,dx = \\tfrac12$$ stays in the HTML.</p>
<p class="note">Second paragraph with <em>emphasis</em>.</p>
<div>
<p>Nested paragraph.</p>
</div>
""",
)
png(S, "assets/img/path.jpg")
png(S, "assets/img/thumb.png")
png(S, "assets/img/my photo.jpg")

# TeXt: excerpt_separator, non-ASCII file names, published: false, mathjax, sharing keys, posts in category
# folders (cat/_posts), .textile, a post without front matter and one with empty front matter
S = "theme-text"
w(
    S,
    "_config.yml",
    """\
text_skin: default
highlight_theme: default
lang: zh
title: TeXt Theme
author:
  type: person
  name: Tian Qi
  avatar: /assets/avatar.jpg
  bio: A bio
excerpt_separator: <!--more-->
excerpt_type: text
paginate: 8
paginate_path: /page:num
sources: unpkg
sharing:
  provider: false
comments:
  provider: false
mathjax: true
mathjax_autoNumber: true
markdown: kramdown
highlighter: rouge
permalink: date
""",
)
w(
    S,
    "_posts/2018-06-01-header-image.md",
    """\
---
title: Page - Header Image
tags: TeXt
article_header:
  type: overlay
  theme: dark
  background_color: '#203028'
  background_image:
    gradient: 'linear-gradient(135deg, rgba(34, 139, 87 , .4), rgba(139, 34, 139, .4))'
    src: /docs/assets/images/cover3.jpg
---

A header image post.

<!--more-->

The rest with math: $$E = mc^2$$ and

$$
\\begin{aligned}
a &= b \\\\
c &= d
\\end{aligned}
$$
""",
)
w(
    S,
    "_posts/2018-07-02-中文标题.md",
    "---\ntitle: 数学笔记\ntags: [数学, 线性 代数]\n---\n\n矩阵 $$A^{-1}$$ 的性质。\n",
)
w(S, "_posts/2018-07-03-unpublished.md", "---\ntitle: Hidden\npublished: false\n---\n\nNot yet.\n")
w(S, "_posts/2018-07-04-no-front-matter.md", "# No front matter\n\nJekyll does not read this as a post.\n")
w(S, "_posts/2018-07-05-empty-front-matter.md", "---\n---\n\nA post whose front matter is empty, $$x^2$$.\n")
w(
    S,
    "_posts/2018-07-06-textile-post.textile",
    "---\ntitle: Textile\n---\n\nh1. Textile heading\n\nSome *strong* text.\n",
)
w(S, "physics/_posts/2018-08-01-waves.md", "---\ntitle: Waves\n---\n\n$$\\nabla^2 u = \\frac{1}{c^2} u_{tt}$$\n")
w(S, "physics/quantum/_posts/2018-08-02-spin.md", "---\ntitle: Spin\ncategories: [notes]\n---\n\nSpin $$\\tfrac12$$.\n")
w(
    S,
    "_posts/2018-09-01-date-override.md",
    "---\ntitle: Dated in front matter\ndate: 2018-09-15\n---\n\nThe URL uses the front matter date.\n",
)
w(S, "_posts/2018-09-02-broken-yaml.md", "---\ntitle: Broken: yaml: here\ntags: [a, b\n---\n\nBroken.\n")
w(S, "_posts/2018-09-03-latin1.md", "---\ntitle: Caf\xe9 cr\xe8me\n---\n\nD\xe9j\xe0 vu, $$x$$.\n", enc="latin-1")
w(S, "_posts/2018-09-04-utf16.md", "---\ntitle: Wide\n---\n\nUTF-16 text.\n", enc="utf-16")
png(S, "docs/assets/images/cover3.jpg")

# minimal-mistakes: header.overlay_image / teaser, categories string, defaults with author_profile, includes
S = "theme-mm"
w(
    S,
    "_config.yml",
    """\
minimal_mistakes_skin: default
locale: en-US
title: Site Title
name: Your Name
description: An amazing website.
url: https://mm.example.com
baseurl: /mm
repository: someone/mm
teaser: /assets/images/500x300.png
author:
  name: Your Name
  avatar: /assets/images/bio-photo.jpg
  links:
    - label: "Website"
      icon: "fas fa-fw fa-link"
      url: "https://example.com"
permalink: /:categories/:title/
paginate: 5
paginate_path: /page:num/
plugins:
  - jekyll-paginate
  - jekyll-sitemap
  - jekyll-include-cache
include:
  - _pages
exclude:
  - "*.sublime-project"
defaults:
  - scope:
      path: ""
      type: posts
    values:
      layout: single
      author_profile: true
      read_time: true
      share: true
      related: true
  - scope:
      path: "_pages"
      type: pages
    values:
      layout: single
      author_profile: true
""",
)
w(S, "_pages/about.md", '---\npermalink: /about/\ntitle: "About"\n---\n\nAbout the theme. {% include toc %}\n')
w(
    S,
    "_pages/category-archive.md",
    '---\ntitle: "Posts by Category"\nlayout: categories\npermalink: /categories/\nauthor_profile: true\n---\n',
)
w(
    S,
    "_posts/2017-11-28-post-header-overlay-image.md",
    """\
---
title: "Layout: Header Overlay Image"
header:
  overlay_image: /assets/images/unsplash-image-1.jpg
  caption: "Photo credit: [**Unsplash**](https://unsplash.com)"
  teaser: /assets/images/500x300.png
  actions:
    - label: "More Info"
      url: "https://unsplash.com"
categories:
  - Layout
  - Uncategorized
tags:
  - edge case
  - image
  - layout
last_modified_at: 2018-03-20T15:59:31-04:00
---

This post should display a **header with an overlay image**.

{% include gallery caption="This is a sample gallery." %}

{% include figure image_path="/assets/images/unsplash-image-1.jpg" alt="this is a placeholder image" caption="A caption." %}

$$\\sum_{i=0}^n i = \\frac{n(n+1)}{2}$$
""",
)
w(
    S,
    "_posts/2010-01-07-post-modified.md",
    '---\ntitle: "Post: Modified Date"\nlast_modified_at: 2016-03-09T16:20:02-05:00\ncategories: Post Formats\ntags: readability\n---\n\nThis post has been updated.\n{% include base_path %}\n',
)
w(
    S,
    "_posts/2009-05-15-edge-case-nested-and-mixed-lists.md",
    '---\ntitle: "Edge Case: Nested and Mixed Lists"\ncategories:\n  - Edge Case\ntags: [content, css, edge case, lists]\n---\n\n* Item $$a_1$$\n  1. Nested\n  2. List\n',
)
png(S, "assets/images/unsplash-image-1.jpg")
png(S, "assets/images/500x300.png")
png(S, "assets/images/bio-photo.jpg")

# hyde/lanyon/jekyll-now: pretty permalink or /:year/:month/:title, plain config, posts with MathJax in head
S = "theme-hyde"
w(
    S,
    "_config.yml",
    """\
# Setup
title:               Hyde
tagline:             'A Jekyll theme'
url:                 http://hyde.getpoole.com
baseurl:             /hyde/
paginate:            1
permalink:           pretty

# About/contact
author:
  name:              Mark Otto
  url:               https://twitter.com/mdo
  email:             markdotto@gmail.com

# Custom vars
version:             2.1.0
github:
  repo:              https://github.com/poole/hyde
""",
)
w(
    S,
    "_includes/head.html",
    "<script type=\"text/javascript\" async src=\"https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.1/MathJax.js?config=TeX-MML-AM_CHTML\"></script>\n<script type=\"text/x-mathjax-config\">\nMathJax.Hub.Config({ tex2jax: { inlineMath: [['$','$'], ['\\\\(','\\\\)']] } });\n</script>\n",
)
w(
    S,
    "about.md",
    '---\nlayout: page\ntitle: About\n---\n\n<p class="message">\n  Hey there! This page is included as an example.\n</p>\n\nIn the novel, *The Strange Case of Dr. Jeykll and Mr. Hyde*, Mr. Poole is Dr. Jekyll\'s servant.\n',
)
w(
    S,
    "_posts/2013-12-31-whats-jekyll.md",
    "---\nlayout: post\ntitle: What's Jekyll?\n---\n\n[Jekyll](http://jekyllrb.com) is a static site generator, an open-source tool for creating simple yet powerful websites of all shapes and sizes. From [the project's readme](https://github.com/mojombo/jekyll/blob/master/README.markdown):\n\n  > Jekyll is a simple, blog aware, static site generator.\n\nHave $$\\alpha$$.\n",
)
w(
    S,
    "_posts/2014-01-01-example-content.md",
    """\
---
layout: post
title: Example content
---


<div class="message">
  Howdy! This is an example blog post that shows several types of HTML content supported in this theme.
</div>

Cum sociis natoque penatibus et magnis <a href="#">dis parturient montes</a>, nascetur ridiculus mus. *Aenean eu leo quam.*

<p>A raw paragraph at the start of a line.</p>

## Inline HTML elements

- <strong>To bold text</strong>, use <code>&lt;strong&gt;</code>.

{% highlight js %}
// Example can be run directly in your JavaScript console
var adder = new Function("a", "b", "return a + b");
{% endhighlight %}
""",
)
w(
    S,
    "_posts/2014-01-02-introducing-lanyon.html",
    '---\nlayout: post\ntitle: Introducing Lanyon\n---\n<p>Lanyon is an unassuming <a href="http://jekyllrb.com">Jekyll</a> theme.</p>\n<p>Here\'s a formula: \\(x^2\\).</p>\n<pre><code>code stays\n</code></pre>\n',
)
w(S, "public/css/hyde.css", "body { color: #333; }\n")
png(S, "public/apple-touch-icon-precomposed.png")

# jekyll-now / BAIR: /:year/:month/:title style, img key, posts with HTML figures, blog/ folder of posts
S = "theme-bair"
w(
    S,
    "_config.yml",
    """\
name: The BAIR Blog
description: The BAIR Blog
permalink: /:year/:month/:day/:title/
url:
baseurl:
markdown: kramdown
kramdown:
  input: GFM
  math_engine: mathjax
exclude: ["_site", "README.md"]
""",
)
w(S, "README.md", "Readme not published.\n")
w(
    S,
    "blog/_posts/2019-05-14-temporal-value-models.md",
    """\
---
layout:             post
title:              "Temporal Difference Models: Model-Free Deep RL for Model-Based Control"
date:               2018-04-26 9:00:00
author:             <a href="https://people.eecs.berkeley.edu/~vitchyr/">Vitchyr Pong</a>
img:                /assets/tdm/figure 1.png
excerpt_separator:  <!--more-->
visible:            True
show_comments:      False
---

<meta name="twitter:title" content="TDM">

<p style="text-align:center;">
<img src="https://bair.berkeley.edu/static/blog/tdm/figure1.png" width="400">
<br>
<i>Figure 1: a figure.</i>
</p>

Reinforcement learning with $$Q(s, a)$$.

<!--more-->

$$
Q(s_t, a_t) = \\mathbb{E}\\left[ r_t + \\gamma \\max_a Q(s_{t+1}, a) \\right]
$$

<img src="{{ site.baseurl }}/assets/tdm/figure 1.png" alt="figure with space" width="400">
""",
)
png(S, "assets/tdm/figure 1.png")
w(S, "images/logo old.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>\n')
w(S, "about.md", "---\nlayout: page\ntitle: About BAIR\npermalink: /about\n---\n\n![logo](/images/logo old.svg)\n")
