"""Incremental builds: always byte-identical to a clean build, and doing only the work an edit needs."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mathpress.cache import CACHE_DIR
from mathpress.pipeline import BuildOptions
from mathpress.rebuild import rebuild, update
from mathpress.serve import FileHashes
from tests.conftest import NOW, NOW_EPOCH, build_site, make_site, read_output

THEME_POST = Path(__file__).resolve().parent.parent / "templates" / "post.html"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """Inode and mtime of every file: a file rewritten gets new ones."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def post(day: int, tags: str, body: str, title: str | None = None, extra: str = "") -> str:
    return f"---\ntitle: {title or f'Post {day}'}\ndate: 2024-03-{day:02d}\ntags: [{tags}]\n{extra}---\n{body}\n"


def starting_site(root: Path) -> Path:
    files = {
        f"content/posts/2024-03-{d:02d}-p{d}.md": post(
            d, f"t{d % 4}, all", f"Body {d} with $x_{{{d}}}$.\n\n<!--more-->\n\nMore."
        )
        for d in range(1, 25)
    }
    files["content/about.md"] = "---\ntitle: About\n---\nAbout page.\n"
    files["content/posts/2024-03-25-linked.md"] = post(25, "all", "See [p1]({% post_url 2024-03-01-p1 %}).")
    return make_site(root, {"site.yml": "title: T\nurl: https://e.org\npaginate: 5\n", **files})


EDITS = [
    ("edit a body", lambda r, rng: _append(_any_post(r, rng))),
    ("retitle", lambda r, rng: _retitle(r, rng)),
    ("retag", lambda r, rng: _retag(r, rng)),
    (
        "add a post",
        lambda r, rng: (r / f"content/posts/2024-04-{rng.randint(1, 28):02d}-new{rng.randint(1, 9)}.md").write_text(
            post(1, "fresh, all", "New $y$.", title="New")
        ),
    ),
    ("delete a post", lambda r, rng: _delete(r, rng)),
    ("make a draft", lambda r, rng: _append(_any_post(r, rng), "", "draft: true\n")),
    ("rename a post (changes a post_url target)", lambda r, rng: _rename(r, rng)),
    ("edit a page", lambda r, rng: (r / "content/about.md").write_text(f"---\ntitle: About {rng.random()}\n---\nx\n")),
    ("edit a template", lambda r, rng: _template(r, rng)),
    (
        "edit the config",
        lambda r, rng: (r / "site.yml").write_text(
            f"title: T{rng.randint(1, 3)}\nurl: https://e.org\npaginate: {rng.randint(3, 7)}\n"
        ),
    ),
    ("add a static file", lambda r, rng: _static(r, rng)),
    ("nothing", lambda r, rng: None),
]


def _static(root: Path, rng: random.Random) -> None:
    (root / "static").mkdir(exist_ok=True)
    (root / "static" / f"f{rng.randint(1, 3)}.txt").write_text(str(rng.random()))


def _any_post(root: Path, rng: random.Random) -> Path:
    """Any post but the link's target and the post that links to it (those the rename edit manages)."""
    posts = sorted((root / "content/posts").glob("*.md"))
    return rng.choice([p for p in posts if "-p1" not in p.name and "linked" not in p.name])


def _append(path: Path, text: str = "\n\nOne more $z$ sentence.\n", front: str = "") -> None:
    if not path.exists():
        return
    content = path.read_text()
    if front:
        content = content.replace("---\n", "---\n" + front, 1)
    path.write_text(content + text)


def _retitle(root: Path, rng: random.Random) -> None:
    path = _any_post(root, rng)
    text = path.read_text()
    path.write_text(text.replace("title: ", f"title: Retitled {rng.randint(1, 99)} ", 1))


def _retag(root: Path, rng: random.Random) -> None:
    path = _any_post(root, rng)
    path.write_text(path.read_text().replace("tags: [", f"tags: [x{rng.randint(1, 3)}, ", 1))


def _delete(root: Path, rng: random.Random) -> None:
    _any_post(root, rng).unlink()


def _rename(root: Path, rng: random.Random) -> None:
    source = root / "content/posts/2024-03-01-p1.md"
    target = root / "content/posts/2024-03-01-p1-renamed.md"
    if source.exists():
        source.rename(target)
        (root / "content/posts/2024-03-25-linked.md").write_text(
            post(25, "all", "See [p1]({% post_url 2024-03-01-p1-renamed %}).")
        )
    elif target.exists():
        target.rename(source)
        (root / "content/posts/2024-03-25-linked.md").write_text(
            post(25, "all", "See [p1]({% post_url 2024-03-01-p1 %}).")
        )


def _link_to(root: Path, name: str) -> None:
    (root / "content/posts/2024-03-25-linked.md").write_text(post(25, "all", f"See [p1]({{% post_url {name} %}})."))


def _template(root: Path, rng: random.Random) -> None:
    (root / "templates").mkdir(exist_ok=True)
    text = THEME_POST.read_text().replace("</article>", f"<p>v{rng.randint(1, 3)}</p></article>", 1)
    (root / "templates/post.html").write_text(text)


@pytest.mark.parametrize(("seed", "jobs"), [(20261124, 1), (7, 2)], ids=["one-process", "two-workers"])
def test_random_edits_give_exactly_what_a_clean_build_gives(tmp_path: Path, seed: int, jobs: int) -> None:
    root = starting_site(tmp_path / "site")
    build_site(root, jobs=jobs)
    rng = random.Random(seed)
    for step in range(30):
        name, edit = rng.choice(EDITS)
        edit(root, rng)
        build_site(root, jobs=jobs)
        clean = tmp_path / f"clean{step}"
        shutil.copytree(root, clean, ignore=shutil.ignore_patterns("_site", CACHE_DIR))
        build_site(clean, use_cache=False)
        assert snapshot(root / "_site") == snapshot(clean / "_site"), f"step {step}: {name}"
        shutil.rmtree(clean)


def test_a_second_build_does_nothing_at_all(tmp_path: Path) -> None:
    root = starting_site(tmp_path / "site")
    build_site(root)
    before = stamps(root / "_site")
    report = build_site(root)
    assert (report.documents_rendered, report.pages_rendered, report.publish.written) == (0, 0, ())
    assert stamps(root / "_site") == before


def test_an_output_file_removed_or_changed_by_hand_is_written_again(tmp_path: Path) -> None:
    """The nothing-changed shortcut stats the output's folders and the files the last build wrote: a file
    gone or changed is written again, one added by hand is removed."""
    root = starting_site(tmp_path / "site")
    build_site(root)
    before = snapshot(root / "_site")
    (root / "_site/2024/03/10/p10/index.html").unlink()
    (root / "_site/index.html").write_text("changed by hand, a different size")
    report = build_site(root)
    assert set(report.publish.written) == {"2024/03/10/p10/index.html", "index.html"}
    assert snapshot(root / "_site") == before
    for stray in ("_site/stray.txt", "_site/2024/03/10/stray.html"):  # added by hand: the build removes them
        (root / stray).write_text("not ours")
        report = build_site(root)
        assert report.publish.removed == (stray.removeprefix("_site/"),)
        assert snapshot(root / "_site") == before


def test_a_cli_build_with_nothing_to_do_loads_no_markdown_templates_or_liquid(tmp_path: Path) -> None:
    """`mathpress build` on an unchanged site stops after the survey: the later stages are never imported."""
    root = starting_site(tmp_path / "site")
    script = (
        "import sys; from mathpress.cli import main; code = main(['build', '--source', sys.argv[1], '--jobs', '1']);"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'markdown', 'jinja2', 'liquid', 'PIL', 'pygments'});"
        "print(code, heavy)"
    )
    env = {**os.environ, "SOURCE_DATE_EPOCH": NOW_EPOCH}
    first = subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, env=env)
    again = subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, env=env)
    assert first.stdout.splitlines()[-1] == "0 ['jinja2', 'liquid', 'markdown', 'pygments']", first.stdout
    assert again.stdout.splitlines()[-1] == "0 []", again.stdout + again.stderr
    assert "0 written" in again.stdout


def test_editing_one_post_renders_it_and_only_the_pages_that_show_it(tmp_path: Path) -> None:
    root = starting_site(tmp_path / "site")
    build_site(root)
    before = stamps(root / "_site")
    path = root / "content/posts/2024-03-10-p10.md"
    path.write_text(path.read_text().replace("More.", "More, and a new last line."))
    report = build_site(root)
    assert report.documents_rendered == 1
    changed = {rel for rel, stamp in stamps(root / "_site").items() if before.get(rel) != stamp}
    assert changed == {"2024/03/10/p10/index.html", "feed.xml"}  # the body is in the feed, not in any listing
    # no listing reads a body, and its excerpt, reading time and title did not change: nothing else
    # was even rendered
    assert report.pages_rendered == 2


def test_post_facts_kept_in_the_state_agree_with_facts_worked_out_again(tmp_path: Path) -> None:
    """Each document's record keeps the part of its post's fact that comes from the document alone. A state
    written before it did (ten fields a record) still loads: the facts worked out again are the kept ones,
    so a body edit renders the same two pages either way, and the next build keeps them again."""
    root = starting_site(tmp_path / "site")
    build_site(root)
    state = root / CACHE_DIR / "state.json"
    records = [json.loads(line) for line in state.read_text(encoding="utf-8").splitlines()[1:]]
    documents = [r for r in records if r[0] == "d"]
    assert len(documents) == 26 and all(len(r[2]) == 11 and len(r[2][10]) == 64 for r in documents)
    kept = {r[1]: r[2][10] for r in documents}
    older = [json.dumps([*r[:2], r[2][:10]] if r[0] == "d" else r, ensure_ascii=False) for r in records]
    state.write_text("\n".join([state.read_text(encoding="utf-8").splitlines()[0], *older]) + "\n", encoding="utf-8")
    for body in ("A first new last line.", "A second new last line."):
        path = root / "content/posts/2024-03-10-p10.md"
        path.write_text(path.read_text().replace("More.", f"More. {body}"))
        report = build_site(root)
        assert (report.documents_rendered, report.pages_rendered) == (1, 2)
    again = [json.loads(line) for line in state.read_text(encoding="utf-8").splitlines()[1:]]
    assert {r[1]: r[2][10] for r in again if r[0] == "d" and r[1] != "content/posts/2024-03-10-p10.md"} == {
        name: fact for name, fact in kept.items() if name != "content/posts/2024-03-10-p10.md"
    }


def test_retitling_a_post_rerenders_the_listings_that_show_it(tmp_path: Path) -> None:
    root = starting_site(tmp_path / "site")
    build_site(root)
    before = stamps(root / "_site")
    path = root / "content/posts/2024-03-10-p10.md"
    path.write_text(path.read_text().replace("title: Post 10", "title: A better title"))
    build_site(root)
    changed = {rel for rel, stamp in stamps(root / "_site").items() if before.get(rel) != stamp}
    assert changed == RETITLED


RETITLED = {
    "2024/03/10/p10/index.html",
    "2024/03/09/p9/index.html",
    "2024/03/11/p11/index.html",  # it and its neighbours
    "page/4/index.html",
    "tags/t2/index.html",
    "tags/all/index.html",
    "archive/index.html",  # listings showing it
    "feed.xml",
}


@pytest.mark.parametrize("server", [False, True], ids=["cli", "server"])
def test_a_listing_that_shows_bodies_is_rendered_again_when_a_body_changes(tmp_path: Path, server: bool) -> None:
    root = starting_site(tmp_path / "site")
    index = "{% for post in paginator.posts %}<article>{{ post.html | safe }}</article>{% endfor %}\n"
    make_site(root, {"templates/index.html": index})
    done = rebuild(server_options(root), None, ()) if server else None
    build_site(root)
    path = root / "content/posts/2024-03-24-p24.md"
    path.write_text(path.read_text().replace("More.", "More, and a new last line."))
    if done is not None:
        assert not rebuild(server_options(root), done.built, ["content/posts/2024-03-24-p24.md"]).full
    else:
        build_site(root)
    assert "a new last line" in read_output(root, "index.html")


def test_a_template_edit_renders_every_page_and_no_markdown(tmp_path: Path) -> None:
    root = starting_site(tmp_path / "site")
    first = build_site(root)
    _template(root, random.Random(1))
    report = build_site(root)
    assert report.documents_rendered == 0 and first.documents_rendered == 26
    assert report.pages_rendered == first.pages_rendered


def test_a_corrupt_or_foreign_cache_is_ignored(tmp_path: Path) -> None:
    root = starting_site(tmp_path / "site")
    build_site(root)
    expected = snapshot(root / "_site")
    cache = root / CACHE_DIR
    for entry in sorted((cache / "render").rglob("*.json"))[:5]:
        entry.write_text(entry.read_text()[: len(entry.read_text()) // 2])  # truncated
    for entry in sorted((cache / "render").rglob("*.json"))[5:8]:
        data = json.loads(entry.read_text())
        data["html"] = "<script>alert(1)</script>"
        data["key"] = "0" * 64  # another entry's content under this name
        entry.write_text(json.dumps(data))
    (cache / "state.json").write_text('{"format": 999}\n["d", "x", 1]\n')
    (cache / "last-build.json").write_text("not json")
    shutil.rmtree(root / "_site")
    report = build_site(root)
    assert report.documents_rendered == 8
    assert snapshot(root / "_site") == expected


# -- the dev server's path: the site kept in memory, updated in place where the change allows ---------


def server_options(root: Path, jobs: int = 1) -> BuildOptions:
    return BuildOptions(source=root, now=NOW, jobs=jobs)


@pytest.mark.parametrize("seed", [20261130, 11])
def test_the_servers_updates_give_exactly_what_a_clean_build_gives(tmp_path: Path, seed: int) -> None:
    root = starting_site(tmp_path / "site")
    hashes = FileHashes(root)
    done = rebuild(server_options(root), None, ())
    rng = random.Random(seed)
    edits = [*EDITS, *[EDITS[0]] * 6, ("edit a static file", lambda r, rng: _static(r, random.Random(1)))]
    updated = 0
    for step in range(40):
        name, edit = rng.choice(edits)
        edit(root, rng)
        changed = hashes.refresh(root / part for part in ("content", "templates", "static", "site.yml"))
        done = rebuild(server_options(root), done.built, changed)
        updated += not done.full
        clean = tmp_path / f"clean{step}"
        shutil.copytree(root, clean, ignore=shutil.ignore_patterns("_site", CACHE_DIR))
        build_site(clean, use_cache=False)
        assert snapshot(root / "_site") == snapshot(clean / "_site"), f"step {step}: {name}"
        shutil.rmtree(clean)
    assert updated >= 5  # the in-place path was taken, and checked against clean builds


def test_a_body_edit_in_the_server_renders_one_document_and_writes_only_what_changed(tmp_path: Path) -> None:
    root = starting_site(tmp_path / "site")
    first = rebuild(server_options(root), None, ())
    assert first.full
    before = stamps(root / "_site")
    path = root / "content/posts/2024-03-10-p10.md"
    path.write_text(path.read_text().replace("More.", "More, and a new last line."))
    done = rebuild(server_options(root), first.built, ["content/posts/2024-03-10-p10.md"])
    assert not done.full and done.documents_rendered == 1 and done.pages_rendered == 2
    changed = {rel for rel, stamp in stamps(root / "_site").items() if before.get(rel) != stamp}
    assert changed == set(done.written) == {"2024/03/10/p10/index.html", "feed.xml"}
    assert "a new last line" in read_output(root, "2024/03/10/p10/index.html")


def test_a_new_title_is_an_update_in_the_server_and_writes_what_the_cli_writes(tmp_path: Path) -> None:
    root = starting_site(tmp_path / "site")
    built = rebuild(server_options(root), None, ()).built
    before = stamps(root / "_site")
    path = root / "content/posts/2024-03-10-p10.md"
    path.write_text(path.read_text().replace("title: Post 10", "title: A better title"))
    done = rebuild(server_options(root), built, ["content/posts/2024-03-10-p10.md"])
    assert not done.full
    changed = {rel for rel, stamp in stamps(root / "_site").items() if before.get(rel) != stamp}
    assert changed == set(done.written) == RETITLED


@pytest.mark.parametrize(
    ("old", "new"),
    [("tags: [t2, all]", "tags: [t2]"), ("date: 2024-03-10", "date: 2024-03-10 08:00"), ("---\n", "---\nslug: s\n")],
)
def test_a_front_matter_edit_that_moves_a_post_is_a_full_build_in_the_server(
    tmp_path: Path, old: str, new: str
) -> None:
    root = starting_site(tmp_path / "site")
    built = rebuild(server_options(root), None, ()).built
    path = root / "content/posts/2024-03-10-p10.md"
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    assert update(built, ["content/posts/2024-03-10-p10.md"]) is None


def test_templates_config_and_files_that_come_or_go_are_a_full_build_in_the_server(tmp_path: Path) -> None:
    root = starting_site(tmp_path / "site")
    built = rebuild(server_options(root), None, ()).built
    make_site(root, {"static/new.txt": "x", "content/posts/2024-05-01-new.md": post(1, "all", "New.")})
    for rel in ("templates/post.html", "site.yml", "static/new.txt", "content/posts/2024-05-01-new.md"):
        assert update(built, [rel]) is None, rel
    (root / "content/posts/2024-03-10-p10.md").unlink()
    assert update(built, ["content/posts/2024-03-10-p10.md"]) is None


def clean_build_of(root: Path, tmp_path: Path) -> dict[str, bytes]:
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("_site", CACHE_DIR))
    build_site(clean, use_cache=False)
    return snapshot(clean / "_site")


def test_the_kept_tree_is_listed_not_scanned_and_a_damaged_listing_does_no_harm(tmp_path: Path) -> None:
    root = starting_site(tmp_path / "site")
    listing = root / CACHE_DIR / "publish.json"
    build_site(root)
    _append(root / "content/posts/2024-03-10-p10.md")
    build_site(root)
    assert listing.exists()  # the tree this publish replaced, as scanned: the next publish starts from it
    shutil.rmtree(root / "_site")  # a new output folder: the kept tree is mirrored again, its listing dropped
    build_site(root)
    assert not listing.exists()
    for step in range(3):
        _append(root / "content/posts/2024-03-11-p11.md")
        build_site(root)
        assert snapshot(root / "_site") == clean_build_of(root, tmp_path), step
    listing.write_text('{"2024/03/12/p12/index.html": [1, 2, 3]}')  # wrong: a damaged cache must not matter
    _append(root / "content/posts/2024-03-12-p12.md")
    build_site(root)
    assert snapshot(root / "_site") == clean_build_of(root, tmp_path)
