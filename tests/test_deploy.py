"""The GitHub Pages workflows: this repository's and the one `mathpress init` gives a new site.

Both are parsed as YAML and held to what a safe Pages deployment needs; their build and
check lines are run for real on a new site, with the address configure-pages would give.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from mathpress import verify
from mathpress.cli import main as cli

REPO = Path(__file__).resolve().parent.parent
OWN = REPO / ".github" / "workflows" / "pages.yml"
SHIPPED = REPO / "mathpress" / "data" / "pages.yml"
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
    """The demo blog shows the generator of this commit; new sites install the release."""
    own, shipped = load(OWN), load(SHIPPED)
    assert run_line(own, "pip install") == "pip install ."
    assert run_line(shipped, "pip install") == "pip install mathpress"
    assert "npm ci --prefix tests" in run_line(own, "npm ci")  # vnu pinned by tests/package-lock.json
    assert "pytest" not in OWN.read_text(encoding="utf-8")  # the test suite has its own CI


def test_the_vnu_version_matches_the_tests() -> None:
    """New sites run the same Nu HTML Checker as our tests."""
    lock = json.loads((REPO / "tests" / "package-lock.json").read_text(encoding="utf-8"))
    version = lock["packages"]["node_modules/vnu-jar"]["version"]
    assert run_line(load(SHIPPED), "npx").startswith(f"npx --yes vnu-jar@{version} ")


@WORKFLOWS
def test_workflows_match_githubs_schema(path: Path) -> None:
    """The workflow schema GitHub's editors use (vendored by check-jsonschema) accepts both."""
    pytest.importorskip("check_jsonschema", reason="pip install check-jsonschema")
    import jsonschema

    text = resources.files("check_jsonschema").joinpath("builtin_schemas/vendor/github-workflows.json")
    schema = json.loads(text.read_text(encoding="utf-8"))
    jsonschema.validate(load(path), schema)


# -- `init` and the workflow's own command lines, run for real ---------------------------------


def test_init_writes_the_workflow(tmp_path: Path) -> None:
    """A new site gets .github/workflows/pages.yml, byte for byte the shipped one."""
    assert cli(["init", str(tmp_path / "blog")]) == 0
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
