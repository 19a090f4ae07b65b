"""Tests for mathpress.math.mathml: safety (XSS), well-formedness, failures and typical formulas."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathpress.math.mathml import (
    ATTRIBUTES,
    ELEMENTS,
    MathMLError,
    _clean,
    convert_or_none,
    mathml_markup,
    tex_to_mathml,
)

NS = "{http://www.w3.org/1998/Math/MathML}"
ROOT_ELEMENTS = {"math", "semantics", "annotation"}
ROOT_ATTRIBUTES = {"display", "encoding"}
BAD_VALUES = ("javascript:", "data:", "vbscript:", "url(")

Event = tuple[str, ...]


def parse(markup: str) -> ElementTree.Element:
    """Markup as an ElementTree (fails the test if it is not well-formed XML)."""
    return ElementTree.fromstring(markup)


def local(tag: str) -> str:
    """`{ns}mi` → `mi`."""
    return tag.removeprefix(NS)


def elements(markup: str, name: str) -> list[ElementTree.Element]:
    """Every element called `name` (MathML namespace) in the markup."""
    return list(parse(markup).iter(NS + name))


def texts(markup: str, name: str) -> list[str]:
    """The text of every element called `name`."""
    return ["".join(node.itertext()) for node in elements(markup, name)]


def annotation(markup: str) -> str:
    """The TeX annotation's text, unescaped."""
    (node,) = elements(markup, "annotation")
    return node.text or ""


def assert_safe(markup: str) -> None:
    """Only allow-listed elements and attributes, no script-capable values, one <math>."""
    root = parse(markup)
    assert root.tag == NS + "math"
    assert markup.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="')
    assert "<?xml" not in markup and "ns0:" not in markup
    for node in root.iter():
        assert node.tag.startswith(NS), node.tag
        name = local(node.tag)
        assert name in ELEMENTS | ROOT_ELEMENTS, name
        for attribute, value in node.attrib.items():
            assert attribute in ATTRIBUTES | ROOT_ATTRIBUTES, attribute
            assert not attribute.startswith("on")
            assert not any(bad in value.lower() for bad in BAD_VALUES), value
    assert [local(child.tag) for child in root] == ["semantics"]
    assert local(root[0][-1].tag) == "annotation"


def xml_events(markup: str) -> list[Event]:
    """Start/text/end events as ElementTree sees the markup (namespaces stripped)."""
    events: list[Event] = []

    def walk(node: ElementTree.Element) -> None:
        events.append(("start", local(node.tag), *sorted(f"{k}={v}" for k, v in node.attrib.items())))
        events.append(("text", node.text or ""))
        for child in node:
            walk(child)
            events.append(("text", child.tail or ""))
        events.append(("end", local(node.tag)))

    walk(parse(markup))
    return merge_text(events)


class Recorder(HTMLParser):
    """Start/text/end events as an HTML tokenizer sees the markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[Event] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pairs = sorted(f"{k}={v}" for k, v in attrs if k != "xmlns")
        self.events += [("start", tag, *pairs)]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise AssertionError(f"self-closing <{tag}/> parses differently in HTML")

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        self.events.append(("text", data))

    def unknown_decl(self, data: str) -> None:
        raise AssertionError(data)


def html_events(markup: str) -> list[Event]:
    """Start/text/end events from html.parser."""
    recorder = Recorder()
    recorder.feed(markup)
    recorder.close()
    return merge_text(recorder.events)


def merge_text(events: list[Event]) -> list[Event]:
    """Adjacent text events joined, empty ones dropped."""
    merged: list[Event] = []
    for event in events:
        if event[0] == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + event[1])
        else:
            merged.append(event)
    return [event for event in merged if event != ("text", "")]


def assert_well_formed(markup: str, tex: str) -> None:
    """Safe, XML and the HTML tokenizer agree, and the annotation is the TeX."""
    assert_safe(markup)
    assert xml_events(markup) == html_events(markup)
    assert annotation(markup) == _clean(tex)


# -- XSS ----------------------------------------------------------------------------------


def test_text_with_html_tag_is_escaped() -> None:
    markup = tex_to_mathml(r"\text{<img src=x onerror=alert(1)>}", False)
    assert_safe(markup)
    assert "&lt;img" in markup
    assert "<img" not in markup
    assert not list(parse(markup).iter("img")) and not elements(markup, "img")
    assert texts(markup, "mtext")[0].startswith("<img")
    assert html_events(markup) == xml_events(markup)


def test_closing_tags_in_text_cannot_break_out() -> None:
    tex = r'\text{</mtext></math><script>alert(1)</script><mi onclick="x">}'
    markup = tex_to_mathml(tex, True)
    assert_well_formed(markup, tex)
    assert "<script" not in markup and "</math><" not in markup


@pytest.mark.parametrize("tex", [r"\href{javascript:alert(1)}{x}", r"\href{ JaVaScRiPt:x}{y}"])
def test_href_is_dropped(tex: str) -> None:
    markup = tex_to_mathml(tex, False)
    assert_well_formed(markup, tex)
    for node in parse(markup).iter():
        assert "href" not in node.attrib
        assert not any("javascript:" in value.lower() for value in node.attrib.values())
    assert texts(markup, "mi")[-1] in {"x", "y"}


@pytest.mark.parametrize(
    ("tex", "attribute"),
    [
        (r"\style{color:red;background:url(javascript:alert(1))}{x}", "style"),
        (r"\class{evil}{x}", "class"),
        (r'\color{red" onmouseover="alert(1)} x', "onmouseover"),
        (r"\colorbox{url(javascript:alert(1))}{x}", "mathbackground"),
        (r"\colorbox{data:text/html,x}{x}", "mathbackground"),
    ],
)
def test_dangerous_attributes_are_dropped(tex: str, attribute: str) -> None:
    markup = tex_to_mathml(tex, False)
    assert_well_formed(markup, tex)
    assert all(attribute not in node.attrib for node in parse(markup).iter())


def test_unicode_and_mathcolor_survive() -> None:
    assert texts(tex_to_mathml(r"\unicode{x263a}", False), "mi") == ["☺"]
    markup = tex_to_mathml(r"\mathcolor{red}{x}", False)
    assert [node.get("mathcolor") for node in elements(markup, "mstyle")] == ["red"]
    assert texts(markup, "mi") == ["x"]  # not "r", "e", "d", "x"
    (hex_colour,) = elements(tex_to_mathml(r"\color{#ff0000} x", False), "mstyle")
    assert hex_colour.get("mathcolor") == "#ff0000"


@pytest.mark.parametrize("tex", [r"\unicode{x0}", r"\unicode{xD800}", r"\unicode{110000}", "a\x00b"])
def test_characters_xml_forbids_become_replacement(tex: str) -> None:
    markup = tex_to_mathml(tex, False)
    assert_well_formed(markup, tex)
    assert "\ufffd" in "".join(texts(markup, "mi"))


# -- failures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tex",
    [r"\frac{", r"\left( x", r"x_1_2", r"x^1^2", r"\text", r"\begin{foo} x",
     r"\genfrac{}{}{}{9}{a}{b}", r"\def\x{\x}\x", "{" * 3000 + "}" * 3000, r"\sqrt" * 3000],
)  # fmt: skip
def test_bad_tex_raises_mathml_error_only(tex: str) -> None:
    with pytest.raises(MathMLError) as caught:
        tex_to_mathml(tex, True)
    assert 0 < len(str(caught.value)) < 200


def test_too_long_is_refused() -> None:
    with pytest.raises(MathMLError, match="too long"):
        tex_to_mathml("x" * 20_001, False)


def test_fallback_keeps_tex_readable_and_escaped() -> None:
    tex = r"x_1_2 <script>alert(1)</script> & \frac{"
    markup, error = convert_or_none(tex, False)
    assert error is not None and "`" in error
    assert markup == f'<code class="math-tex">{html.escape(tex, quote=False)}</code>'
    assert mathml_markup(tex, False) == markup
    assert "<script" not in markup


def test_success_has_no_error_and_is_cached() -> None:
    markup, error = convert_or_none(r"\alpha", True)
    assert error is None and markup == mathml_markup(r"\alpha", True)
    assert convert_or_none(r"\alpha", True) is convert_or_none(r"\alpha", True)  # converted once, by TeX
    assert 'display="block"' in markup
    assert 'display="inline"' in tex_to_mathml(r"\alpha", False)


# -- typical formulas ----------------------------------------------------------------------

TYPICAL = [
    r"\frac{a}{b}",
    r"\sqrt{x} + \sqrt[3]{y}",
    r"x_i^2 + e^{i\pi}",
    r"\sum_{k=1}^n k = \frac{n(n+1)}{2}",
    r"\left( \frac{a}{b} \right)",
    r"\begin{aligned} a &= b \\ c &= d \end{aligned}",
    r"\begin{align} a &= b \label{eq:1} \\ c &= d \tag{2} \end{align}",
    r"\begin{eqnarray} a &=& b \\ c &=& d \nonumber \end{eqnarray}",
    r"\begin{gather} a \\ b \end{gather}",
    r"\begin{multline} a + b \\ + c \end{multline}",
    r"\begin{equation} E = mc^2 \end{equation}",
    r"\text{(3)より} x = 1",
    r"\mathbb{R} \boldsymbol{v} \operatorname{rank} A \mathrm{d}x",
    r"\bigl( x \bigr) \qquad a \cdot b \ne c \pm d",
    r"x = {-b \pm \sqrt{b^2-4ac} \over 2a}",
    r"x = 1 \tag{1}",
    r"a < b & c > d \text{ \"quoted\" 'single' }",
    r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}",
    r"f(x) = \begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}",
]


@pytest.mark.parametrize("tex", TYPICAL)
@pytest.mark.parametrize("display", [True, False])
def test_typical_formulas_are_well_formed(tex: str, display: bool) -> None:
    markup = tex_to_mathml(tex, display)
    assert_well_formed(markup, tex)
    assert annotation(markup) == tex  # exact round trip
    assert "\\" not in "".join(texts(markup, "mi")), "an unknown command leaked as text"


def test_structures() -> None:
    assert elements(tex_to_mathml(r"\frac{a}{b}", False), "mfrac")
    assert elements(tex_to_mathml(r"\sqrt{x}", False), "msqrt")
    assert elements(tex_to_mathml(r"\sqrt[3]{x}", False), "mroot")
    assert elements(tex_to_mathml(r"\sum_{k=1}^n k", True), "munderover")
    assert elements(tex_to_mathml(r"\sum_{k=1}^n k", False), "msubsup")
    assert elements(tex_to_mathml(r"{a \over b}", False), "mfrac")
    fence = elements(tex_to_mathml(r"\left( x \right)", False), "mo")[0]
    assert fence.get("stretchy") == "true" and fence.text == "("
    assert texts(tex_to_mathml(r"\mathbb{R}", False), "mi") == ["ℝ"]
    assert elements(tex_to_mathml(r"\boldsymbol{x}", False), "mi")[0].get("mathvariant")
    assert texts(tex_to_mathml(r"\operatorname{rank} A", False), "mo") == ["rank"]
    (upright,) = elements(tex_to_mathml(r"\mathrm{d}", False), "mi")
    assert upright.get("mathvariant") == "normal" and upright.text == "d"
    assert texts(tex_to_mathml(r"a \ne b \pm c \cdot d", False), "mo")[0] == "≠"
    assert elements(tex_to_mathml(r"a \qquad b", False), "mspace")[0].get("width") == "2em"
    assert texts(tex_to_mathml(r"\mathop{\rm max}", False), "mo") == ["max"]


def test_japanese_text_stays_in_mtext() -> None:
    assert texts(tex_to_mathml(r"\text{(3)より}", False), "mtext") == ["(3)より"]


def rows(markup: str) -> list[list[str]]:
    """The text of every cell, row by row."""
    return [["".join(td.itertext()) for td in tr] for tr in elements(markup, "mtr")]


def test_aligned_and_align_become_tables() -> None:
    aligned = tex_to_mathml(r"\begin{aligned} a &= b \\ c &= d \end{aligned}", True)
    assert rows(aligned) == [["a", "=b"], ["c", "=d"]]
    assert elements(aligned, "mtable")[0].get("displaystyle") == "true"
    align = tex_to_mathml(r"\begin{align} a &= b \\[3pt] c &= d \end{align}", True)
    assert rows(align) == [["a", "=b"], ["c", "=d"]]  # no automatic (1), (2); [3pt] dropped
    nested = tex_to_mathml(r"\left\{ \begin{aligned}[t] x &= 1 \end{aligned} \right.", True)
    assert rows(nested) == [["x", "=1"]]


def test_tags_labels_and_notag() -> None:
    tex = r"\begin{align} a &= b \label{eq:a} \tag{1} \\ c &= d \notag \\ e &= f \nonumber"
    markup = tex_to_mathml(tex + r" \end{align}", True)
    assert rows(markup) == [["a", "=b(1)"], ["c", "=d"], ["e", "=f"]]
    assert texts(markup, "mtext") == ["(1)"]
    single = tex_to_mathml(r"E = mc^2 \tag{3.1}", True)
    assert texts(single, "mtext") == ["(3.1)"]
    assert elements(single, "mspace")[0].get("width") == "2em"
    assert "eq" not in "".join(texts(tex_to_mathml(r"x \label{eq:x}", True), "mi"))


def test_other_amsmath_environments() -> None:
    eqnarray = tex_to_mathml(r"\begin{eqnarray} a &=& b \\ c &\le& d \end{eqnarray}", True)
    assert rows(eqnarray) == [["a", "=b"], ["c", "≤d"]]
    gather = tex_to_mathml(r"\begin{gather*} a \\ b \end{gather*}", True)
    assert rows(gather) == [["a"], ["b"]]
    multline = tex_to_mathml(r"\begin{multline} a \\ b \end{multline}", True)
    assert rows(multline) == [["a"], ["b"]]
    alignat = tex_to_mathml(r"\begin{alignat}{2} a &= b \end{alignat}", True)
    assert rows(alignat) == [["a", "=b"]]
    equation = tex_to_mathml(r"\begin{equation} E = mc^2 \end{equation}", True)
    assert not elements(equation, "mtable") and texts(equation, "mi")[0] == "E"


# -- property -------------------------------------------------------------------------------

PIECES = [
    *"abxyz0123 +-=()[]|,.;:!?'\"<>&%#$~^_{}\\\n\t",
    "\x00", "\x01", "\x08", "\x0b", "\r", "\x7f", "\x85", "\ufffe", "\ud800", "\U0001d400", "よ",
    r"\frac", r"\sqrt", r"\over", r"\sum", r"\int", r"\limits", r"\left(", r"\right)",
    r"\left.", r"\right\}", r"\\", r"\\[2pt]", "&=", "&=&", r"\text{", r"\mathrm{", r"\mathbb{",
    r"\operatorname{", r"\mathop{", r"\boldsymbol", r"\href{javascript:alert(1)}",
    r"\style{color:red}", r"\class{x}", r"\color{", r"\mathcolor{", r"\colorbox{url(", r"\unicode{",
    "x0}", "xD800}", r"\hspace{", r"\rule{1em}{", r"\genfrac", r"\tag{1}", r"\tag*{", r"\label{a}",
    r"\notag", r"\nonumber", r"\begin{aligned}", r"\end{aligned}", r"\begin{align}", r"\end{align}",
    r"\begin{eqnarray}", r"\end{eqnarray}", r"\begin{gather}", r"\end{gather}",
    r"\begin{equation}", r"\end{equation}", r"\begin{pmatrix}", r"\end{pmatrix}",
    r"\begin{array}{c|l}", r"\end{array}", r"\begin{cases}", r"\end{cases}", r"\hline",
    r"\newcommand{\a}{\a}", r"\def\b{xx}", r"\a", r"\b", r"\not", r"\cancel{", r"\boxed{",
    "<img src=x onerror=alert(1)>", "</mtext>", "]]>", "<!--", "&amp;", "&#x3C;", "javascript:",
]  # fmt: skip
TEX = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    st.text(max_size=60),
)


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(tex=TEX, display=st.booleans())
def test_any_input_gives_safe_mathml_or_mathml_error(tex: str, display: bool) -> None:
    try:
        markup = tex_to_mathml(tex, display)
    except MathMLError as error:
        assert str(error)
        fallback, message = convert_or_none(tex, display)
        assert message == str(error) and fallback.startswith('<code class="math-tex">')
        assert "<" not in fallback.removeprefix('<code class="math-tex">')[:-7]
        return
    assert_well_formed(markup, tex)
