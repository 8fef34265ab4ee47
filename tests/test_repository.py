"""What another course needs to adopt the book: the licences and how to cite it."""

from __future__ import annotations

import tomllib

import yaml
from conftest import ROOT


def test_the_code_is_mit_licensed_in_the_licence_file_and_the_package():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == {"text": "MIT"}


def test_the_text_is_cc_by_4_with_its_legal_code():
    text = (ROOT / "LICENSE-TEXT.md").read_text()
    assert "Creative Commons Attribution 4.0 International Public License" in text
    assert "Section 3 – License Conditions." in text  # the legal code itself, not only a link
    assert "CC BY 4.0" in (ROOT / "_config.yml").read_text()  # in every page's footer


def test_the_citation_file_says_how_to_cite():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert {"message", "title", "authors", "license", "repository-code"} <= set(cff)
    assert set(cff["license"]) == {"CC-BY-4.0", "MIT"}
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    assert cff["repository-code"] == repository
