"""link_files on a small pair of extracts with known answers, and on malformed rows."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

COLUMNS = """
[defaults]
id = "id"
given_name = ["forename", "middle"]
family_name = "surname"
date_of_birth = { column = "dob", formats = ["%d/%m/%Y", "%Y-%m-%d"] }
sex = "sex"
postcode = "postcode"
nhs_number = "nhs"

[files."police.csv"]
id = "ref"
given_name = "first"
family_name = "last"
date_of_birth = { column = "born", formats = ["%Y-%m-%d"] }
"""


@pytest.fixture
def extracts(tmp_path: Path, trained: dict[str, Any]) -> dict[str, Path]:  # noqa: F811
    (tmp_path / "columns.toml").write_text(COLUMNS)
    (tmp_path / "model.json").write_text(json.dumps(trained))
    (tmp_path / "school.csv").write_text(
        "id,forename,middle,surname,dob,sex,postcode,nhs\n"
        "S1,Robert,James,Okafor,27/03/2011,M,NG7 1AB,9990000018\n"
        "S2,Amelia,,Hughes,01/05/2013,F,NG5 2AB,\n"
        "S3,Ava,,Hughes,01/05/2013,F,NG5 2AB,\n"
        "S4,Mia,,Stone,31/02/2012,F,NG1 1AA,12345\n"
    )
    (tmp_path / "police.csv").write_text(
        "ref,first,last,born,sex,postcode,nhs\n"
        "P1,Bobby,Okafor,2011-03-27,male,NG7 1AB,9990000018\n"
        "P2,Amelia,Hughes,2013-05-01,F,NG5 2AB,\n"
        "P3,Zed,Quirke,2001-01-01,M,XX,\n"
    )
    return {p.name: p for p in tmp_path.iterdir()}


def run(extracts: dict[str, Path], *names: str) -> tuple[dict[tuple[str, str], int], str]:
    out = extracts["columns.toml"].parent / "clusters.csv"
    stdout = StringIO()
    call_command(
        "link_files",
        *(str(extracts[n]) for n in names),
        columns=str(extracts["columns.toml"]),
        out=str(out),
        model_file=str(extracts["model.json"]),
        stdout=stdout,
    )
    with out.open() as handle:
        clusters = {(r["file"], r["id"]): int(r["cluster_id"]) for r in csv.DictReader(handle)}
    return clusters, stdout.getvalue()


def test_it_links_two_extracts_with_known_answers(extracts: dict[str, Path]) -> None:
    clusters, _ = run(extracts, "school.csv", "police.csv")
    assert clusters[("school.csv", "S1")] == clusters[("police.csv", "P1")]  # Robert / Bobby, same NHS number
    assert clusters[("school.csv", "S2")] == clusters[("police.csv", "P2")]
    assert clusters[("school.csv", "S2")] != clusters[("school.csv", "S3")]  # twins stay apart
    assert clusters[("police.csv", "P3")] not in {clusters[("school.csv", i)] for i in ("S1", "S2", "S3", "S4")}


def test_malformed_values_are_reported_by_row_and_blanked_without_crashing(extracts: dict[str, Path]) -> None:
    clusters, output = run(extracts, "school.csv", "police.csv")
    assert ("school.csv", "S4") in clusters and ("police.csv", "P3") in clusters
    assert "school.csv row 5: date_of_birth '31/02/2012'" in output
    assert "school.csv row 5: nhs_number '12345' is not valid; blanked" in output
    assert "police.csv row 4: postcode 'XX' is not a UK postcode; blanked" in output


def test_one_file_is_deduplicated(extracts: dict[str, Path]) -> None:
    clusters, _ = run(extracts, "school.csv")
    assert len(set(clusters.values())) == 4


def test_a_missing_column_is_named(extracts: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\n1,Ava\n")
    with pytest.raises(CommandError, match="no column named forename, middle, surname"):
        run({**extracts, "bad.csv": bad}, "bad.csv")
