"""_ext/live_code.py's settings: the pinned thebe, from a CDN or the book's files; Binder or a server."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import ROOT, THEBE_DIR
from sphinx.errors import ExtensionError

sys.path.insert(0, str(ROOT / "_ext"))
import live_code  # noqa: E402 (the extension lives in _ext, not in a package)

PINNED = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/thebe"]["version"]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    monkeypatch.delenv("BOOK_THEBE_JS", raising=False)
    monkeypatch.delenv("BOOK_THEBE_URL", raising=False)


def test_published_pages_load_the_pinned_thebe_and_use_binder():
    settings = live_code.settings()
    assert settings["version"] == PINNED == live_code.thebe_version()
    assert settings["js"] == f"https://cdn.jsdelivr.net/npm/thebe@{PINNED}/lib/index.js"
    assert settings["css"] == f"https://cdn.jsdelivr.net/npm/thebe@{PINNED}/lib/thebe.css"
    assert settings["server"] is None
    assert settings["binderUrl"] == "https://mybinder.org"
    assert live_code.settings("https://binder.example.edu/")["binderUrl"] == "https://binder.example.edu"


def test_a_named_server_replaces_binder(monkeypatch):
    monkeypatch.setenv("BOOK_THEBE_URL", "http://127.0.0.1:8888/lab?token=abc123")
    assert live_code.settings()["server"] == {
        "baseUrl": "http://127.0.0.1:8888/lab/", "wsUrl": "ws://127.0.0.1:8888/lab/",
        "token": "abc123", "appendToken": True}
    assert live_code.server_settings("https://hub.example.edu/user/me")["wsUrl"] == \
        "wss://hub.example.edu/user/me/"


@pytest.mark.parametrize("url", ["127.0.0.1:8888", "ftp://example.org/", "http://"])
def test_a_malformed_server_url_says_what_is_expected(monkeypatch, url):
    monkeypatch.setenv("BOOK_THEBE_URL", url)
    with pytest.raises(ExtensionError, match="BOOK_THEBE_URL"):
        live_code.settings()


def test_local_thebe_must_be_the_pinned_version(monkeypatch, tmp_path):
    lib = tmp_path / "thebe" / "lib"
    lib.mkdir(parents=True)
    (lib / "index.js").write_text("")
    (lib.parent / "package.json").write_text(json.dumps({"name": "thebe", "version": "0.0.1"}))
    monkeypatch.setenv("BOOK_THEBE_JS", str(lib))
    with pytest.raises(ExtensionError, match=f"pins {PINNED}"):
        live_code.settings()
    monkeypatch.setenv("BOOK_THEBE_JS", str(tmp_path))
    with pytest.raises(ExtensionError, match="thebe's lib folder"):
        live_code.settings()


def test_local_thebe_is_served_beside_the_script(monkeypatch):
    if not (THEBE_DIR / "index.js").is_file():
        pytest.skip("thebe is not installed locally (run npm ci)")
    monkeypatch.setenv("BOOK_THEBE_JS", str(THEBE_DIR))
    settings = live_code.settings()
    assert (settings["js"], settings["css"]) == ("thebe/index.js", "thebe/thebe.css")
    assert (THEBE_DIR / "thebe.css").is_file()
