"""Live Code runs: a page's cells executed by a real Jupyter server, seen in Debian's Chromium.

The session's strict build (``book`` in conftest.py) loads thebe from the book's own
``_static/thebe`` (the npm package pinned in ``package-lock.json``, the version the published
pages load from a CDN) and points Live Code at ``BOOK_THEBE_URL``, a Jupyter server on
127.0.0.1 whose port and token conftest chose (see ``_ext/live_code.py``). This test starts that
server from the book's own environment (its ``jupyter_server``, its ``python3`` kernel, codelib
from this tree), serves the HTML on 127.0.0.1, opens the first notebook page whose first code
cell imports codelib, clicks the *Launch* menu's *Live Code*, waits for the kernel and clicks
*run* on the page's code cells in order, up to and including the first figure. Then:

- the codelib import ran (no error output anywhere);
- every cell that printed in the build prints the same text again, from the kernel;
- the figure cell's new output is a PNG from the kernel (a ``data:`` image, not the build's file);
- no request left 127.0.0.1 (Binder, CDNs and thebe's MathJax 2 included) and the console shows
  no error.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from conftest import ROOT, require, toc_pages
from test_browser import BENIGN_CONSOLE, CHROMIUM_ARGS, QuietHandler, chromium, is_local, source_text

pytestmark = pytest.mark.book

STEP_MS = 120_000           # the kernel's start, and any one cell (the first imports SymPy)
MAX_CELLS = 12              # the figure must come within the page's first cells
CODELIB_IMPORT = re.compile(r"^\s*(from codelib import|import codelib)", re.M)


def live_page() -> str:
    """The first notebook page in _toc.yml whose first code cell imports codelib."""
    for page in toc_pages():
        cells = re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", source_text(page), re.S | re.M)
        if cells and CODELIB_IMPORT.search(cells[0]):
            return page
    raise AssertionError("no page's first code cell imports codelib")


@pytest.fixture(scope="module")
def site(book):
    """The built HTML on 127.0.0.1 at an ephemeral port."""
    require(chromium() is not None, "Debian's chromium is not installed (apt-get install chromium)")
    require(book.thebe_url is not None, "thebe is not installed locally (run npm ci)")
    if not (book.html / "index.html").is_file():
        pytest.fail(f"the book build wrote no HTML; see test_book.py\n{book.log[-3000:]}")
    handler = functools.partial(QuietHandler, directory=str(book.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def jupyter(book, site, tmp_path_factory: pytest.TempPathFactory):
    """The Jupyter server the pages were built to use, from the book's environment."""
    url = urlsplit(book.thebe_url)
    token = parse_qs(url.query)["token"][0]
    home = tmp_path_factory.mktemp("jupyter")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(home), "IPYTHONDIR": str(home / "ipython"),
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "MPLCONFIGDIR": str(home / "mpl")}
    env.pop("MPLBACKEND", None)         # the kernel's inline backend shows the figures
    command = [sys.executable, "-m", "jupyter_server", "--no-browser", f"--ServerApp.ip={url.hostname}",
               f"--ServerApp.port={url.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.allow_origin={site}",
               f"--ServerApp.root_dir={ROOT}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI runs as root
    log = home / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://{url.netloc}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the Jupyter server did not start on {url.netloc}:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# What each code cell of the page showed in the build, read before Live Code replaces it.
BUILT_OUTPUTS = """() => [...document.querySelectorAll(".cell")]
    .filter(cell => cell.querySelector(".cell_input pre"))
    .map(cell => {
        const output = cell.querySelector(".cell_output");
        const text = output ? [...output.querySelectorAll(".output.text_plain, .output.stream")]
            .map(e => e.innerText.trim()).join("\\n") : "";
        return {text, figure: !!(output && output.querySelector("img"))};
    })"""

LIVE_OUTPUT = """(cell) => {
    const output = document.querySelectorAll("[data-output]")[cell];
    return {
        text: [...output.querySelectorAll('[data-mime-type="application/vnd.jupyter.stdout"],'
                                          + '[data-mime-type="text/plain"]')]
            .map(e => e.innerText.trim()).join("\\n"),
        errors: [...output.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')]
            .map(e => e.innerText.slice(0, 2000)),
        images: [...output.querySelectorAll(".jp-OutputArea img")].map(i => i.src.slice(0, 30)),
    };
}"""


def test_live_code_runs_the_first_cells(book, site, jupyter):
    from playwright.sync_api import sync_playwright

    page_name = live_page()
    outside, console, errors = [], [], []
    started = time.perf_counter()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.set_default_timeout(STEP_MS)
            page.on("console", lambda m: m.type == "error" and not any(
                b in m.text for b in BENIGN_CONSOLE) and console.append(m.text))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("websocket", lambda socket: is_local(socket.url) or outside.append(socket.url))

            def block(route) -> None:
                outside.append(route.request.url)
                route.abort("blockedbyclient")

            page.route(lambda url: not is_local(url), block)
            page.goto(f"{site}/{page_name}.html", wait_until="load")
            binder = yaml.safe_load((ROOT / "_config.yml").read_text())["launch_buttons"]["binderhub_url"]
            assert page.evaluate("BOOK_LIVE_CODE.binderUrl") == binder.rstrip("/")   # when unset
            built = page.evaluate(BUILT_OUTPUTS)
            figure = next((i for i, cell in enumerate(built[:MAX_CELLS]) if cell["figure"]), None)
            assert figure is not None, f"{page_name}: no figure in the first {MAX_CELLS} code cells"

            # The reader's way in: the Launch menu (the rocket), then Live Code.
            page.locator(".dropdown-launch-buttons > button").click()
            page.locator("button.btn-launch-thebe").click()
            page.wait_for_function("['ready', 'failed'].includes(document.body.dataset.liveCode)")
            status = page.locator(".thebe-launch-button").inner_text()
            assert page.evaluate("document.body.dataset.liveCode") == "ready", status
            assert book.thebe_url.split("?")[0] in status, status      # the local server, not Binder
            kernel_ready = time.perf_counter() - started

            cells = page.locator(".thebe-cell")
            assert cells.count() == len(built), "not every code cell became a Live Code cell"
            for i in range(figure + 1):
                run = cells.nth(i).locator(".thebe-run-button")
                if not run.is_visible():                # a hide-input cell: show its source first
                    cells.nth(i).evaluate("cell => { cell.closest('details').open = true; }")
                run.click()
                page.wait_for_function(
                    "cell => getComputedStyle(cell.querySelector('.thebe-busy')).display === 'none'",
                    arg=cells.nth(i).element_handle())
            live = [page.evaluate(LIVE_OUTPUT, i) for i in range(figure + 1)]
        finally:
            browser.close()
    seconds = time.perf_counter() - started
    print(f"\nLive Code on {page_name}: kernel ready after {kernel_ready:.1f} s, "
          f"{figure + 1} cells run, {seconds:.1f} s in all")

    problems = [f"cell {i}: {e}" for i, output in enumerate(live) for e in output["errors"]]
    assert not problems, "a cell failed in the live kernel (codelib importable?):\n" + "\n".join(problems)
    for i, (then, now) in enumerate(zip(built, live)):
        if then["text"]:
            assert now["text"].split() == then["text"].split(), f"cell {i} printed something else live"
    assert any(now["text"] for now in live), "no cell printed anything live"
    assert any(src.startswith("data:image/png") for src in live[figure]["images"]), live[figure]
    assert not outside, f"requests that would leave the machine: {sorted(set(outside))}"
    assert not errors and not console, f"uncaught: {errors}; console errors: {console}"
    assert jupyter.poll() is None, "the Jupyter server died"
