"""Golden output: build tests/golden/site and compare with tests/golden/expected, file by file.

Regenerate after an intended change with:  python -m tests.golden --update
then review the difference with `git diff tests/golden/expected`.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from mathpress.pipeline import BuildOptions, build
from tests.conftest import NOW

HERE = Path(__file__).parent / "golden"
SITE = HERE / "site"
EXPECTED = HERE / "expected"


def build_golden(workdir: Path) -> Path:
    """Build a copy of the golden site (fixed clock, no cache) and return its output folder."""
    source = workdir / "site"
    shutil.copytree(SITE, source)
    build(BuildOptions(source=source, now=NOW, jobs=1, use_cache=False))
    return source / "_site"


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def main(argv: list[str]) -> int:
    """`--update` rewrites tests/golden/expected from a fresh build."""
    if argv != ["--update"]:
        print(__doc__)
        return 2
    with tempfile.TemporaryDirectory() as temp:
        output = build_golden(Path(temp))
        shutil.rmtree(EXPECTED, ignore_errors=True)
        shutil.copytree(output, EXPECTED)
    print(f"updated {EXPECTED}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
