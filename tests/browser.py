"""Browser test harness for mathpress: a local static server, Debian's Chromium and a MathJax probe.

Install the assets first with ``bash tests/install_deps.sh``.

``serve_directory`` serves, besides the site, the MathJax copies from ``tests/node_modules``:

* ``/_mathjax3/`` -> ``mathjax3`` (MathJax 3; page script ``MATHJAX3_URL_PATH``),
* ``/_mathjax4/`` -> ``mathjax4`` (MathJax 4; page script ``MATHJAX4_URL_PATH``),
* ``/_mathjax4-fonts/`` -> ``@mathjax`` (holds ``mathjax-newcm-font``, MathJax 4's default font).

MathJax 3 finds its fonts next to its script. MathJax 4's ``tex-chtml.js`` loads the
``mathjax-newcm`` font files (woff2 and dynamic data) from ``[fonts]/mathjax-newcm-font``,
where the loader path ``fonts`` defaults to ``https://cdn.jsdelivr.net/npm/@mathjax``.
To stay offline, a MathJax 4 page must point ``loader.paths.fonts`` at the folder that
holds the ``mathjax-newcm-font`` package, i.e. add this to its ``window.MathJax`` config::

    window.MathJax = {
      // URL of the folder that holds mathjax-newcm-font/:
      loader: {paths: {fonts: '/_mathjax4-fonts'}},
      tex: {...}, options: {...}, startup: {...}
    };

(A site that hosts the font elsewhere uses that folder's URL; the equivalent
per-font form is ``loader: {paths: {'mathjax-newcm': '<url of mathjax-newcm-font>'}}``.)
``typeset`` blocks every non-loopback request and reports it in ``console_errors``,
so a page that still reaches for the CDN fails the check.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Playwright, Route

NODE_MODULES: Path = Path(__file__).resolve().parent / "node_modules"
MATHJAX3_URL_PATH = "/_mathjax3/es5/tex-chtml.js"
MATHJAX4_URL_PATH = "/_mathjax4/tex-chtml.js"
MATHJAX4_FONTS_URL_PATH = "/_mathjax4-fonts"
MATHJAX4_FONT_CONFIG = "loader: {paths: {fonts: '/_mathjax4-fonts'}}"
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
ASSET_MOUNTS: tuple[tuple[str, Path], ...] = (
    ("/_mathjax3/", NODE_MODULES / "mathjax3"),
    ("/_mathjax4/", NODE_MODULES / "mathjax4"),
    (MATHJAX4_FONTS_URL_PATH + "/", NODE_MODULES / "@mathjax"),
)
MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class TypesetReport:
    """What MathJax did to one page."""

    mathjax_loaded: bool
    version: str
    rendered: int
    errors: list[str]
    console_errors: list[str]
    tag_labels: list[str]
    visible_text: str
    status: int | None = None


def _resolve(base: Path, rel: str) -> Path | None:
    """Return the file for `rel` under `base` (index.html for folders), or None."""
    base = base.resolve()
    target = (base / rel.lstrip("/")).resolve()
    if not target.is_relative_to(base):
        return None
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def _make_handler(root: Path, prefix: str) -> type[BaseHTTPRequestHandler]:
    """Build a request handler class serving `root` under `prefix` plus the MathJax assets."""

    class Handler(BaseHTTPRequestHandler):
        """Static GET/HEAD handler with GitHub-Pages-like 404s."""

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet."""

        def do_HEAD(self) -> None:
            """Answer HEAD like GET without a body."""
            self._serve(body=False)

        def do_GET(self) -> None:
            """Answer GET."""
            self._serve(body=True)

        def _serve(self, body: bool) -> None:
            """Find the file for the request path and send it (or a 404)."""
            path = unquote(urlsplit(self.path).path)
            for mount, folder in ASSET_MOUNTS:
                if path.startswith(mount):
                    return self._send_file(_resolve(folder, path[len(mount) :]), body)
            if path + "/" == prefix:
                return self._send(HTTPStatus.MOVED_PERMANENTLY, b"", body, location=prefix)
            if not path.startswith(prefix):
                return self._send_file(None, body)
            rel = path[len(prefix) :]
            if rel and not rel.endswith("/") and (root / rel).is_dir():
                return self._send(HTTPStatus.MOVED_PERMANENTLY, b"", body, location=path + "/")
            found = _resolve(root, rel)
            if found is None and (root / "404.html").is_file():
                data = (root / "404.html").read_bytes()
                return self._send(HTTPStatus.NOT_FOUND, data, body, MIME_TYPES[".html"])
            return self._send_file(found, body)

        def _send_file(self, file: Path | None, body: bool) -> None:
            """Send `file` with its MIME type, or a plain 404 when None."""
            if file is None:
                return self._send(HTTPStatus.NOT_FOUND, b"404 Not Found\n", body)
            suffix = file.suffix.lower()
            ctype = MIME_TYPES.get(suffix) or mimetypes.guess_type(file.name)[0]
            self._send(HTTPStatus.OK, file.read_bytes(), body, ctype or "application/octet-stream")

        def _send(
            self,
            status: HTTPStatus,
            data: bytes,
            body: bool,
            ctype: str = "text/plain; charset=utf-8",
            location: str | None = None,
        ) -> None:
            """Write status line, headers and (for GET) the body."""
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            if location:
                self.send_header("Location", location)
            self.end_headers()
            if body:
                self.wfile.write(data)

    return Handler


@contextmanager
def serve_directory(root: Path, prefix: str = "/") -> Iterator[str]:
    """Serve `root` at `prefix` on 127.0.0.1 and yield the site's base URL (origin + prefix)."""
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(Path(root), prefix))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="mathpress-test-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def launch_chromium(playwright: Playwright) -> Browser:
    """Launch Debian's headless Chromium with the flags these tests need."""
    return playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=list(CHROMIUM_ARGS), headless=True)


# Waits for MathJax's initial typeset (v3 and v4 alike), then reads the result.
_PROBE_JS = r"""
async ([timeoutMs, mathSelector]) => {
  const MJ = window.MathJax;
  if (!MJ || typeof MJ.version !== 'string' || !MJ.startup || !MJ.startup.promise) return null;
  const errors = [];
  const timer = (ms) => new Promise((ok) => setTimeout(() => ok('timeout'), ms));
  const outcome = await Promise.race([
    MJ.startup.promise.then(
      () => 'ok',
      (e) => 'MathJax startup failed: ' + ((e && e.message) || e),
    ),
    timer(timeoutMs),
  ]);
  if (outcome === 'timeout') {
    errors.push(`MathJax did not finish typesetting within ${timeoutMs} ms`);
  } else if (outcome !== 'ok') {
    errors.push(outcome);
  }
  if (document.fonts) await Promise.race([document.fonts.ready, timer(5000)]);
  for (const e of document.querySelectorAll('mjx-merror')) {
    errors.push(e.getAttribute('data-mjx-error') || e.textContent || 'mjx-merror');
  }
  // The noundefined extension renders an unknown \foo as red text instead of an merror.
  const doc = MJ.startup.document;
  for (const item of (doc && doc.math) || []) {
    if (!item.root) continue;
    item.root.walkTree((node) => {
      if (!node.isKind('mtext') || node.attributes.get('mathcolor') !== 'red') return;
      const text = node.childNodes.map((c) => (c.getText ? c.getText() : '')).join('');
      if (/^\\[A-Za-z@]+\*?$/.test(text)) {
        errors.push(`Undefined control sequence ${text} in: ${item.math}`);
      }
    });
  }
  for (const el of document.querySelectorAll(mathSelector)) {
    if (!el.querySelector('mjx-container')) {
      errors.push('math left untypeset: ' + el.textContent.trim());
    }
  }
  // CHTML puts \tag / auto numbers in mjx-labels > ... > mjx-mtd (id "mjx-eqn:..."); v4 keeps the
  // glyphs as text in mjx-c, v3 draws them with CSS, named by the class mjx-c<hex code point>.
  const glyph = (c) => {
    if (c.textContent) return c.textContent;
    const m = /(?:^|\s)mjx-c([0-9A-F]+)(?:\s|$)/.exec(c.getAttribute('class') || '');
    return m ? String.fromCodePoint(parseInt(m[1], 16)) : '';
  };
  const tagLabels = Array.from(document.querySelectorAll('mjx-labels mjx-mtd'))
    .map((td) => Array.from(td.querySelectorAll('mjx-c')).map(glyph).join(''))
    .filter((label) => label !== '');
  const containers = Array.from(document.querySelectorAll('mjx-container'));
  const saved = containers.map((c) => c.getAttribute('style'));
  containers.forEach((c) => c.style.setProperty('display', 'none', 'important'));
  const visibleText = document.body ? document.body.innerText : '';
  containers.forEach((c, i) => {
    if (saved[i] === null) c.removeAttribute('style');
    else c.setAttribute('style', saved[i]);
  });
  return {version: MJ.version, rendered: containers.length, errors, tagLabels, visibleText};
}
"""


def typeset(page: Page, url: str, timeout_ms: int = 20000, math_selector: str = ".math") -> TypesetReport:
    """Load `url`, wait for MathJax's first typeset, report what rendered and what went wrong.

    `errors` holds MathJax's merror messages, undefined macros, startup failures/timeouts,
    `MathJax(...)` loader failures and every `math_selector` element left without output.
    """
    console_errors: list[str] = []
    loader_errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        """Collect console errors (not favicon 404s) and MathJax loader failures."""
        if msg.type == "error":
            if not urlsplit(msg.location.get("url", "")).path.endswith("/favicon.ico"):
                console_errors.append(msg.text)
        elif msg.text.startswith("MathJax("):
            loader_errors.append(msg.text)

    def on_page_error(err: Error) -> None:
        """Collect uncaught page exceptions."""
        console_errors.append(f"page error: {err.message}")

    def on_route(route: Route) -> None:
        """Let loopback requests through; block and report anything else."""
        request_url = route.request.url
        if urlsplit(request_url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            console_errors.append(f"blocked non-local request: {request_url}")
            route.abort()

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.route("**/*", on_route)
    text = ""
    try:
        response = page.goto(url, wait_until="load", timeout=timeout_ms)
        probe = page.evaluate(_PROBE_JS, [timeout_ms, math_selector])
        if probe is None:
            text = page.evaluate("document.body ? document.body.innerText : ''")
    finally:
        page.unroute("**/*", on_route)
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_page_error)
    status = response.status if response is not None else None
    if probe is None:
        return TypesetReport(False, "", 0, loader_errors, console_errors, [], text, status)
    return TypesetReport(
        mathjax_loaded=True,
        version=probe["version"],
        rendered=probe["rendered"],
        errors=probe["errors"] + loader_errors,
        console_errors=console_errors,
        tag_labels=probe["tagLabels"],
        visible_text=probe["visibleText"],
        status=status,
    )
