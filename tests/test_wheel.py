"""What a release ships, used the way users and GitHub use it.

The sdist and the wheel are built from this checkout (`python -m build`, in an isolated build
environment), the wheel is installed alone into a fresh virtual environment, and that
mathpress makes a new site, builds it strictly and checks it. Then the Pages workflow that
`init` wrote is run step by step in a clone of the site's Git repository, as a runner would:
the shell of every `run:` step, the values `actions/configure-pages` gives, and pip resolving
`requirements.txt` from the wheel just built; the folder `upload-pages-artifact` would upload
is checked with mathpress.verify. pip never reaches an index after the build: every install
uses `--no-index` and a folder holding the wheel and its dependencies.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

import mathpress
from mathpress import verify
from mathpress.scaffold import EXAMPLE_REQUIREMENT, init_site
from tests.conftest import NOW

REPO = Path(__file__).resolve().parent.parent
VERSION = mathpress.__version__
PAGES_ORIGIN = "https://someone.github.io"
PAGES_BASE_URL = f"{PAGES_ORIGIN}/REPO"  # what configure-pages gives a project site named REPO
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Release:
    """The built sdist and wheel, a folder with the wheel and its dependencies, and a venv with the wheel."""

    sdist: Path
    wheel: Path
    wheelhouse: Path
    venv: Path

    def bin(self, name: str) -> Path:
        """A command of the virtual environment."""
        return self.venv / "bin" / name


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what points Python at this checkout, plus extra."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(extra)
    return env


def run(args: list[str | Path], cwd: Path, env: Mapping[str, str] | None = None) -> str:
    """Run a command outside this checkout; its stdout, or a failure showing its output."""
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=dict(env or clean_env()), capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def copy_checkout(target: Path) -> None:
    """The files Git tracks, as they are in the work tree (not tests/node_modules and other local things)."""
    listed = run(["git", "ls-files", "-z", "--cached"], REPO)
    for rel in filter(None, listed.split("\0")):
        source = REPO / rel
        if source.is_file() and not source.is_symlink():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / rel)


def make_release(root: Path) -> None:
    """Build the sdist and the wheel from a copy of the checkout, gather dependencies, install the wheel."""
    copy_checkout(root / "src")  # building in place would leave build/ and *.egg-info in the checkout
    run([sys.executable, "-m", "build", "--outdir", root / "dist", root / "src"], root)
    (wheel,) = (root / "dist").glob("*.whl")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", root / "wheelhouse", wheel], root)
    run([sys.executable, "-m", "venv", root / "venv"], root)
    offline = ["--no-index", "--find-links", root / "wheelhouse"]
    run([root / "venv" / "bin" / "python", "-m", "pip", "install", "--quiet", *offline, "mathpress"], root)


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    """Made once per test run: pytest-xdist's workers share it through a lock."""
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    root = tmp_path_factory.getbasetemp().parent / f"release-{run_id}" if run_id else tmp_path_factory.mktemp("rel")
    root.mkdir(exist_ok=True)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "made").exists():
            make_release(root)
            (root / "made").touch()
    (sdist,) = (root / "dist").glob("*.tar.gz")
    (wheel,) = (root / "dist").glob("*.whl")
    return Release(sdist, wheel, root / "wheelhouse", root / "venv")


# -- the sdist and the wheel -------------------------------------------------------------------


def theme_and_data() -> set[str]:
    """Every file the installed package needs besides its modules, as the wheel names it."""
    names = {f"mathpress/{p.relative_to(REPO / 'mathpress').as_posix()}" for p in (REPO / "mathpress/data").rglob("*")}
    for folder in ("templates", "static"):
        names |= {f"mathpress/theme/{folder}/{p.relative_to(REPO / folder).as_posix()}" for p in files(REPO / folder)}
    return names | {"mathpress/py.typed"}


def files(folder: Path) -> Iterator[Path]:
    """The files under a folder (no caches)."""
    return (p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def test_the_wheel_carries_the_modules_theme_and_data(release: Release) -> None:
    """Every module, template, static file and data file of the checkout is in the wheel."""
    assert release.wheel.name == f"mathpress-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(release.wheel) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"mathpress-{VERSION}.dist-info/METADATA").decode()
    modules = {f"mathpress/{p.name}" for p in (REPO / "mathpress").glob("*.py")}
    assert modules | theme_and_data() <= names, sorted(modules | theme_and_data() - names)
    assert f"mathpress-{VERSION}.dist-info/licenses/LICENSE" in names
    assert f"\nVersion: {VERSION}\n" in metadata and "\nLicense-Expression: MIT\n" in metadata
    assert "\nRequires-Dist: packaging" in metadata


def test_the_sdist_builds_the_wheel_and_twine_accepts_both(release: Release) -> None:
    """The wheel was built from the sdist (as python -m build does), so the sdist has it all; twine --strict passes."""
    assert release.sdist.name == f"mathpress-{VERSION}.tar.gz"
    with tarfile.open(release.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {
        "pyproject.toml",
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "templates/base.html",
        "static/assets/css/style.css",
    } <= names
    run([sys.executable, "-m", "twine", "check", "--strict", release.sdist, release.wheel], REPO.parent)


def test_the_wheel_alone_makes_builds_and_checks_a_new_site(release: Release, tmp_path: Path) -> None:
    """init, build --strict and check with the installed wheel, far from this checkout."""
    where = run([release.bin("python"), "-c", "import mathpress; print(mathpress.__file__)"], tmp_path)
    assert Path(where.strip()).is_relative_to(release.venv)
    assert run([release.bin("mathpress"), "--version"], tmp_path).strip() == f"mathpress {VERSION}"
    run([release.bin("mathpress"), "init", "blog"], tmp_path)
    # Installed by name from a package index (here a folder standing for one): pinned to this exact release.
    assert f"\nmathpress=={VERSION}\n" in (tmp_path / "blog" / "requirements.txt").read_text(encoding="utf-8")
    run([release.bin("mathpress"), "build", "--source", "blog", "--strict", "--jobs", "1"], tmp_path)
    assert "0 problem(s)" in run([release.bin("mathpress"), "check", "--source", "blog"], tmp_path)
    (tmp_path / "blog" / "_site" / "about" / "index.html").unlink()  # the check can fail
    result = subprocess.run(
        [release.bin("mathpress"), "check", "--source", "blog"], cwd=tmp_path, env=clean_env(), capture_output=True
    )
    assert result.returncode == 1


# -- the Pages workflow of a new site, run as a runner would ---------------------------------


@dataclass
class Runner:
    """A stand-in for a GitHub-hosted runner running the build job of a Pages workflow."""

    repository: Path  # the site's Git repository, as pushed
    root: Path  # the runner's own folder
    env: dict[str, str]
    outputs: dict[str, str] = field(default_factory=dict)
    artifact: Path | None = None
    cached: list[Path] = field(default_factory=list)
    log: list[tuple[str, subprocess.CompletedProcess[str]]] = field(default_factory=list)

    @property
    def workspace(self) -> Path:
        """GITHUB_WORKSPACE: where actions/checkout puts the repository."""
        return self.root / "work"

    def run_job(self, job: dict[str, Any]) -> subprocess.CompletedProcess[str] | None:
        """Run the steps in order; the first failing run: step's result, or None when all passed."""
        for step in job["steps"]:
            if "run" in step:
                assert "if" not in step and "shell" not in step, step
                result = self.run_step(step)
                self.log.append((step.get("name", step["run"]), result))
                if result.returncode != 0:
                    return result
            else:
                self.use(step)
        return None

    def run_step(self, step: dict[str, Any]) -> subprocess.CompletedProcess[str]:
        """A run: step, its expressions filled in, in GitHub's default shell for Linux."""
        script = EXPRESSION.sub(lambda m: self.outputs[m.group(1)], step["run"])
        (self.root / "step.sh").write_text(script, encoding="utf-8")
        shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(self.root / "step.sh")]
        env = {**self.env, **{k: str(v) for k, v in step.get("env", {}).items()}}
        return subprocess.run(shell, cwd=self.workspace, env=env, capture_output=True, text=True, timeout=600)

    def use(self, step: dict[str, Any]) -> None:
        """What each action of the build job does, as far as the following steps can tell."""
        action, inputs = step["uses"].split("@")[0], step.get("with", {})
        if action == "actions/checkout":
            run(["git", "clone", "--quiet", self.repository, self.workspace], self.root)
        elif action == "actions/setup-python":
            assert (self.workspace / inputs["cache-dependency-path"]).is_file()  # the pip cache's key
            run([sys.executable, "-m", "venv", self.root / "python"], self.root)
            self.env["PATH"] = f"{self.root / 'python' / 'bin'}{os.pathsep}{self.env['PATH']}"
        elif action == "actions/configure-pages":
            for name, value in {"base_url": PAGES_BASE_URL, "origin": PAGES_ORIGIN, "base_path": "/REPO"}.items():
                self.outputs[f"steps.{step['id']}.outputs.{name}"] = value
        elif action == "actions/cache":
            self.cached.append(self.workspace / inputs["path"])
        elif action == "actions/setup-java":
            if shutil.which("java") is None:
                pytest.skip("java missing: run bash tests/install_deps.sh")
        elif action == "actions/upload-pages-artifact":
            assert inputs["include-hidden-files"] is True
            self.artifact = self.workspace / inputs["path"]
        else:
            raise AssertionError(f"no stand-in for {action}")


def load_workflow(site: Path) -> dict[str, Any]:
    """The Pages workflow a site was given."""
    data: dict[str, Any] = yaml.safe_load((site / ".github/workflows/pages.yml").read_text(encoding="utf-8"))
    return data


def commit_site(site: Path) -> None:
    """Make the site a Git repository with one commit, as a user pushes it."""
    author = ["-c", "user.name=Someone", "-c", "user.email=someone@example.org"]
    run(["git", "init", "--quiet", "--initial-branch=main"], site)
    run(["git", "add", "--all"], site)
    run(["git", *author, "commit", "--quiet", "-m", "A new site"], site)


def runner_for(site: Path, tmp_path: Path, wheelhouse: Path | None) -> Runner:
    """A runner on a push to main of someone/REPO; pip sees only the wheelhouse."""
    (tmp_path / "runner").mkdir()
    env = clean_env(
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_EVENT_NAME="push",
        GITHUB_REF="refs/heads/main",
        GITHUB_REF_NAME="main",
        GITHUB_REPOSITORY="someone/REPO",
        GITHUB_WORKSPACE=str(tmp_path / "runner" / "work"),
        RUNNER_OS="Linux",
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse or tmp_path / "nothing"),
    )
    return Runner(site, tmp_path / "runner", env)


def test_the_pages_workflow_of_a_new_site_runs_and_uploads_a_good_site(release: Release, tmp_path: Path) -> None:
    """Every step of the build job passes; the uploaded folder is the site served under /REPO/."""
    run([release.bin("mathpress"), "init", "blog"], tmp_path)
    commit_site(tmp_path / "blog")
    runner = runner_for(tmp_path / "blog", tmp_path, release.wheelhouse)
    failed = runner.run_job(load_workflow(tmp_path / "blog")["jobs"]["build"])
    assert failed is None, f"{failed.args if failed else ''}\n{failed.stdout if failed else ''}\n{failed.stderr}"
    installed = runner.root / "python" / "lib"
    assert list(installed.glob(f"python3.*/site-packages/mathpress-{VERSION}.dist-info")), "pip installed no mathpress"
    assert runner.cached and all(path.is_dir() for path in runner.cached)  # the build wrote what is cached
    assert runner.artifact is not None and (runner.artifact / ".nojekyll").is_file()
    report = verify.check_output(runner.artifact)
    assert report.problems == () and report.pages > 3
    assert (report.address.origin, report.address.base) == (PAGES_ORIGIN, "/REPO/")
    assert_served_under_repo(runner.artifact)


def assert_served_under_repo(site: Path) -> None:
    """Every link of the front page, the feed and the sitemap points under /REPO/."""
    index = verify.parse_page((site / "index.html").read_text(encoding="utf-8"))
    internal = [url for _, url in index.links if not url.startswith(("http", "#", "mailto:"))]
    assert internal and all(url.startswith("/REPO/") for url in internal), internal
    feed = (site / "feed.xml").read_text(encoding="utf-8")
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    for text in (feed, sitemap):
        urls = re.findall(r"(?:href=\"|<loc>|<id>)(https?://[^\"<]+)", text)
        assert urls and all(url.startswith(f"{PAGES_BASE_URL}/") for url in urls), urls


def test_a_site_made_from_a_local_folder_stops_at_the_first_step_saying_what_to_do(tmp_path: Path) -> None:
    """No installable mathpress in requirements.txt: the check before pip fails with the way out."""
    init_site(tmp_path / "blog", False, NOW.date(), None)
    commit_site(tmp_path / "blog")
    runner = runner_for(tmp_path / "blog", tmp_path, None)
    failed = runner.run_job(load_workflow(tmp_path / "blog")["jobs"]["build"])
    assert failed is not None and failed.returncode == 1
    assert [name for name, _ in runner.log] == ["Check that requirements.txt names an installable mathpress"]
    assert "::error file=requirements.txt::" in failed.stdout
    assert EXAMPLE_REQUIREMENT in failed.stdout
