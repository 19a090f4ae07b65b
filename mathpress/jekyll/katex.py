"""KaTeX habits: a site whose Jekyll pages were typeset by KaTeX → the macros KaTeX defines and MathJax lacks.

Posts written for KaTeX use its own aliases (`\\R`, `\\exist`, `\\llbracket`, `\\KaTeX`); MathJax would paint them
red. The import gives them to MathJax as site macros, defined as KaTeX defines them (KaTeX's macros.js).
"""

from __future__ import annotations

import re
from pathlib import Path

KATEX = re.compile(r"katex", re.I)
GREEK = {"Alpha": "A", "Beta": "B", "Chi": "X", "Epsilon": "E", "Eta": "H", "Iota": "I", "Kappa": "K"}
GREEK |= {"Mu": "M", "Nu": "N", "Omicron": "O", "Rho": "P", "Tau": "T", "Zeta": "Z"}
SYMBOLS = {
    "exist": r"\exists", "alef": r"\aleph", "alefsym": r"\aleph", "bull": r"\bullet", "Dagger": r"\ddagger",
    "dag": r"\dagger", "ddag": r"\ddagger", "clubs": r"\clubsuit", "diamonds": r"\diamondsuit",
    "hearts": r"\heartsuit", "spades": r"\spadesuit", "empty": r"\emptyset", "isin": r"\in", "infin": r"\infty",
    "image": r"\Im", "real": r"\Re", "reals": r"\mathbb{R}", "Reals": r"\mathbb{R}", "R": r"\mathbb{R}",
    "natnums": r"\mathbb{N}", "N": r"\mathbb{N}", "Z": r"\mathbb{Z}", "Complex": r"\mathbb{C}", "cnums": r"\mathbb{C}",
    "sub": r"\subset", "sube": r"\subseteq", "supe": r"\supseteq", "lang": r"\langle", "rang": r"\rangle",
    "lArr": r"\Leftarrow", "rArr": r"\Rightarrow", "Larr": r"\Leftarrow", "Rarr": r"\Rightarrow",
    "harr": r"\leftrightarrow", "hArr": r"\Leftrightarrow", "Harr": r"\Leftrightarrow", "larr": r"\leftarrow",
    "rarr": r"\rightarrow", "lrarr": r"\leftrightarrow", "uarr": r"\uparrow", "darr": r"\downarrow",
    "uArr": r"\Uparrow", "Uarr": r"\Uparrow", "dArr": r"\Downarrow", "Darr": r"\Downarrow", "weierp": r"\wp",
    "thetasym": r"\vartheta", "plusmn": r"\pm", "sdot": r"\cdot", "and": r"\land",
    "llbracket": r"\mathopen{[\mkern-3.2mu[}", "rrbracket": r"\mathclose{]\mkern-3.2mu]}",
    "lBrace": r"\mathopen{\{\mkern-3.2mu[}", "rBrace": r"\mathclose{]\mkern-3.2mu\}}",
    "degree": r"{^\circ}",
    "KaTeX": r"\mathrm{K\kern-.17em\raise.21em{\scriptstyle A}\kern-.15em T\kern-.1667em\lower.5ex{E}\kern-.125em X}",
}  # fmt: skip
OPERATORS = ("arcctg", "arctg", "ch", "cosec", "cotg", "cth", "ctg", "sh", "tg", "th")
KATEX_MACROS: dict[str, str] = {
    **{name: rf"\mathrm{{{letter}}}" for name, letter in GREEK.items()},
    **SYMBOLS,
    **{name: rf"\operatorname{{{name}}}" for name in OPERATORS},
}


def uses_katex(src: Path) -> bool:
    """Whether the site's configuration, includes or layouts load KaTeX."""
    files = [src / "_config.yml", *(p for d in ("_includes", "_layouts") for p in sorted((src / d).rglob("*.htm*")))]
    for path in files:
        try:
            if path.is_file() and KATEX.search(path.read_text(encoding="utf-8", errors="replace")):
                return True
        except OSError:
            continue
    return False
