"""The golden fixture site builds to exactly the committed expected tree."""

from __future__ import annotations

from pathlib import Path

from tests.golden import EXPECTED, build_golden, files_of


def test_golden_site_matches_expected_output(tmp_path: Path) -> None:
    built = files_of(build_golden(tmp_path))
    expected = files_of(EXPECTED)
    assert sorted(built) == sorted(expected)
    for rel, content in expected.items():
        assert built[rel] == content, f"{rel} differs from tests/golden/expected (python -m tests.golden --update)"
