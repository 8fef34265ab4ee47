"""Live Code that runs: the Thebe the book pins, on Binder or on a Jupyter server you name.

Jupyter Book 1.0.4 ships sphinx-thebe 0.3.1, whose front end (``sphinx-thebe.js``) was written
for thebe 0.8.2 and loads it from a CDN when a reader clicks *Live Code*. The book pins thebe
0.9.3 in ``package-lock.json`` instead (the npm registry the book's machines reach has no 0.8),
and with 0.9 sphinx-thebe's front end cannot run a cell anywhere but on Binder, and not always
there:

1. thebe 0.9's ``bootstrap()`` merges ``useBinder: true`` over the page's own configuration, and
   sphinx-thebe calls it with no arguments: a page cannot name any other Jupyter server.
2. sphinx-thebe writes ``kernelOptions.name``; thebe-core 0.5 reads ``kernelOptions.kernelName``
   and otherwise asks the server for a kernel called ``python``, which a Jupyter server lacks.
3. thebe 0.9 pairs the n-th executable cell with the n-th ``[data-output]`` element of the page.
   sphinx-thebe marks an output only where the build left one, so a cell without output (the
   imports) would write into the output of a later cell (a figure).
4. It selects each cell's source with ``pre``, which in a cell whose input is removed is the
   *output's* text, made executable.
5. Nothing loads thebe 0.9's stylesheet (``lib/thebe.css``).
6. thebe typesets LaTeX outputs (SymPy's) with MathJax 2, which it loads from a CDN on top of
   the page's own MathJax 3.

So this extension replaces sphinx-thebe's script (``sphinx-thebe.js`` and its inline
``THEBE_JS_URL`` line) with the book's own, ``_ext/static/live-code.js``: on *Live Code* it loads
thebe and its stylesheet, gives every code cell an output of its own, starts thebe with the
page's kernel on the server chosen at build time, and typesets LaTeX outputs with the page's
MathJax 3. sphinx-thebe still writes each page's ``text/x-thebe-config`` (repository, branch,
kernel) and sphinx-book-theme its *Live Code* button.

Two environment variables, both unset for the published book:

``BOOK_THEBE_JS``
    thebe's ``lib`` folder (``node_modules/thebe/lib`` after ``npm ci``): it is copied to
    ``_build/html/_static/thebe`` and pages load thebe from there. Unset, pages load the same
    version from ``https://cdn.jsdelivr.net/npm/thebe@<version>/lib/``. Either way the version
    is the one in ``package-lock.json``, and a local folder of another version is an error, so
    the browser test runs the Thebe the published book loads.
``BOOK_THEBE_URL``
    a Jupyter server as ``jupyter server`` prints it, ``http://127.0.0.1:8888/?token=...``:
    *Live Code* starts its kernels there instead of on Binder. The server must allow the
    book's origin (``--ServerApp.allow_origin``). Unset, *Live Code* uses the BinderHub of
    ``launch_buttons.binderhub_url`` (sphinx-thebe left thebe's default, mybinder.org) with the
    ``repository`` of ``_config.yml``, as the Binder launch button does.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CDN = "https://cdn.jsdelivr.net/npm/thebe@{version}/lib/"
SCRIPT = "live-code.js"
# What sphinx-thebe adds to every page and this extension replaces.
THEBE_SCRIPT = "sphinx-thebe.js"
THEBE_INLINE = "const THEBE_JS_URL"


def thebe_version() -> str:
    """The thebe version pinned in package-lock.json."""
    lock = json.loads((ROOT / "package-lock.json").read_text())
    try:
        return lock["packages"]["node_modules/thebe"]["version"]
    except KeyError as error:
        raise ExtensionError("package-lock.json pins no thebe; add it with "
                             "`npm install --save-exact thebe@<version>`") from error


def _local_thebe() -> Path | None:
    value = os.environ.get("BOOK_THEBE_JS")
    if not value:
        return None
    folder = Path(value)
    package = folder.parent / "package.json"
    if not (folder / "index.js").is_file() or not package.is_file():
        raise ExtensionError(f"BOOK_THEBE_JS={value} has no index.js beside a package.json; point "
                             "it to thebe's lib folder, node_modules/thebe/lib after `npm ci`.")
    found, pinned = json.loads(package.read_text()).get("version"), thebe_version()
    if found != pinned:
        raise ExtensionError(f"BOOK_THEBE_JS={value} is thebe {found}, but package-lock.json pins "
                             f"{pinned}: run `npm ci`.")
    return folder


def server_settings(url: str) -> dict:
    """Thebe's ``serverSettings`` for a Jupyter server URL with an optional ``?token=``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExtensionError(f"BOOK_THEBE_URL={url} is not a Jupyter server URL such as "
                             "http://127.0.0.1:8888/?token=...")
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/"
    settings = {"baseUrl": base, "wsUrl": "ws" + base[len("http"):], "appendToken": True}
    token = parse_qs(parts.query).get("token")
    if token:
        settings["token"] = token[0]
    return settings


def settings(binderhub_url: str | None = None) -> dict:
    """What live-code.js needs: where thebe is, and which server (None: the BinderHub)."""
    local, version = _local_thebe(), thebe_version()
    base = "thebe/" if local else CDN.format(version=version)   # "thebe/": beside live-code.js
    url = os.environ.get("BOOK_THEBE_URL")
    return {"version": version, "js": base + "index.js", "css": base + "thebe.css",
            "server": server_settings(url) if url else None,
            "binderUrl": (binderhub_url or "https://mybinder.org").rstrip("/")}


def _add_scripts(app: Sphinx, config: Config) -> None:
    config.html_static_path.append(str(HERE / "static"))
    launch = (config.html_theme_options or {}).get("launch_buttons") or {}
    body = f"const BOOK_LIVE_CODE = {json.dumps(settings(launch.get('binderhub_url')), sort_keys=True)};"
    app.add_js_file(None, body=body)
    app.add_js_file(SCRIPT)


def _drop_sphinx_thebe_script(app: Sphinx, pagename: str, templatename: str, context: dict,
                              doctree: object) -> None:
    scripts = context.get("script_files")
    if scripts:
        scripts[:] = [script for script in scripts if not _is_sphinx_thebes(script)]


def _is_sphinx_thebes(script: object) -> bool:
    filename = str(getattr(script, "filename", None) or "")
    body = getattr(script, "attributes", {}).get("body") or ""
    return filename.endswith(THEBE_SCRIPT) or body.startswith(THEBE_INLINE)


def _copy_thebe(app: Sphinx, exception: Exception | None) -> None:
    folder = _local_thebe()
    if exception is None and folder is not None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / "thebe"
        shutil.copytree(folder, target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.map", "types"))


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _add_scripts)
    app.connect("html-page-context", _drop_sphinx_thebe_script, priority=950)
    app.connect("build-finished", _copy_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
