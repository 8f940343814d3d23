"""docs/rules.md, the project's statement of its rules: every rule a comment or a document
cites ("spec 2.4", "rules 4-5") is a section of it, its numbers are those of the contract it
restates, and the defaults it names are the knobs' (dbt_project.yml)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pricer import knobs

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "docs" / "rules.md"
CONTRACT = ROOT.parent / "shared" / "spec" / "curation.md"
CITED_IN = ("python", "models", "macros", "tests", "bench", "scripts", "seeds")
CITED_FILES = ("README.md", "dbt_project.yml", "profiles.yml", "pyproject.toml")
# "spec 2.4", "Spec section 1", "rules 2.7-2.8", "spec sections 1 and 4", "spec 4-5"
CITATION = re.compile(
    r"\b(?:[Ss]pec|[Rr]ules)\s+(?:sections?\s+)?(\d+(?:\.\d+)?)(?:\s*(?:-|–|and)\s*(\d+(?:\.\d+)?))?"
)


def sections(text: str) -> set[str]:
    """The numbers of a rules document's headings: '## 2.', '### 2.4'."""
    return set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.?\s", text, re.MULTILINE))


def cited() -> dict[str, set[str]]:
    """Every cited section number -> the files citing it."""
    files = [ROOT / name for name in CITED_FILES]
    for folder in CITED_IN:
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file()]
    found: dict[str, set[str]] = {}
    for path in files:
        if path.suffix not in (".py", ".sql", ".yml", ".md", ".sh", ".toml", ".csv", ".j2"):
            continue
        if "__pycache__" in path.parts:
            continue
        for match in CITATION.finditer(path.read_text(encoding="utf-8", errors="replace")):
            for number in match.groups():
                if number:
                    found.setdefault(number, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_cited_rule_is_a_section_of_docs_rules() -> None:
    have = sections(RULES.read_text(encoding="utf-8"))
    citations = cited()
    assert len(citations) > 10  # the pattern still finds the citations
    missing = {n: sorted(f)[:3] for n, f in citations.items() if n not in have}
    assert not missing, f"cited but not a section of docs/rules.md: {missing}"


@pytest.mark.skipif(not CONTRACT.is_file(), reason="the curation contract is not beside the repo")
def test_rules_keep_the_section_numbers_of_the_contract() -> None:
    ours = sections(RULES.read_text(encoding="utf-8"))
    theirs = set(re.findall(r"^## (\d+)\.", CONTRACT.read_text(encoding="utf-8"), re.MULTILINE))
    items = re.search(r"^## 2\..*?(?=^## 3\.)", CONTRACT.read_text(encoding="utf-8"), re.S | re.M)
    assert items is not None
    theirs |= {f"2.{n}" for n in re.findall(r"^(\d+)\. ", items.group(0), re.MULTILINE)}
    assert ours == theirs


def test_the_defaults_named_in_rules_9_are_the_knobs() -> None:
    text = RULES.read_text(encoding="utf-8")
    section = text.split("## 9. ", 1)[1].split("\n## ", 1)[0]
    named = dict(re.findall(r"\b([a-z_]+) (\d+(?:\.\d+)?)\b", section))
    defaults = knobs.default_vars()
    checked = {name: value for name, value in named.items() if name in defaults}
    assert len(checked) >= 12, named
    for name, value in checked.items():
        assert float(value) == float(defaults[name]), (name, value, defaults[name])


def test_readme_points_to_the_rules() -> None:
    assert "docs/rules.md" in (ROOT / "README.md").read_text(encoding="utf-8")
