"""Every explorable of the built book, played in Chromium as a reader plays it.

The pages are those of ``_toc.yml`` whose built HTML holds a ``div.codelib-explorable`` (made by
``codelib.explore``). Each is opened from the strict build served on 127.0.0.1 (the ``site``
fixture of ``test_browser.py``), and :func:`explorable_driver.drive_all` moves every slider with
the keyboard (Home, arrows, End) and the mouse (a click, drags past each end), presses Play and
Pause, and after each move checks that every drawn element shows the precomputed result for the
sliders' values (``data-param-index``, the path up to the shown step, the head, the image) and
that the sliders say their value with its name. No console error may appear and no request may leave 127.0.0.1.

While no page has an explorable the test skips with that reason (even under ``BOOK_REQUIRE_ALL=1``);
a missing Chromium skips it, or fails it under ``BOOK_REQUIRE_ALL=1``, as in ``test_browser.py``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from explorable_driver import drive_all
from test_browser import (  # noqa: F401 (site is a fixture)
    BENIGN_CONSOLE,
    CHROMIUM_ARGS,
    MATHJAX_DONE,
    PAGE_TIMEOUT_S,
    TIMEOUT_MS,
    TOC_PAGES,
    chromium,
    is_local,
    site,
)

pytestmark = pytest.mark.book

MARK = 'class="codelib-explorable"'


@dataclass
class Played:
    """What playing the explorables of one page showed."""
    page: str
    count: int = 0
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


async def play(browser, url: str, name: str) -> Played:
    played = Played(name)
    context = await browser.new_context()
    try:
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        page.on("console", lambda m: m.type == "error" and not any(b in m.text for b in BENIGN_CONSOLE)
                and played.errors.append(m.text))
        page.on("pageerror", lambda error: played.errors.append(str(error)))
        page.on("request", lambda request: is_local(request.url) or played.outside.append(request.url))

        async def block(route) -> None:     # everything not on 127.0.0.1 is aborted, not fetched
            await route.abort("blockedbyclient")

        await page.route(lambda target: not is_local(target), block)
        await page.goto(url, wait_until="load")
        await page.evaluate(MATHJAX_DONE)   # typesetting moves the sliders; wait before clicking
        played.count, played.problems = await asyncio.wait_for(drive_all(page), PAGE_TIMEOUT_S)
    except Exception as error:  # noqa: BLE001 (reported by the test)
        played.problems.append(f"{type(error).__name__}: {error}")
    finally:
        await context.close()
    return played


async def play_all(executable: str, site_url: str, pages: list[str]) -> list[Played]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            return [await play(browser, f"{site_url}{name}.html", name) for name in pages]
        finally:
            await browser.close()


def pages_with_explorables(html_dir) -> list[str]:
    return [page for page in TOC_PAGES
            if (html_dir / f"{page}.html").is_file() and MARK in (html_dir / f"{page}.html").read_text()]


def report(played: list[Played]) -> list[str]:
    lines = []
    for p in played:
        if p.count == 0:
            lines.append(f"{p.page}: the built HTML has an explorable, the browser found none")
        lines += [f"{p.page}: {problem}" for problem in p.problems]
        lines += [f"{p.page}: console error: {error}" for error in p.errors]
        lines += [f"{p.page}: request leaving 127.0.0.1: {url}" for url in sorted(set(p.outside))]
    return lines


def test_every_explorable_answers_its_sliders(site, book):  # noqa: F811 (the fixture imported above)
    pages = pages_with_explorables(book.html)
    if not pages:
        pytest.skip("no page of the book has an explorable yet (a div.codelib-explorable made by "
                    "codelib.explore)")
    lines = report(asyncio.run(play_all(chromium(), site, pages)))
    assert not lines, f"explorables on {pages}:\n" + "\n".join(lines[:40])
