"""Every example columns file in docs/link_files.md parses and links an extract in its layout.

Each example is read from the page itself, so the manual cannot drift from what
link_files accepts. A synthetic extract in the example's layout (Faker, en_GB)
is linked against a reference file of the same children; the test knows which
rows are one child.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import tomllib
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from joinedup.linkage.extracts import file_spec
from joinedup.linkage.tests import extract_data

DOCS = Path(__file__).resolve().parents[3] / "docs" / "link_files.md"
LAYOUTS = {
    "police.csv": extract_data.police,
    "health.csv": extract_data.health,
    "school.csv": extract_data.school,
    "youth.csv": extract_data.youth,
}
REFERENCE = """
[files."reference.csv"]
id = "id"
given_name = "forename"
middle_names = "middle"
family_name = "surname"
date_of_birth = "dob"
sex = "sex"
postcode = "postcode"
nhs_number = "nhs"
"""


def examples() -> dict[str, str]:
    """Each example's file name -> its TOML, from the ```toml blocks headed "# Example: ... (name.csv)"."""
    found = {}
    for block in re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL):
        heading = re.match(r"# Example: .*\((\w+\.csv)\)\n", block)
        if heading:
            found[heading[1]] = block
    return found


def test_the_manual_has_an_example_for_each_kind_of_extract() -> None:
    assert set(examples()) == set(LAYOUTS)


def test_every_toml_block_in_the_manual_parses() -> None:
    blocks = re.findall(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) >= 6
    for block in blocks:
        tomllib.loads(block)


def _pairs(groups: dict[Any, list[tuple[str, str]]]) -> set[tuple[tuple[str, str], ...]]:
    return {tuple(sorted(pair)) for members in groups.values() for pair in itertools.combinations(members, 2)}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_a_documented_example_links_an_extract_in_its_layout(
    name: str, tmp_path: Path, trained: dict[str, Any]
) -> None:
    children = extract_data.population(60, seed=7, twins=4)
    # The agency holds two children in three, twins among them; the reference holds every child.
    held = [child for i, child in enumerate(children) if i % 3 or i >= 52]
    truth = {("reference.csv", ref): key for ref, key in
             extract_data.write(tmp_path / "reference.csv", extract_data.reference, children, "R").items()}  # fmt: skip
    truth |= {(name, ref): key for ref, key in extract_data.write(tmp_path / name, LAYOUTS[name], held, "X").items()}
    (tmp_path / "columns.toml").write_text(examples()[name] + REFERENCE)
    (tmp_path / "model.json").write_text(json.dumps(trained))
    out, problems = tmp_path / "clusters.csv", tmp_path / "problems.csv"
    stdout = StringIO()
    call_command(
        "link_files",
        str(tmp_path / "reference.csv"),
        str(tmp_path / name),
        columns=str(tmp_path / "columns.toml"),
        out=str(out),
        problems=str(problems),
        model_file=str(tmp_path / "model.json"),
        mode="link",
        stdout=stdout,
    )
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == len(truth)
    found: dict[str, list[tuple[str, str]]] = {}
    true: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        found.setdefault(row["cluster_id"], []).append((row["file"], row["id"]))
        true.setdefault(truth[(row["file"], row["id"])], []).append((row["file"], row["id"]))
    joined, should = _pairs(found), _pairs(true)
    assert joined <= should, f"wrong joins: {sorted(joined - should)[:5]}"
    assert len(joined & should) >= 0.9 * len(should), stdout.getvalue()
    kinds = {r["problem"] for r in csv.DictReader(problems.open())}
    # Faults would mean the example does not fit its own layout; notes are what the layout holds.
    assert kinds <= {"placeholder name, treated as missing"}, kinds
    if name == "health.csv":
        assert kinds == {"placeholder name, treated as missing"}  # 'Baby of <surname>' for the infants


def test_the_readme_columns_file_is_read_as_it_says() -> None:
    readme = (DOCS.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Linking extracts without Joined Up") :]
    (block,) = re.findall(r"```toml\n(.*?)```", section[: section.index("\n## ", 5)], flags=re.DOTALL)
    config = tomllib.loads(block)
    police = file_spec(config, "police.csv")
    assert set(police.columns) == {"id", "full_name", "date_of_birth", "postcode"}
    assert police.delimiter == "|" and police.encoding == "cp1252" and police.postcode_country == "any"
    other = file_spec(config, "other.csv")
    assert set(other.columns) == {"id", "given_name", "family_name", "date_of_birth", "postcode"}
    assert other.date_formats == ["%d/%m/%Y", "%d.%m.%y"]
    assert {"Twin 1", "Baby of *", "TBC"} <= set(other.placeholder_names)
    assert {"1900-01-01", "2000-01-01", "--01-01"} == set(other.placeholder_dates)
