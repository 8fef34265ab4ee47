"""Accessibility fixes for markup the book does not write itself (found by tests/test_browser.py).

- pydata-sphinx-theme 0.17's sidebar wraps each expandable entry's chevron in a ``<summary>``
  with no text (axe ``summary-name``, serious): give it an ``aria-label``.
- docutils 0.21 writes the bibliography as ``<div role="list">`` of ``role="doc-biblioentry"``,
  a role DPUB-ARIA 1.1 deprecated, so the list has no valid items (axe
  ``aria-required-children``, critical): use ``role="listitem"``.
"""

from __future__ import annotations

import functools

from bs4 import BeautifulSoup
from sphinx.application import Sphinx


def _label_summaries(html):
    soup = html if isinstance(html, BeautifulSoup) else BeautifulSoup(str(html), "html.parser")
    for summary in soup.select("details > summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue
        link = summary.find_parent("li")
        link = link.find("a", recursive=False) if link else None
        title = link.get_text(" ", strip=True) if link else ""
        summary["aria-label"] = f"Toggle navigation of {title}" if title else "Toggle navigation"
    return soup if isinstance(html, BeautifulSoup) else str(soup)


def _fix_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    generate = context.get("generate_toctree_html")
    if generate is not None:
        context["generate_toctree_html"] = functools.wraps(generate)(
            lambda *args, **kwargs: _label_summaries(generate(*args, **kwargs)))
    if "body" in context:
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", _fix_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
