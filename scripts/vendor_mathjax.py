"""Re-vendor MathJax into mathpress/math/mathjax/ from the npm registry (needs `npm`; run by hand).

    python scripts/vendor_mathjax.py            # the version in mathpress/math/mathjax/VERSION
    python scripts/vendor_mathjax.py 4.1.4      # another version (then run the math tests)

Only what the build runs is copied: the loader and startup, core, the liteDOM adaptor, the
TeX input with its extensions (for \\require and autoload, as the browser has them), the SVG
output and the mathjax-newcm font's SVG data (static and dynamic ranges), and mhchem's font
extension. Everything else in
the packages (CHTML, the accessibility tools, the speech engine, combined browser bundles)
stays out of the wheel.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "mathpress" / "math" / "mathjax"
MATHJAX = ("LICENSE", "startup.js", "core.js", "adaptors/liteDOM.js", "input/tex.js", "output/svg.js")
MATHJAX_FOLDERS = ("input/tex/extensions",)
FONT = ("svg.js",)
FONT_FOLDERS = ("svg/dynamic",)
FONT_EXTENSIONS = ("mhchem",)  # the font extensions of the TeX extensions the vendored set serves well


def pack(spec: str, into: Path) -> Path:
    """`npm pack SPEC` into a folder; the tarball's path."""
    out = subprocess.run(
        ["npm", "pack", spec, "--pack-destination", str(into)], check=True, capture_output=True, text=True
    )
    return into / out.stdout.strip().splitlines()[-1]


def extract(tarball: Path, into: Path, names: tuple[str, ...], folders: tuple[str, ...]) -> list[str]:
    """Copy the named files and the .js files of the named folders out of an npm tarball."""
    copied = []
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            name = member.name.removeprefix("package/")
            wanted = name in names or any(name.startswith(f"{f}/") and name.endswith(".js") for f in folders)
            if not (member.isfile() and wanted):
                continue
            data = archive.extractfile(member)
            assert data is not None
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            (into / name).write_bytes(data.read())
            copied.append(name)
    return sorted(copied)


def main() -> None:
    """Replace the vendored copy with the given (or recorded) version's files."""
    version = sys.argv[1] if len(sys.argv) > 1 else (TARGET / "VERSION").read_text().strip()
    keep = {name: (TARGET / name).read_text() for name in ("README.md",) if (TARGET / name).exists()}
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        core = pack(f"mathjax@{version}", folder)
        font = pack(f"@mathjax/mathjax-newcm-font@{version}", folder)
        shutil.rmtree(TARGET, ignore_errors=True)
        TARGET.mkdir(parents=True)
        files = extract(core, TARGET, MATHJAX, MATHJAX_FOLDERS)
        fonts = extract(font, TARGET / "mathjax-newcm", FONT, FONT_FOLDERS)
        for name in FONT_EXTENSIONS:
            package = pack(f"@mathjax/mathjax-{name}-font-extension@{version}", folder)
            fonts += extract(package, TARGET / f"mathjax-{name}-font-extension", FONT, FONT_FOLDERS)
    for name, text in keep.items():
        (TARGET / name).write_text(text)
    (TARGET / "VERSION").write_text(version + "\n")
    css = Path(__file__).resolve().parent.parent / "static" / "assets" / "css" / "mathjax.css"
    css.write_text(
        subprocess.run(
            [sys.executable, "-c", "from mathpress.math.typeset import site_css; print(site_css(), end='')"],
            check=True,
            capture_output=True,
            text=True,
            cwd=css.parents[3],
        ).stdout
    )
    size = sum(p.stat().st_size for p in TARGET.rglob("*") if p.is_file())
    print(f"MathJax {version}: {len(files)} + {len(fonts)} font files, {size / 1e6:.1f} MB in {TARGET}")


if __name__ == "__main__":
    main()
