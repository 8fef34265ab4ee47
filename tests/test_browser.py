"""The published HTML as a reader's browser sees it: Debian's Chromium driven by Playwright.

The session's strict build (``book`` in conftest.py, MathJax served from the book's own
``_static/mathjax``) is served on 127.0.0.1 at an ephemeral port, and every page named in
``_toc.yml``, the search page (with a query) and the index page are opened, each in a fresh
browser context, a few at a time. What each page shows is collected once; the tests, one per
check and page, then assert on it:

- MathJax typeset every formula: no ``mjx-merror``, every math element holds an
  ``mjx-container``, and no raw TeX delimiter is left in the visible text outside code;
- every image loaded (``naturalWidth > 0``) and every content image has descriptive alt text;
- no console error and no uncaught exception (pydata-sphinx-theme's benign "invalid theme mode"
  message aside; see DESIGN.md, "Pitfalls");
- no request leaves 127.0.0.1 (every other request is aborted and recorded) and no local
  request fails;
- notebook pages have Binder, JupyterHub and Thebe launchers for their own source file, and an
  executed ``.ipynb`` download; other pages have none;
- an axe-core scan (axe-playwright-python's bundled axe.min.js) finds no serious or critical
  accessibility violation.

Chromium is never downloaded: the tests use ``/usr/bin/chromium`` (``apt-get install chromium``)
and skip with that reason when it is missing (fail under ``BOOK_REQUIRE_ALL=1``).
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import json
import os
import re
import shutil
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from conftest import ROOT, require, toc_pages

pytestmark = pytest.mark.book

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 30_000                     # any one browser step
PAGE_TIMEOUT_S = 120                    # one page, axe scan included
PARALLEL = max(2, min(4, os.cpu_count() or 2))
# pydata-sphinx-theme logs this on a first visit (no stored theme mode); it is harmless.
BENIGN_CONSOLE = ("invalid theme mode",)
SEARCH_QUERY = "Hessian"                # a word every reader of the book will search for
TOC_PAGES = toc_pages()
PAGES = [*TOC_PAGES, "search", "genindex"]


def chromium() -> str | None:
    path = Path("/usr/bin/chromium")
    return str(path) if path.exists() else shutil.which("chromium")


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"


def source_text(page: str) -> str:
    source = ROOT / f"{page}.md"
    return source.read_text() if page in TOC_PAGES and source.is_file() else ""


def is_notebook(page: str) -> bool:
    """A MyST notebook: a .md file with a jupytext/kernelspec header (these get launch buttons)."""
    match = re.match(r"---\n(.*?)\n---\n", source_text(page), re.S)
    header = yaml.safe_load(match.group(1)) if match else None
    return isinstance(header, dict) and "kernelspec" in header


def has_math(page: str) -> bool:
    """Whether the page's source has math outside code (dollar math, {math}, amsmath)."""
    text = re.sub(r"^(`{3,}|~{3,}).*?^\1\s*$", "", source_text(page), flags=re.S | re.M)
    text = re.sub(r"`[^`\n]*`", "", text)
    return bool(re.search(r"\$[^$\n]+\$|\{math\}|\\begin\{", text))


@functools.cache
def settings() -> dict:
    """The repository and launch settings of _config.yml, the one place that names them."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo, launch = config["repository"], config["launch_buttons"]
    url = repo["url"].rstrip("/")
    org, name = urlsplit(url).path.strip("/").split("/")[:2]
    return {"url": url, "slug": f"{org}/{name}", "name": name,
            "branch": repo.get("branch", "master"),           # Jupyter Book's own default
            "book": (repo.get("path_to_book") or "").strip("/"),
            "binder": launch["binderhub_url"].rstrip("/"),
            "hub": launch["jupyterhub_url"].rstrip("/"),
            "ui": "lab" if launch.get("notebook_interface") == "jupyterlab" else "tree"}


# --- what the browser sees -----------------------------------------------------------------

MATHJAX_DONE = """async () => {
    if (!document.querySelector('script[src*="mathjax"]')) return "no mathjax";
    const start = Date.now();
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
        if (Date.now() - start > 20000) return "MathJax did not start";
        await new Promise(r => setTimeout(r, 50));
    }
    await MathJax.startup.promise;
    return "typeset";
}"""

# Load every image now (no lazy loading), scroll through the page, wait until all settle.
LOAD_IMAGES = """async () => {
    const images = [...document.images];
    images.forEach(img => { img.loading = "eager"; });
    for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight) {
        window.scrollTo(0, y);
        await new Promise(r => requestAnimationFrame(r));
    }
    window.scrollTo(0, 0);
    await Promise.all(images.map(img => img.complete ? null : new Promise(r => {
        img.addEventListener("load", r); img.addEventListener("error", r);
    })));
}"""

FACTS = """() => {
    // The visible text outside code and rendered math, where no TeX delimiter may remain.
    // Search results' excerpts (p.context) are the pages' plain text, TeX source included:
    // Sphinx's search shows them as text, MathJax never sees them.
    const body = document.body.cloneNode(true);
    body.querySelectorAll("pre, code, .cell_input, script, style, .MathJax_Preview, "
                          + "mjx-container, mjx-assistive-mml, #search-results p.context")
        .forEach(e => e.remove());
    const thebe = document.querySelector('script[type="text/x-thebe-config"]');
    return {
        prose: body.innerText,
        containers: document.querySelectorAll("mjx-container").length,
        math: document.querySelectorAll(".math").length,
        merrors: [...document.querySelectorAll("mjx-merror")].map(
            e => (e.getAttribute("data-mjx-error") || e.textContent).slice(0, 120)),
        untypeset: [...document.querySelectorAll(".math")]
            .filter(e => !e.querySelector("mjx-container"))
            .map(e => e.textContent.trim().slice(0, 80)),
        images: [...document.images].map(i => ({
            src: i.src.slice(0, 100), loaded: i.complete && i.naturalWidth > 0,
            alt: i.getAttribute("alt"), content: !!i.closest("article"),
            figure: !!i.closest("figure")})),
        links: [...document.querySelectorAll("a[href]")].map(a => a.href),
        thebe: [...document.querySelectorAll("button.btn-launch-thebe")].map(b => b.innerText),
        thebeConfig: thebe ? thebe.textContent : null,
        searchResults: document.querySelectorAll("#search-results ul.search > li").length,
    };
}"""


@dataclass
class Seen:
    """What one page showed the browser."""
    name: str
    url: str
    error: str | None = None            # the page could not be surveyed at all
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    mathjax: str = ""                   # "typeset", "no mathjax" or "MathJax did not start"
    facts: dict = field(default_factory=dict)
    violations: list[dict] = field(default_factory=list)


async def survey(browser, site: str, name: str, limit: asyncio.Semaphore) -> Seen:
    from axe_playwright_python.async_playwright import Axe

    url = f"{site}{name}.html" + (f"?q={SEARCH_QUERY}" if name == "search" else "")
    seen, recording = Seen(name, url), [True]

    def record(target: list, text: str) -> None:
        if recording[0]:                # what a reader's visit does, not the axe scan after it
            target.append(text)

    def on_console(message) -> None:
        if message.type == "error" and not any(b in message.text for b in BENIGN_CONSOLE):
            record(seen.console_errors, f"{message.text} ({(message.location or {}).get('url')})")

    async def block(route) -> None:     # everything not on 127.0.0.1 is aborted, not fetched
        await route.abort("blockedbyclient")

    async def visit(context) -> None:
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda error: record(seen.page_errors, str(error)))
        page.on("request", lambda request: record(seen.requests, request.url))
        page.on("websocket", lambda socket: record(seen.requests, socket.url))
        page.on("requestfailed", lambda request: record(
            seen.failed, f"{request.failure} {request.url}"))
        page.on("response", lambda response: response.status < 400 or record(
            seen.failed, f"{response.status} {response.url}"))
        await page.route(lambda url: not is_local(url), block)
        await page.goto(url, wait_until="load")
        seen.mathjax = await page.evaluate(MATHJAX_DONE)
        await page.evaluate(LOAD_IMAGES)
        if name == "search":
            await page.wait_for_selector("#search-results .search-summary")
        await page.wait_for_load_state("networkidle")
        seen.facts = await page.evaluate(FACTS)
        recording[0] = False
        # axe-core resolves theme.css's @import "../basic.css" against the page rather
        # than the stylesheet and fetches a missing file; that is the scan, not the page.
        results = await Axe().run(page)
        seen.violations = results.response["violations"]

    # The page's time limit starts when it gets its turn, not while it waits for a free slot:
    # on a loaded machine the queue alone can outlast it.
    async with limit:
        context = await browser.new_context()
        try:
            await asyncio.wait_for(visit(context), PAGE_TIMEOUT_S)
        except Exception as error:      # noqa: BLE001 (reported by every test of this page)
            seen.error = f"{type(error).__name__}: {error}"
        finally:
            await context.close()
    return seen


async def survey_all(executable: str, site: str) -> dict[str, Seen]:
    from playwright.async_api import async_playwright

    limit = asyncio.Semaphore(PARALLEL)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                          headless=True)
        try:
            seen = await asyncio.gather(*(survey(browser, site, name, limit) for name in PAGES),
                                        return_exceptions=True)
        finally:
            await browser.close()
    return {name: s if isinstance(s, Seen) else Seen(name, "", error=repr(s))
            for name, s in zip(PAGES, seen)}


# --- fixtures --------------------------------------------------------------------------------

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        pass


@pytest.fixture(scope="module")
def site(book) -> str:
    """The built HTML served on 127.0.0.1 at an ephemeral port; yields its base URL."""
    require(chromium() is not None, "Debian's chromium is not installed (apt-get install chromium)")
    require(book.local_mathjax, "MathJax is not installed locally (run npm ci)")
    if not (book.html / "search.html").is_file():
        pytest.fail(f"the book build wrote no HTML; see test_book.py\n{book.log[-3000:]}")
    handler = functools.partial(QuietHandler, directory=str(book.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def pages(site) -> dict[str, Seen]:
    """Every page, surveyed once in one Chromium."""
    return asyncio.run(survey_all(chromium(), site))


@pytest.fixture(params=PAGES)
def seen(request, pages) -> Seen:
    seen = pages[request.param]
    assert seen.error is None, f"{seen.url}: {seen.error}"
    return seen


# --- the checks ------------------------------------------------------------------------------

RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\$[^$\s][^$\n]*\$")


def test_mathjax_typesets_every_formula(seen):
    facts = seen.facts
    assert seen.mathjax != "MathJax did not start"
    assert not facts["merrors"], f"MathJax errors: {facts['merrors']}"
    assert not facts["untypeset"], f"math left untypeset: {facts['untypeset'][:5]}"
    if has_math(seen.name):
        assert seen.mathjax == "typeset", "the page has math but loads no MathJax"
        assert facts["math"] > 0 and facts["containers"] >= facts["math"], facts
    raw = sorted({facts["prose"][max(m.start() - 30, 0):m.end() + 30].replace("\n", " ")
                  for m in RAW_TEX.finditer(facts["prose"])})
    assert not raw, f"raw TeX in the visible text: {raw[:5]}"


def test_every_image_loads(seen):
    images = seen.facts["images"]
    broken = sorted({i["src"] for i in images if not i["loaded"]})
    assert not broken, f"{len(broken)} of {len(images)} images did not load: {broken}"


def test_every_figure_has_alt_text(seen):
    """Figures and other content images carry a description: not nothing, not a file name."""
    content = [i for i in seen.facts["images"] if i["content"] or i["figure"]]
    missing = [i["src"] for i in content if not (i["alt"] or "").strip()]
    file_names = [i["alt"] for i in content
                  if re.search(r"\.(png|svg|jpe?g|gif)$", (i["alt"] or "").strip(), re.I)]
    assert not missing, f"images without alt text: {missing}"
    assert not file_names, f"images whose alt text is a file name: {file_names}"


def test_no_console_errors(seen):
    assert not seen.page_errors, f"uncaught exceptions: {seen.page_errors}"
    assert not seen.console_errors, f"console errors: {seen.console_errors}"


def test_no_request_leaves_localhost(seen):
    outside = sorted({url for url in seen.requests if not is_local(url)})
    assert not outside, f"requests that would leave the machine: {outside}"
    assert not seen.failed, f"failed local requests: {seen.failed}"
    if seen.mathjax == "typeset":
        assert any("/_static/mathjax/" in url for url in seen.requests), "MathJax not local"


def test_launch_links_point_to_the_source(seen, site):
    s, links = settings(), seen.facts["links"]
    binder = [h for h in links if h.startswith(s["binder"] + "/")]
    hub = [h for h in links if h.startswith(s["hub"] + "/")]
    downloads = [h for h in links if urlsplit(h).path.endswith(".ipynb")]
    if not is_notebook(seen.name):
        assert not (binder or hub or downloads or seen.facts["thebe"]), \
            "a page that is not a notebook has launchers"
        return

    source = f"{s['book']}/{seen.name}.md".lstrip("/")
    assert binder == [f"{s['binder']}/v2/gh/{s['slug']}/{s['branch']}"
                      f"?urlpath={s['ui']}/tree/{source}"]
    assert len(hub) == 1, hub
    parts = urlsplit(hub[0])
    assert (f"{parts.scheme}://{parts.netloc}", parts.path) == (s["hub"], "/hub/user-redirect/git-pull")
    assert parse_qs(parts.query) == {"repo": [s["url"]], "branch": [s["branch"]],
                                     "urlpath": [f"{s['ui']}/tree/{s['name']}/{source}"]}

    assert [t.strip().lower() for t in seen.facts["thebe"]] == ["live code"]
    config = seen.facts["thebeConfig"] or ""
    assert re.search(rf'repo:\s*"{re.escape(s["slug"])}"', config), config
    assert re.search(rf'ref:\s*"{re.escape(s["branch"])}"', config), config

    notebook = [h for h in downloads if h.endswith(f"/{seen.name}.ipynb")]
    assert len(notebook) == 1 and notebook[0].startswith(site), downloads
    with urllib.request.urlopen(notebook[0], timeout=10) as response:
        assert response.status == 200
        cells = json.load(response)["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code and any(c.get("outputs") for c in code), "the download is not an executed notebook"


def test_accessibility(seen):
    bad = [v for v in seen.violations if v["impact"] in ("serious", "critical")]
    report = [f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes; {v['help']}): "
              + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3]) for v in bad]
    assert not report, "axe-core violations:\n" + "\n".join(report)


def test_search_finds_the_book_offline(pages):
    search = pages["search"]
    assert search.error is None, search.error
    assert search.facts["searchResults"] > 0, f"no result for {SEARCH_QUERY!r}"


def test_every_toc_page_was_checked(pages):
    """Every _toc.yml page was surveyed, and some are notebooks (so launchers were checked)."""
    assert set(TOC_PAGES) <= set(pages)
    assert [page for page in TOC_PAGES if is_notebook(page)], "no notebook page found"
