"""The GitHub Pages workflows: this repository's and the one `mathpress init` gives a new site.

Both are parsed as YAML and held to what a safe Pages deployment needs; their build and
check lines are run for real on a new site, with the address configure-pages would give.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import pytest
import yaml

import mathpress
from mathpress import __version__, verify
from mathpress.cli import main as cli
from mathpress.scaffold import (
    EXAMPLE_REQUIREMENT,
    NOT_INSTALLABLE,
    checked_requirement,
    deploy_files,
    requirement_for,
    running_requirement,
)

REPO = Path(__file__).resolve().parent.parent
OWN = REPO / ".github" / "workflows" / "pages.yml"
SHIPPED = REPO / "mathpress" / "data" / "pages.yml"
RELEASE = REPO / ".github" / "workflows" / "release.yml"
WORKFLOWS = pytest.mark.parametrize("path", [OWN, SHIPPED], ids=["repository", "init"])
BASE_URL_EXPRESSION = "${{ steps.pages.outputs.base_url }}"


def load(path: Path) -> dict[str, Any]:
    """A workflow as data (PyYAML reads the key `on` as True)."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    """The steps of one job."""
    found: list[dict[str, Any]] = workflow["jobs"][job]["steps"]
    return found


def action(step: dict[str, Any]) -> str:
    """The action a step uses, without its version (`actions/checkout`)."""
    return str(step.get("uses", "")).split("@")[0]


def step_using(workflow: dict[str, Any], job: str, name: str) -> dict[str, Any]:
    """The one step of a job that uses an action."""
    (step,) = [s for s in steps(workflow, job) if action(s) == name]
    return step


def index_of(workflow: dict[str, Any], job: str, test: str) -> int:
    """Where the first step whose action or command contains `test` is."""
    for number, step in enumerate(steps(workflow, job)):
        if test in str(step.get("uses", "")) or test in str(step.get("run", "")):
            return number
    raise AssertionError(f"no step with {test!r}")


def run_line(workflow: dict[str, Any], command: str) -> str:
    """The one command line of the build job that starts with `command`."""
    lines = [line for s in steps(workflow, "build") for line in str(s.get("run", "")).splitlines()]
    (found,) = [line.strip() for line in lines if line.strip().startswith(command)]
    return found


@WORKFLOWS
def test_triggers_push_to_main_pull_requests_and_manual_runs(path: Path) -> None:
    """Pushes to main deploy; pull requests and manual runs build too."""
    on = load(path)["on"]
    assert on["push"]["branches"] == ["main"]
    assert "pull_request" in on and "workflow_dispatch" in on


@WORKFLOWS
def test_build_job_uses_the_official_actions_in_order(path: Path) -> None:
    """checkout → setup-python → configure-pages → cache → build → checks → upload-pages-artifact."""
    workflow = load(path)
    order = [
        index_of(workflow, "build", "actions/checkout@"),
        index_of(workflow, "build", "actions/setup-python@"),
        index_of(workflow, "build", "actions/configure-pages@"),
        index_of(workflow, "build", "actions/cache@"),
        index_of(workflow, "build", "mathpress build"),
        index_of(workflow, "build", "mathpress.verify"),
        index_of(workflow, "build", "--errors-only --skip-non-html _site"),
        index_of(workflow, "build", "actions/upload-pages-artifact@"),
    ]
    assert order == sorted(order) and len(set(order)) == len(order)
    for step in steps(workflow, "build") + steps(workflow, "deploy"):
        if "uses" in step:
            assert re.fullmatch(r"actions/[a-z-]+@v\d+", step["uses"]), step["uses"]


@WORKFLOWS
def test_the_build_gets_base_url_from_configure_pages(path: Path) -> None:
    """configure-pages' base_url output (no trailing slash) becomes --base-url."""
    workflow = load(path)
    assert step_using(workflow, "build", "actions/configure-pages")["id"] == "pages"
    args = shlex.split(run_line(workflow, "mathpress build"))
    assert args[args.index("--base-url") + 1] == BASE_URL_EXPRESSION + "/"


def test_new_sites_build_strictly() -> None:
    """A site made by `init` fails its deploy on any warning; this repository's demo keeps one on purpose."""
    assert "--strict" in shlex.split(run_line(load(SHIPPED), "mathpress build"))
    assert "--strict" not in shlex.split(run_line(load(OWN), "mathpress build"))


@WORKFLOWS
def test_the_artifact_keeps_hidden_files(path: Path) -> None:
    """upload-pages-artifact v4+ drops dotfiles unless told: .nojekyll must reach Pages."""
    upload = step_using(load(path), "build", "actions/upload-pages-artifact")
    assert upload["with"] == {"path": "_site", "include-hidden-files": True}
    assert int(upload["uses"].split("@v")[1]) >= 5  # the input exists from v4 on


@WORKFLOWS
def test_pull_requests_build_and_check_but_never_deploy(path: Path) -> None:
    """The deploy job is skipped for pull requests and for branches other than main."""
    workflow = load(path)
    condition = workflow["jobs"]["deploy"]["if"]
    assert "github.event_name != 'pull_request'" in condition
    assert "github.ref == 'refs/heads/main'" in condition
    assert "pull_request" in step_using(workflow, "build", "actions/upload-pages-artifact")["if"]
    assert "if" not in workflow["jobs"]["build"]


@WORKFLOWS
def test_only_the_deploy_job_may_write(path: Path) -> None:
    """pages: write and id-token: write on the deploy job alone; the build reads."""
    workflow = load(path)
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["build"]["permissions"] == {"contents": "read", "pages": "read"}
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert [action(s) for s in deploy["steps"]] == ["actions/deploy-pages"]
    assert deploy["environment"]["url"] == "${{ steps.deployment.outputs.page_url }}"
    assert deploy["steps"][0]["id"] == "deployment"
    assert deploy["concurrency"]["cancel-in-progress"] is False


@WORKFLOWS
def test_the_render_cache_is_kept_between_runs(path: Path) -> None:
    """actions/cache keeps .mathpress-cache/, restoring the newest one when sources changed."""
    cache = step_using(load(path), "build", "actions/cache")
    assert cache["with"]["path"] == ".mathpress-cache"
    assert "hashFiles(" in cache["with"]["key"] and "content/**" in cache["with"]["key"]
    assert cache["with"]["key"].startswith(cache["with"]["restore-keys"])


def test_this_repository_installs_mathpress_from_the_checkout() -> None:
    """The demo blog shows the generator of this commit; new sites install what requirements.txt pins."""
    own, shipped = load(OWN), load(SHIPPED)
    assert run_line(own, "pip install") == 'pip install ".[search]"'  # the demo has search: true
    assert run_line(shipped, "pip install") == "pip install -r requirements.txt"
    assert "npm ci --prefix tests" in run_line(own, "npm ci")  # vnu pinned by tests/package-lock.json
    assert "pytest" not in OWN.read_text(encoding="utf-8")  # the test suite has its own CI


def test_the_vnu_version_matches_the_tests() -> None:
    """New sites run the same Nu HTML Checker as our tests."""
    lock = json.loads((REPO / "tests" / "package-lock.json").read_text(encoding="utf-8"))
    version = lock["packages"]["node_modules/vnu-jar"]["version"]
    assert run_line(load(SHIPPED), "npx").startswith(f"npx --yes vnu-jar@{version} ")


def test_new_sites_cache_pip_and_renders_by_their_requirement() -> None:
    """setup-python caches pip keyed by requirements.txt; the render cache's key starts with its hash too."""
    workflow = load(SHIPPED)
    python = step_using(workflow, "build", "actions/setup-python")["with"]
    assert (python["cache"], python["cache-dependency-path"]) == ("pip", "requirements.txt")
    cache = step_using(workflow, "build", "actions/cache")["with"]
    assert cache["restore-keys"] == "mathpress-${{ runner.os }}-${{ hashFiles('requirements.txt') }}-"


def test_new_sites_check_their_requirement_before_anything_else() -> None:
    """Right after checkout, before setup-python (whose pip cache needs the file) and pip."""
    workflow = load(SHIPPED)
    check = index_of(workflow, "build", "requirements.txt")
    assert index_of(workflow, "build", "actions/checkout@") == check - 1
    assert check < index_of(workflow, "build", "actions/setup-python@") < index_of(workflow, "build", "pip install")


@pytest.mark.parametrize("path", [OWN, SHIPPED, RELEASE], ids=["repository", "init", "release"])
def test_workflows_match_githubs_schema(path: Path) -> None:
    """The workflow schema GitHub's editors use (vendored by check-jsonschema) accepts both."""
    pytest.importorskip("check_jsonschema", reason="pip install check-jsonschema")
    import jsonschema

    text = resources.files("check_jsonschema").joinpath("builtin_schemas/vendor/github-workflows.json")
    schema = json.loads(text.read_text(encoding="utf-8"))
    jsonschema.validate(load(path), schema)


# -- `init` and the workflow's own command lines, run for real ---------------------------------


def test_init_writes_the_workflow(tmp_path: Path) -> None:
    """A new site gets .github/workflows/pages.yml, byte for byte the shipped one, and its requirements.txt."""
    assert cli(["init", str(tmp_path / "blog")]) == 0
    assert (tmp_path / "blog" / "requirements.txt").read_text(encoding="utf-8") == deploy_files(running_requirement())[
        "requirements.txt"
    ]
    written = (tmp_path / "blog" / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    assert written == SHIPPED.read_text(encoding="utf-8")
    assert written == resources.files("mathpress").joinpath("data/pages.yml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("pages_base_url", "canonical"),
    [
        ("https://someone.github.io/notes", "https://someone.github.io/notes/"),  # a project site
        ("https://someone.github.io", "https://someone.github.io/"),  # the user site USER.github.io
        ("https://math.example.org", "https://math.example.org/"),  # a custom domain
    ],
)
def test_the_workflow_lines_build_and_check_a_new_site(
    pages_base_url: str, canonical: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run the shipped workflow's build and check lines, as configure-pages would fill them in."""
    workflow = load(SHIPPED)
    assert cli(["init", str(tmp_path / "blog")]) == 0
    monkeypatch.chdir(tmp_path / "blog")
    build_line = run_line(workflow, "mathpress build").replace(BASE_URL_EXPRESSION, pages_base_url)
    assert cli([*shlex.split(build_line)[1:], "--jobs", "1"]) == 0
    check_args = shlex.split(run_line(workflow, "python -m mathpress.verify"))[3:]
    assert verify.main(check_args) == 0
    index = verify.parse_page((tmp_path / "blog" / "_site" / "index.html").read_text(encoding="utf-8"))
    assert index.canonical == canonical
    assert (tmp_path / "blog" / "_site" / ".nojekyll").is_file()


JEKYLL_SITES = REPO / "tests" / "fixtures" / "jekyll-sites"


def imported_site(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, Any]]:
    """`mathpress import` of a fixture Jekyll site; the working folder is the new site, as in the workflow."""
    dest = tmp_path / name
    assert cli(["import", str(JEKYLL_SITES / name), str(dest), "--requirement", "mathpress==0.1.0"]) == 0
    monkeypatch.chdir(dest)
    return dest, load(dest / ".github" / "workflows" / "pages.yml")


def workflow_build(workflow: dict[str, Any], pages_base_url: str) -> int:
    """Run the workflow's build line as configure-pages fills it in."""
    line = run_line(workflow, "mathpress build").replace(BASE_URL_EXPRESSION, pages_base_url)
    return cli([*shlex.split(line)[1:], "--jobs", "1"])


def workflow_check(workflow: dict[str, Any]) -> int:
    """Run the workflow's check line."""
    return verify.main(shlex.split(run_line(workflow, "python -m mathpress.verify"))[3:])


@pytest.mark.parametrize(
    ("name", "pages_base_url"),
    [
        ("minima", "https://someone.github.io/notes"),  # moved to a project site: its links follow the base
        ("minima", "https://math.example.org"),
        ("al-folio", "https://someone.github.io"),  # where it was: its HTML links to /courses/ and the like
    ],
)
def test_an_imported_site_deploys_with_no_edit(
    name: str, pages_base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The imported site's own workflow lines pass: what the Jekyll site already had is in its baseline."""
    dest, workflow = imported_site(tmp_path, name, monkeypatch)
    assert "--baseline" in run_line(workflow, "mathpress build") and "--strict" in run_line(workflow, "mathpress")
    assert workflow_build(workflow, pages_base_url) == 0
    assert workflow_check(workflow) == 0
    baseline = (dest / "jekyll-baseline.txt").read_text(encoding="utf-8")
    if name == "al-folio":  # a plugin's tag and images its Jekyll repository does not have
        assert "`{% twitter %}` is a plugin's tag" in baseline and "/assets/img/10.jpg" in baseline
    else:
        accepted = baseline.split("\n[import]\n")[0]  # the import's notes follow, for reading only
        assert [line for line in accepted.splitlines() if not line.startswith("#")] == ["[build]", "", "[check]"]


def test_an_imported_site_still_fails_on_anything_new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new plugin tag fails the strict build and a new broken link fails the check, baseline or not."""
    dest, workflow = imported_site(tmp_path, "al-folio", monkeypatch)
    post = dest / "content" / "posts" / "2020-09-28-twitter.md"
    post.write_text(post.read_text(encoding="utf-8") + "\n{% twitter https://x.com/a/status/1 %}\n", "utf-8")
    assert workflow_build(workflow, "https://math.example.org") == 1
    post.write_text(post.read_text(encoding="utf-8").replace("{% twitter https://x.com/a/status/1 %}", ""), "utf-8")
    assert workflow_build(workflow, "https://math.example.org") == 0
    assert workflow_check(workflow) == 0
    (dest / "_site" / "blog" / "2020" / "twitter" / "index.html").write_text(
        '<!doctype html><html lang="en"><title>t</title><a href="/nowhere/">x</a>', encoding="utf-8"
    )
    assert workflow_check(workflow) == 1


def test_init_writes_no_baseline_into_its_workflow(tmp_path: Path) -> None:
    assert "--baseline" not in SHIPPED.read_text(encoding="utf-8")
    assert deploy_files(None)[".github/workflows/pages.yml"] == SHIPPED.read_text(encoding="utf-8")
    imported = load_text(deploy_files(None, "b.txt")[".github/workflows/pages.yml"])
    assert shlex.split(run_line(imported, "mathpress build"))[:5] == [
        "mathpress",
        "build",
        "--strict",
        "--baseline",
        "b.txt",
    ]
    assert shlex.split(run_line(imported, "python -m mathpress.verify"))[3:] == ["_site", "--baseline", "b.txt"]


def test_an_imported_sites_workflow_is_valid_and_its_html_check_reports(tmp_path: Path) -> None:
    """actionlint and GitHub's schema accept the imported site's workflow; only its vnu step may fail."""
    path = tmp_path / "pages.yml"
    path.write_text(deploy_files(None, "jekyll-baseline.txt")[".github/workflows/pages.yml"], encoding="utf-8")
    result = subprocess.run([*actionlint(), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    test_workflows_match_githubs_schema(path)
    lenient = [s["name"] for s in steps(load(path), "build") if s.get("continue-on-error")]
    assert lenient == ["Check the HTML (Nu HTML Checker)"]
    assert not any(s.get("continue-on-error") for s in steps(load(SHIPPED), "build"))


def load_text(text: str) -> dict[str, Any]:
    """A workflow's text as data."""
    data: dict[str, Any] = yaml.safe_load(text)
    if True in data:
        data["on"] = data.pop(True)
    return data


@pytest.mark.browser
def test_the_workflow_vnu_line_passes_on_a_new_site(tmp_path: Path) -> None:
    """The shipped Nu HTML Checker line, run with the same vnu.jar, accepts a new site's output."""
    jar = REPO / "tests" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    if not jar.is_file() or shutil.which("java") is None:
        pytest.skip("vnu.jar or java missing: run bash tests/install_deps.sh")
    assert cli(["init", str(tmp_path / "blog")]) == 0
    assert cli(["build", "--source", str(tmp_path / "blog"), "--strict", "--jobs", "1"]) == 0
    args = shlex.split(run_line(load(SHIPPED), "npx"))[3:]
    for bad in ("", "<p><div></span>"):
        (tmp_path / "blog" / "_site" / "extra.html").write_text(
            f"<!doctype html><html lang=en><title>x</title>{bad}", encoding="utf-8"
        )
        result = subprocess.run(
            ["java", "-jar", str(jar), *args], cwd=tmp_path / "blog", capture_output=True, text=True
        )
        assert (result.returncode == 0) == (bad == ""), result.stderr


# -- which mathpress a new site's workflow installs ---------------------------------------------


def installed(tmp_path: Path, direct_url: dict[str, Any] | None) -> metadata.Distribution:
    """An installed mathpress 1.2.3 as pip records it: METADATA, and direct_url.json unless from an index."""
    info = tmp_path / "mathpress-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.4\nName: mathpress\nVersion: 1.2.3\n", encoding="utf-8")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url), encoding="utf-8")
    return metadata.PathDistribution(info)


COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("direct_url", "requirement"),
    [
        (None, "mathpress==1.2.3"),  # from PyPI or any index: no direct_url.json
        (
            {"url": "https://github.com/someone/mathpress", "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
            f"mathpress @ git+https://github.com/someone/mathpress@{COMMIT}",
        ),
        (
            {
                "url": "https://github.com/someone/mathpress",
                "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "v1.2.3"},
                "subdirectory": "python",
            },
            f"mathpress @ git+https://github.com/someone/mathpress@{COMMIT}#subdirectory=python",
        ),
        (
            {"url": "https://example.org/mathpress-1.2.3.tar.gz", "archive_info": {"hashes": {"sha256": "ab12"}}},
            "mathpress @ https://example.org/mathpress-1.2.3.tar.gz#sha256=ab12",
        ),
        ({"url": "file:///home/me/mathpress", "dir_info": {"editable": True}}, None),  # pip install -e .
        ({"url": "file:///home/me/mathpress", "dir_info": {}}, None),  # pip install /home/me/mathpress
        ({"url": "file:///tmp/mathpress-1.2.3-py3-none-any.whl", "archive_info": {}}, None),  # a local wheel
        ({"url": "file:///home/me/mathpress", "vcs_info": {"vcs": "git", "commit_id": COMMIT}}, None),  # local Git
    ],
    ids=["index", "git", "git-subdirectory", "https-archive", "editable", "folder", "local-wheel", "local-git"],
)
def test_the_requirement_pins_exactly_the_installed_mathpress(
    direct_url: dict[str, Any] | None, requirement: str | None, tmp_path: Path
) -> None:
    """PEP 610's direct_url.json says where mathpress came from; a runner can install only index, Git and https."""
    assert requirement_for(installed(tmp_path, direct_url)) == requirement


def test_a_checkout_is_never_pinned_as_if_an_index_served_it() -> None:
    """These tests run mathpress from its checkout: whatever metadata lies about (the checkout's
    mathpress.egg-info left by `pip install -e .` has no direct_url.json), no runner can install this code.
    tests/test_wheel.py shows an installed wheel pinned as mathpress==VERSION."""
    assert Path(mathpress.__file__).resolve().parent == REPO / "mathpress"
    assert metadata.distribution("mathpress").version == __version__
    assert running_requirement() is None


def test_the_requirements_file_pins_or_says_what_to_do() -> None:
    """A pinned line with a comment; without one, only comments that say how to give one."""
    pinned = deploy_files("mathpress==1.2.3")["requirements.txt"]
    assert [line for line in pinned.splitlines() if not line.startswith("#")] == ["mathpress==1.2.3"]
    unpinned = deploy_files(None)["requirements.txt"]
    assert all(line.startswith("#") for line in unpinned.splitlines())
    assert EXAMPLE_REQUIREMENT in unpinned and f"@v{__version__}" in EXAMPLE_REQUIREMENT
    assert deploy_files(None)[".github/workflows/pages.yml"] == SHIPPED.read_text(encoding="utf-8")


def test_init_requirement_option_writes_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--requirement is written as given, and there is nothing to warn about."""
    line = "mathpress @ git+https://github.com/someone/mathpress@v1.2.3"
    assert cli(["init", str(tmp_path / "blog"), "--requirement", line]) == 0
    text = (tmp_path / "blog" / "requirements.txt").read_text(encoding="utf-8")
    assert f"\n{line}\n" in text
    assert "warning" not in capsys.readouterr().err


def test_init_says_plainly_when_a_runner_cannot_install_this_mathpress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """From a local folder (as in development) init warns, naming --requirement; from elsewhere it is silent."""
    assert cli(["init", str(tmp_path / "blog")]) == 0
    err = capsys.readouterr().err
    assert err == f"mathpress: warning: {NOT_INSTALLABLE}\n"
    assert "--requirement" in NOT_INSTALLABLE and EXAMPLE_REQUIREMENT in NOT_INSTALLABLE


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ("mathpres==1.0", "--requirement 'mathpres==1.0' installs mathpres, not mathpress"),
        ("mathpress @@ x", "--requirement 'mathpress @@ x' is not a requirement pip reads: "),
        ("", "--requirement '' is not a requirement pip reads: "),
    ],
)
def test_init_refuses_a_requirement_that_is_not_mathpress(
    given: str, error: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 2, before writing anything."""
    assert cli(["init", str(tmp_path / "blog"), "--requirement", given]) == 2
    assert capsys.readouterr().err.startswith(f"mathpress: error: {error}")
    assert not (tmp_path / "blog").exists()
    assert checked_requirement(" MathPress>=1.2 ") == "MathPress>=1.2"


# -- actionlint on every workflow --------------------------------------------------------------


def actionlint() -> list[str]:
    """The actionlint command, with shellcheck on PATH so run: scripts are checked too."""
    found = shutil.which("actionlint")
    if found is None or shutil.which("shellcheck") is None:
        pytest.fail("actionlint or shellcheck missing: pip install -e '.[test]'")
    return [found, "-no-color"]


ALL_WORKFLOWS = [*sorted((REPO / ".github" / "workflows").glob("*.yml")), SHIPPED]


def test_actionlint_passes_every_workflow() -> None:
    """This repository's workflows and the one init ships, shell scripts included (shellcheck)."""
    assert {path.name for path in ALL_WORKFLOWS} >= {"pages.yml", "release.yml"}
    result = subprocess.run([*actionlint(), *map(str, ALL_WORKFLOWS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("breakage", "finding"),
    [
        (("run: pip install -r requirements.txt", "run: pip install -r $REQS"), "SC2086"),  # shellcheck
        (("steps.pages.outputs.base_url", "steps.page.outputs.base_url"), 'property "page" is not defined'),
    ],
)
def test_actionlint_finds_a_broken_workflow(breakage: tuple[str, str], finding: str, tmp_path: Path) -> None:
    """The lint above can fail: a shell and an expression mistake in the shipped workflow are caught."""
    broken = tmp_path / "pages.yml"
    broken.write_text(SHIPPED.read_text(encoding="utf-8").replace(*breakage), encoding="utf-8")
    result = subprocess.run([*actionlint(), str(broken)], capture_output=True, text=True)
    assert result.returncode == 1 and finding in result.stdout, result.stdout


# -- the release --------------------------------------------------------------------------------


def test_the_version_is_written_once() -> None:
    """pyproject.toml reads it from mathpress/__init__.py; CHANGELOG.md has its section."""
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "mathpress.__version__"}
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(__version__)}( |$)", changelog, re.M)


def test_releases_publish_from_a_tag_with_trusted_publishing() -> None:
    """A v* tag builds once; PyPI trusts the workflow (id-token, no secret); the files go on the GitHub release."""
    workflow = load(RELEASE)
    assert workflow["on"] == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "read"}
    jobs = workflow["jobs"]
    assert "pyproject-build" in run_lines(jobs["build"]) and "twine check --strict dist/*" in run_lines(jobs["build"])
    assert jobs["pypi"]["permissions"] == {"id-token": "write"} and jobs["pypi"]["environment"]["name"] == "pypi"
    (publish,) = [s for s in jobs["pypi"]["steps"] if "gh-action-pypi-publish" in str(s.get("uses"))]
    assert set(publish.get("with", {})) <= {"packages-dir"}  # no password, no token
    assert "secrets." not in RELEASE.read_text(encoding="utf-8")
    assert jobs["github-release"]["permissions"] == {"contents": "write"}
    assert "gh release upload" in run_lines(jobs["github-release"])
    assert [name for name, job in jobs.items() if "id-token" in job.get("permissions", {})] == ["pypi"]


def run_lines(job: dict[str, Any]) -> str:
    """All run: scripts of a job."""
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def release_check(tmp_path: Path, tag: str, changelog: str, built: str) -> subprocess.CompletedProcess[str]:
    """Run release.yml's tag/version/CHANGELOG step for a tag over dist files named for `built`."""
    (step,) = [s for s in load(RELEASE)["jobs"]["build"]["steps"] if "CHANGELOG" in s.get("name", "")]
    (tmp_path / "dist").mkdir()
    for name in (f"mathpress-{built}.tar.gz", f"mathpress-{built}-py3-none-any.whl"):
        (tmp_path / "dist" / name).write_bytes(b"")
    (tmp_path / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
    env = {**os.environ, "GITHUB_REF_NAME": tag}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("tag", "heading", "passes"),
    [
        ("v1.2.3", "## 1.2.3 (2026-12-01)", True),
        ("v1.2.3", "## 1.2.3", True),
        ("v1.2.4", "## 1.2.4 (2026-12-01)", False),  # the tag does not name the version built
        ("v1.2.3", "## 1.2.30 (2026-12-01)", False),  # no section for this version
        ("v1.2.3", "## 1.2.3 (unreleased)", False),
    ],
)
def test_the_release_refuses_a_tag_that_does_not_match(tag: str, heading: str, passes: bool, tmp_path: Path) -> None:
    """The tag names the version built, whose CHANGELOG section is dated; the section becomes the notes."""
    changelog = f"# Changelog\n\n{heading}\n\n- Something new.\n\n## 1.0.0 (2026-01-01)\n\n- Old.\n"
    result = release_check(tmp_path, tag, changelog, "1.2.3")
    assert (result.returncode == 0) == passes, result.stdout + result.stderr
    if passes:
        assert (tmp_path / "dist-notes.md").read_text(encoding="utf-8").strip() == "- Something new."


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """.ci/run's command is the README's second command (the one that runs every test, the wheel's included)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    command = block.splitlines()[1].split("#", 1)[0].strip()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == command and "pytest" in command


def test_init_force_keeps_a_sites_requirement_and_does_not_warn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """init never overwrites: an existing requirements.txt stays, so there is nothing to warn about."""
    (tmp_path / "blog").mkdir()
    (tmp_path / "blog" / "requirements.txt").write_text("mathpress==1.2.3\n", encoding="utf-8")
    assert cli(["init", str(tmp_path / "blog"), "--force"]) == 0
    assert (tmp_path / "blog" / "requirements.txt").read_text(encoding="utf-8") == "mathpress==1.2.3\n"
    assert "warning" not in capsys.readouterr().err
