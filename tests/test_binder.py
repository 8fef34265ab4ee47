"""The Binder / JupyterHub environment, tested as a Binder user meets it.

``binder/requirements.txt`` is the reader's part of the lock (``binder/generate.py``, run by
``make lock``): what a chapter's kernel and the notebook server need, pinned as in the lock, and
none of the build, test, lint or benchmark tools. A fresh virtual environment is built from
``binder/`` alone (requirements and postBuild, in a copy of the repository and with a
throw-away HOME); it holds exactly the pinned packages, and every chapter is executed outside
the book build, from its own folder, as a reader running it top to bottom would. The install
time and the environment's size are printed (``pytest -s``) and recorded as test properties.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT, toc_pages

pytestmark = pytest.mark.book
BINDER = ROOT / "binder"
NOT_COPIED = (".git", ".venv", "_build", "node_modules", ".pytest_cache", ".hypothesis", "*.egg-info")


# Contributors' tools that a reader's Binder image must not install.
NOT_FOR_READERS = ("jupyter-book", "sphinx-book-theme", "pytest", "hypothesis", "playwright",
                   "axe-playwright-python", "ruff", "numdifftools", "scipy")


def generator():
    spec = importlib.util.spec_from_file_location("binder_generate", BINDER / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pins(text: str) -> dict[str, str]:
    found = dict(line.split("==") for line in text.splitlines() if line and not line.startswith("#"))
    return {generator().canonical(name): version for name, version in found.items()}


def test_requirements_are_generated_from_the_lock():
    expected = generator().reader_requirements((ROOT / "requirements.lock").read_text())
    assert (BINDER / "requirements.txt").read_text() == expected, (
        "binder/requirements.txt is not what binder/generate.py writes from requirements.lock; "
        "run `make lock` (or `python binder/generate.py`)")


def test_every_pin_is_the_locks():
    lock = pins(re.sub(r"(?m)^\s+#.*$|^\s*$", "", (ROOT / "requirements.lock").read_text()))
    binder = pins((BINDER / "requirements.txt").read_text())
    assert binder and {name: lock.get(name) for name in binder} == binder
    assert not set(NOT_FOR_READERS) & set(binder), "a contributor's tool is in the Binder image"


def test_reader_packages_are_direct_dependencies():
    direct = {generator().canonical(re.split(r"[<>=!~;\s\[]", line, maxsplit=1)[0])
              for line in (ROOT / "requirements.in").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    assert set(map(generator().canonical, generator().READER)) <= direct


def test_runtime_matches_the_project_python():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.\d+", runtime), runtime
    minimum = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert minimum == ">=3.11" and int(runtime.split(".")[1]) >= 11


def test_post_build_stops_on_the_first_error():
    script = (BINDER / "postBuild").read_text()
    assert script.startswith("#!/bin/bash") and re.search(r"^set -e", script, re.MULTILINE)
    assert os.access(BINDER / "postBuild", os.X_OK)


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of the repository with a fresh venv set up exactly as Binder would."""
    base = tmp_path_factory.mktemp("binder")
    repo, home, venv = base / "repo", base / "home", base / "venv"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(*NOT_COPIED))
    home.mkdir()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, "HOME": str(home), "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "VIRTUAL_ENV": str(venv), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    env.pop("MPLBACKEND", None)
    start = time.perf_counter()
    install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r",
                              str(repo / "binder" / "requirements.txt")],
                             env=env, cwd=repo, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - start
    assert install.returncode == 0, install.stderr[-3000:]
    post = subprocess.run([str(repo / "binder" / "postBuild")], env=env, cwd=repo,
                          capture_output=True, text=True, timeout=600)
    assert post.returncode == 0, post.stdout[-2000:] + post.stderr[-3000:]
    size = sum(p.lstat().st_size for p in venv.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"\nBinder environment: {len(pins((BINDER / 'requirements.txt').read_text()))} pinned "
          f"packages installed in {seconds:.0f} s, {size / 2**20:.0f} MiB")
    return {"env": env, "repo": repo, "venv": venv, "out": base / "executed",
            "install_seconds": seconds, "size_mib": size / 2**20}


def test_environment_is_exactly_the_pins(binder_env, record_property):
    """No unpinned package came along (the lock's ``# via`` graph was complete) and none clash."""
    python = str(binder_env["venv"] / "bin" / "python")
    record_property("install_seconds", round(binder_env["install_seconds"], 1))
    record_property("size_mib", round(binder_env["size_mib"], 1))
    listed = json.loads(subprocess.run([python, "-m", "pip", "list", "--format", "json"],
                                       env=binder_env["env"], capture_output=True, text=True,
                                       check=True).stdout)
    expected = pins((BINDER / "requirements.txt").read_text())
    installed = {generator().canonical(p["name"]): p["version"] for p in listed}
    extra = {name: version for name, version in installed.items()
             if name not in expected and name not in ("pip", "codelib")}
    assert not extra, f"installed but not pinned in binder/requirements.txt: {extra}"
    assert {name: installed.get(name) for name in expected} == expected
    check = subprocess.run([python, "-m", "pip", "check"], env=binder_env["env"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_markdown_opens_as_a_notebook(binder_env):
    listing = subprocess.run(["jupytext-config", "list-default-viewer"], env=binder_env["env"],
                             capture_output=True, text=True, check=True).stdout
    viewers = dict(line.split(": ", 1) for line in listing.strip().splitlines())
    assert viewers.get("markdown") == "Jupytext Notebook" and viewers.get("myst") == "Jupytext Notebook"


def test_codelib_comes_from_the_copy(binder_env):
    where = subprocess.run([str(binder_env["venv"] / "bin" / "python"), "-c",
                            "import codelib; print(codelib.__file__)"],
                           env=binder_env["env"], cwd=binder_env["env"]["HOME"], capture_output=True,
                           text=True, check=True).stdout
    assert Path(where.strip()).is_relative_to(binder_env["repo"])


NOTEBOOKS = [page for page in toc_pages() if "```{code-cell}" in (ROOT / f"{page}.md").read_text()]


# What a reader's "Run all" does: jupytext reads the MyST file, nbclient runs it on the
# environment's python3 kernel with the chapter's folder as working directory.
RUN_ALL = """
import sys
import jupytext, nbclient, nbformat
source, output = sys.argv[1], sys.argv[2]
notebook = jupytext.read(source)
nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
nbformat.write(notebook, output)
"""


@pytest.mark.parametrize("page", NOTEBOOKS)
def test_chapter_runs_top_to_bottom(binder_env, page):
    source = binder_env["repo"] / f"{page}.md"
    output = binder_env["out"] / f"{page}.ipynb"
    output.parent.mkdir(parents=True, exist_ok=True)
    run = subprocess.run([str(binder_env["venv"] / "bin" / "python"), "-c", RUN_ALL, source.name, str(output)],
                         env=binder_env["env"], cwd=source.parent, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    assert output.is_file()
