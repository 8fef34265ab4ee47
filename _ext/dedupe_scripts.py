"""Drop inline scripts that Sphinx 7 writes twice into every page.

``app.add_js_file(None, body=...)`` called after the builder exists (sphinx-thebe and
sphinx-togglebutton do) registers the script twice: once on the builder with filename
``None`` and once more from the registry with filename ``""``. The two compare unequal, so
pages got ``const THEBE_JS_URL = ...`` twice, and the second declaration is a
``SyntaxError: Identifier 'THEBE_JS_URL' has already been declared`` in the browser.
This keeps the first of each identical inline script.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def _drop_duplicate_inline_scripts(app: Sphinx, pagename: str, templatename: str, context: dict,
                                   doctree: object) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        body = getattr(script, "attributes", {}).get("body")
        if not script.filename and body is not None:
            if body in seen:
                continue
            seen.add(body)
        kept.append(script)
    scripts[:] = kept


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", _drop_duplicate_inline_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
