"""The dev server: live reload in a real browser, safe file serving, rebuild triggers, exit codes."""

from __future__ import annotations

import html
import json
import os
import re
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mathpress.serve import change_kind, is_litter
from tests.conftest import make_site
from tests.serve_helpers import Served

pytestmark = pytest.mark.devserver

SECRET = "TOP-SECRET-7f3a9c"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
PROJECT_SITE = {
    "site.yml": "title: Project\nurl: https://example.org\nbase_url: /repo/\n",
    "secret.txt": SECRET,  # inside the site folder, outside the output folder
    "content/posts/2019-07-14-確率.md": "---\ntitle: 確率\n---\n\n確率の話。\n",
    "content/posts/2024-01-02-unfinished.md": "---\ntitle: Unfinished\ndraft: true\n---\n\nNot yet.\n",
    "static/img/dot.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
    "static/img/dot.png": PNG,
    "static/fonts/serif.woff2": b"wOF2\x00\x01",
}


def post(body: str, date: str = "2024-01-02") -> str:
    """A post's source with this body."""
    return f"---\ntitle: Hello\ndate: {date}\n---\n\n{body}\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    """A project site (base /repo/) served with --drafts, with symlinks planted in its output."""
    root = tmp_path_factory.mktemp("project")
    (root / "outside").mkdir()
    (root / "outside" / "secret.txt").write_text(SECRET)
    site = make_site(root / "site", PROJECT_SITE)
    served = Served(site, "--drafts").wait_ready()
    (site / "_site" / "leak.txt").symlink_to(root / "outside" / "secret.txt")
    (site / "_site" / "out").symlink_to(root / "outside", target_is_directory=True)
    yield served, site
    served.close()


@pytest.fixture(scope="module")
def writer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    """A site being written: tests save files into it and watch the build counters."""
    site = make_site(tmp_path_factory.mktemp("writer") / "site", {"content/posts/2024-01-03-note.md": post("Note.")})
    served = Served(site).wait_ready()
    yield served, site
    served.close()


# -- safe serving ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/repo/../secret.txt",
        "/../secret.txt",
        "/repo/%2e%2e/secret.txt",
        "/repo/%2E%2E/secret.txt",
        "/repo/..%2fsecret.txt",
        "/repo/%2e%2e%2fsecret.txt",
        "/repo/..%2f..%2fsite/secret.txt",
        "/repo/assets/../../secret.txt",
        "/repo/..\\secret.txt",
        "/repo/..%5csecret.txt",
        "/repo/%00/../secret.txt",
        "/repo/%252e%252e/secret.txt",
        "/repo//secret.txt",
        "/repo/leak.txt",  # a symlink in the output to a file outside
        "/repo/out/secret.txt",  # a symlinked folder leading outside
    ],
)
def test_paths_leading_out_of_the_output_get_404(project: tuple[Served, Path], path: str) -> None:
    served, site = project
    assert (site / "_site" / "leak.txt").read_text() == SECRET  # the symlinks really lead out
    reply = served.request(path)
    assert reply.status == 404
    assert SECRET not in reply.text
    assert served.request("/repo/").status == 200


@pytest.mark.parametrize("name", ["localhost:{port}", "127.0.0.1:{port}", "[::1]:{port}", "LOCALHOST:{port}"])
def test_local_host_names_are_answered(project: tuple[Served, Path], name: str) -> None:
    served, _ = project
    assert served.request("/repo/", host=name.format(port=served.port)).status == 200


@pytest.mark.parametrize(
    "name",
    ["evil.example:{port}", "evil.example", "localhost", "localhost:{other}", "127.0.0.1.evil.example:{port}", ""],
)
def test_foreign_host_names_are_refused(project: tuple[Served, Path], name: str) -> None:
    """DNS rebinding: a page on evil.example must not read the preview through its own name."""
    served, _ = project
    for path in ("/repo/", "/__mathpress/status", "/__mathpress/events?version=x"):
        reply = served.request(path, host=name.format(port=served.port, other=served.port + 1))
        assert reply.status == 403
        assert "Project" not in reply.text


def test_base_path_redirects(project: tuple[Served, Path]) -> None:
    served, _ = project
    expected = {
        "/": (302, "/repo/"),
        "/repo": (301, "/repo/"),
        "/repo/archive": (301, "/repo/archive/"),
        "/repo/archive?page=2": (301, "/repo/archive/?page=2"),
        "/repo/2019/07/14/%E7%A2%BA%E7%8E%87": (301, "/repo/2019/07/14/%E7%A2%BA%E7%8E%87/"),
    }
    for path, (status, location) in expected.items():
        reply = served.request(path)
        assert (reply.status, reply.headers.get("location")) == (status, location), path
        assert reply.headers["cache-control"] == "no-store"


def test_japanese_urls_and_directory_index(project: tuple[Served, Path]) -> None:
    served, _ = project
    reply = served.request("/repo/2019/07/14/%E7%A2%BA%E7%8E%87/")
    assert reply.status == 200
    assert "確率の話。" in reply.text


def test_missing_pages_get_the_sites_404_page(project: tuple[Served, Path]) -> None:
    served, site = project
    on_disk = (site / "_site" / "404.html").read_bytes()
    for path in ("/repo/no/such/page/", "/elsewhere/", "/repo/missing.css"):
        reply = served.request(path)
        assert reply.status == 404
        assert reply.headers["content-type"] == "text/html; charset=utf-8"
        assert on_disk.split(b"</body>")[0] in reply.body


def test_content_types_and_no_store(project: tuple[Served, Path]) -> None:
    served, _ = project
    expected = {
        "/repo/": "text/html; charset=utf-8",
        "/repo/assets/css/style.css": "text/css; charset=utf-8",
        "/repo/feed.xml": "application/xml",
        "/repo/img/dot.svg": "image/svg+xml",
        "/repo/img/dot.png": "image/png",
        "/repo/fonts/serif.woff2": "font/woff2",
    }
    for path, content_type in expected.items():
        reply = served.request(path)
        assert (reply.status, reply.headers["content-type"]) == (200, content_type), path
        # pages are never kept (each carries the reload script's version); assets are kept but revalidated
        html = content_type.startswith("text/html")
        assert reply.headers["cache-control"] == ("no-store" if html else "no-cache"), path
        assert ("etag" in reply.headers) != html, path
    assert served.request("/repo/img/dot.png").body == PNG
    head = served.request("/repo/", method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.headers["content-length"]) > 0


def test_assets_are_revalidated_with_304_until_their_bytes_change(project: tuple[Served, Path]) -> None:
    """A reload asks again for each stylesheet; unchanged bytes answer 304 without a body, changed ones 200."""
    served, site = project
    path = "/repo/img/dot.svg"
    first = served.request(path)
    tag = first.headers["etag"]
    again = served.request(path, headers={"If-None-Match": tag})
    assert (again.status, again.body, again.headers["etag"]) == (304, b"", tag)
    assert served.request(path, headers={"If-None-Match": '"other", W/' + tag}).status == 304
    assert served.request(path, headers={"If-None-Match": '"other"'}).status == 200
    page = served.request("/repo/", headers={"If-None-Match": "*"})
    assert page.status == 200 and b"mathpress-reload" in page.body  # pages are always sent whole
    output = site / "_site/img/dot.svg"
    original = output.read_bytes()
    replace_file(output, original + b"\n")  # as a publish replaces it: a new file (the old one may be linked)
    try:
        changed = served.request(path, headers={"If-None-Match": tag})
        assert changed.status == 200 and changed.body == original + b"\n"
        assert changed.headers["etag"] != tag
    finally:
        replace_file(output, original)


def replace_file(path: Path, data: bytes) -> None:
    """Put new bytes at a path through a new file, as publishing does."""
    temp = path.with_name(path.name + ".test-tmp")
    temp.write_bytes(data)
    os.replace(temp, path)


def test_reload_script_is_only_in_served_html(project: tuple[Served, Path]) -> None:
    served, site = project
    page = served.request("/repo/2019/07/14/%E7%A2%BA%E7%8E%87/").text
    assert page.count('<script id="mathpress-reload">') == 1
    assert page.index('id="mathpress-reload"') < page.index("</body>")
    assert "mathpress-reload" not in (site / "_site/2019/07/14/確率/index.html").read_text()
    css = served.request("/repo/assets/css/style.css").body
    assert css == (site / "_site/assets/css/style.css").read_bytes()


def test_drafts_carry_a_badge_with_drafts_flag(project: tuple[Served, Path]) -> None:
    served, _ = project
    reply = served.request("/repo/2024/01/02/unfinished/")
    assert reply.status == 200
    assert '<span class="badge">draft</span>' in reply.text


def test_event_stream_asks_stale_pages_to_reload(project: tuple[Served, Path]) -> None:
    served, _ = project
    reply = served.request("/__mathpress/events?version=a-page-from-an-older-server")
    assert reply.status == 200
    assert reply.headers["content-type"] == "text/event-stream"
    # A version the server did not just move on from: what changed since is unknown (null), so the page reloads.
    change = json.dumps({"version": served.status()["version"], "written": None})
    assert f"event: change\ndata: {change}\n" in reply.text


def test_event_stream_lists_what_the_last_build_wrote(writer: tuple[Served, Path]) -> None:
    served, site = writer
    before = served.status()
    start = len(served.lines)
    (site / "static").mkdir(exist_ok=True)
    (site / "static/notes.txt").write_text(f"notes {before['builds']}\n")
    served.wait_for_line(r"(built|updated) in", start=start)
    after = served.status()
    assert after["since"] == before["version"] and "notes.txt" in after["written"]
    reply = served.request(f"/__mathpress/events?version={before['version']}")
    change = json.loads(reply.text.split("event: change\ndata: ", 1)[1].split("\n", 1)[0])
    assert change == {"version": after["version"], "written": after["written"]}


# -- what triggers a rebuild -----------------------------------------------------------------


def test_second_identical_save_does_not_rebuild(writer: tuple[Served, Path]) -> None:
    served, site = writer
    path = site / "content/posts/2024-01-03-note.md"
    before = served.status()
    path.write_bytes(path.read_bytes())
    after = served.wait_status(lambda s: s["skipped"] > before["skipped"])
    assert after["builds"] == before["builds"]
    assert after["version"] == before["version"]
    served.wait_for_line(r"saved without changes: content/posts/2024-01-03-note\.md; not rebuilding")
    path.write_text(post("Changed."))
    served.wait_status(lambda s: s["builds"] == before["builds"] + 1)
    served.wait_for_line(r"post changed: content/posts/2024-01-03-note\.md; rebuilding")


def test_burst_of_saves_is_one_rebuild(writer: tuple[Served, Path]) -> None:
    served, site = writer
    path = site / "content/posts/2024-01-03-note.md"
    before = served.status()
    for number in range(5):
        path.write_text(post(f"Burst {number}."))  # a burst: saves back to back (an editor and its formatter, git)
    served.wait_status(lambda s: s["builds"] > before["builds"])
    time.sleep(0.6)  # many quiet windows (20 ms): a second rebuild would have started by now
    assert served.status()["builds"] == before["builds"] + 1
    assert "Burst 4." in served.request("/2024/01/02/note/").text


def test_editor_litter_is_ignored(writer: tuple[Served, Path]) -> None:
    served, site = writer
    posts = site / "content/posts"
    before = served.status()
    start = len(served.lines)
    for name in (".2024-01-03-note.md.swp", "2024-01-03-note.md~", "4913", ".#2024-01-03-note.md", "x.md___jb_tmp___"):
        (posts / name).write_text("editor litter")
    note = posts / "2024-01-03-note.md"
    note.write_bytes(note.read_bytes())  # a sentinel saved after the litter: once it is seen, so was the litter
    after = served.wait_status(lambda s: s["skipped"] > before["skipped"])
    assert after["builds"] == before["builds"]
    assert not any("swp" in line or "4913" in line or "jb_tmp" in line for line in served.lines[start:])


def test_config_change_moves_the_base_path(writer: tuple[Served, Path]) -> None:
    served, site = writer
    config = site / "site.yml"
    original = config.read_text()
    assert served.status()["base_url"] == "/"
    config.write_text(original + "base_url: /blog/\n")
    served.wait_status(lambda s: s["base_url"] == "/blog/")
    served.wait_for_line(r"config changed: site\.yml; rebuilding")
    assert served.request("/blog/").status == 200
    assert served.request("/").headers.get("location") == "/blog/"
    config.write_text(original + "titel: Typo\n")
    broken = served.wait_status(lambda s: bool(s["errors"]))
    assert broken["errors"][0].startswith("site.yml:4:1: unknown setting `titel` (did you mean `title`?)")
    assert broken["base_url"] == "/blog/"  # still serving the last good build, at its base path
    replacement = site / "site.yml.new"
    replacement.write_text(original)
    os.replace(replacement, config)  # how many editors save: write a new file, rename it over
    served.wait_status(lambda s: s["base_url"] == "/" and not s["errors"])


def test_a_templates_folder_made_while_serving_is_watched(writer: tuple[Served, Path]) -> None:
    served, site = writer
    templates = site / "templates"
    templates.mkdir()
    (templates / "archive.html").write_text("First archive override\n")
    served.wait_for_line(r"template changed: templates/archive\.html; rebuilding")
    served.wait_status(lambda s: "First archive" in served.request("/archive/").text)
    # The folder watcher restarts to take in templates/: a save inside it must then be seen
    # (only it can see one; the site folder's own watcher is not recursive).
    deadline, attempt = time.monotonic() + 5, 0
    while "Second archive" not in served.request("/archive/").text:
        assert time.monotonic() < deadline, served.output
        attempt += 1
        (templates / "archive.html").write_text(f"Second archive override {attempt}\n")
        time.sleep(0.4)
    (templates / "archive.html").unlink()
    templates.rmdir()
    served.wait_status(lambda s: "override" not in served.request("/archive/").text)


def test_litter_and_change_kinds() -> None:
    assert not is_litter(Path("templates/_macros.html"))
    assert not is_litter(Path("content/posts/2024-01-02-a.md"))
    for name in ("content/.a.md.swp", "content/a.md~", "content/4913", "content/.#a.md", "static/.cache/x.css"):
        assert is_litter(Path(name)), name
    kinds = {
        "site.yml": "config",
        "templates/post.html": "template",
        "static/a.css": "static",
        "content/posts/a.md": "post",
        "content/about.md": "page",
        "content/img/a.png": "content",
    }
    assert {rel: change_kind(rel) for rel in kinds} == kinds


# -- starting and stopping -------------------------------------------------------------------


def test_port_in_use_names_the_port_and_a_free_one(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {"content/posts/2024-01-02-a.md": post("A.")})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        served = Served(site, port=port)
        code = served.wait_exit()
    assert code == 2
    found = re.search(rf"port {port} is already in use on 127\.0\.0\.1; try --port (\d+)", served.output)
    assert found, served.output
    suggested = int(found.group(1))
    assert suggested != port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", suggested))


def test_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {"content/posts/2024-01-02-a.md": post("A.")})
    served = Served(site).wait_ready()
    assert served.request("/").status == 200
    started = time.monotonic()
    served.process.send_signal(signal.SIGINT)  # an impatient writer presses Ctrl-C twice
    assert served.interrupt() == 0
    assert time.monotonic() - started < 5
    assert served.lines[-1].endswith(" stopped"), served.output
    assert "Traceback" not in served.output
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", served.port))  # the port is free again


def test_a_site_that_never_built_shows_its_errors_until_fixed(tmp_path: Path) -> None:
    source = "content/posts/2024-01-02-a.md"
    site = make_site(tmp_path / "site", {source: "---\ntitle: A\ndate: <soon>\n---\n\nA.\n"})
    served = Served(site).wait_ready()
    try:
        reply = served.request("/")
        assert reply.status == 404  # there is no build to show yet
        assert html.escape(f"{source}:3:1: cannot read date '<soon>' (write it like") in reply.text
        assert 'id="mathpress-reload"' in reply.text
        (site / source).write_text(post("Fixed."))
        served.wait_status(lambda s: s["builds"] == 2 and not s["errors"])
        reply = served.request("/2024/01/02/a/")
        assert reply.status == 200 and "Fixed." in reply.text and "mathpress-errors" not in reply.text
    finally:
        served.close()


# -- the writing loop in a real browser ------------------------------------------------------


@pytest.mark.browser
def test_edit_break_and_fix_a_post_in_the_browser(tmp_path: Path, browser_session: object) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser_session, Browser)
    filler = "\n\n".join(f"Paragraph {n} keeps the page long enough to scroll." for n in range(120))
    source = "content/posts/2024-01-02-hello.md"
    site = make_site(tmp_path / "site", {source: post(f"First version.\n\n{filler}")})
    served = Served(site).wait_ready()
    context = browser_session.new_context()
    try:
        page = context.new_page()
        url = f"http://127.0.0.1:{served.port}/2024/01/02/hello/"
        page.goto(url)
        body = page.locator(".post-body")
        expect(body).to_contain_text("First version.")
        # Chromium restores scroll on reload by itself when the layout is the same; turn that off
        # so only mathpress's own restore (which also survives MathJax reflowing the page) passes.
        page.evaluate("history.scrollRestoration = 'manual'")
        page.evaluate("window.scrollTo(0, 1500)")
        page.wait_for_function("window.scrollY === 1500")

        (site / source).write_text(post(f"Second version.\n\n{filler}"))
        expect(body).to_contain_text("Second version.", timeout=2000)
        page.wait_for_function("Math.abs(window.scrollY - 1500) < 2", timeout=2000)

        (site / source).write_text(f"---\ntitle: Hello\ndate: <tomorrow>\n---\n\nThird version.\n\n{filler}\n")
        message = f"{source}:3:1: cannot read date '<tomorrow>' (write it like 2024-01-02 10:00:00 +0900)"
        overlay = page.locator("#mathpress-errors")
        expect(overlay).to_contain_text(message, timeout=2000)
        expect(body).to_contain_text("Second version.")  # the last good build, under the overlay
        assert html.escape(message) in served.request("/2024/01/02/hello/").text
        later = context.new_page()
        later.goto(f"http://127.0.0.1:{served.port}/")
        expect(later.locator("#mathpress-errors")).to_contain_text(message)

        (site / source).write_text(post(f"Third version.\n\n{filler}"))
        expect(body).to_contain_text("Third version.", timeout=2000)
        expect(overlay).to_have_count(0)
        expect(later.locator("#mathpress-errors")).to_have_count(0, timeout=2000)
    finally:
        context.close()
        served.close()


def test_pages_a_few_versions_behind_get_every_file_written_since() -> None:
    from mathpress.serve import WRITTEN_LIMIT, Live

    live = Live("/")
    first = live.snapshot().version
    live.built((), ("a/index.html",), "/", "")
    second = live.snapshot().version
    live.built((), ("b.css",), "/", "")
    assert live.written_since(first) == ["a/index.html", "b.css"]
    assert live.written_since(second) == ["b.css"]
    assert live.written_since("an older server's version") is None
    live.built((), tuple(f"p{n}.html" for n in range(WRITTEN_LIMIT + 1)), "/", "")  # a template edit
    assert live.written_since(second) is None
    live.built((), (), "/repo/", "")  # the base path moved: every page reloads
    assert live.snapshot().written is None
