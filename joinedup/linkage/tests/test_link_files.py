"""link_files on a small pair of extracts with known answers, and on malformed rows."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from joinedup.linkage.extracts import DATE_FORMATS, parse_date, split_full_name

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
    assert "school.csv row 5: nhs_number '12345': NHS number not valid, blanked" in output
    assert "police.csv row 4: postcode 'XX': not a UK postcode, blanked" in output


def test_one_file_is_deduplicated(extracts: dict[str, Path]) -> None:
    clusters, _ = run(extracts, "school.csv")
    assert len(set(clusters.values())) == 4


def test_a_missing_column_is_named(extracts: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\n1,Ava\n")
    with pytest.raises(CommandError, match="no column named forename, middle, surname"):
        run({**extracts, "bad.csv": bad}, "bad.csv")


OTHER_LAYOUT = """
[files."health.csv"]
id = "Patient Ref"
full_name = "NAME"
date_of_birth = "Born"
sex = "gender"
address = ["Addr 1", "Addr 2"]
postcode = "Post Code"
nhs_number = "NHS No"
"""


def test_an_extract_in_another_systems_layout_links(extracts: dict[str, Path], tmp_path: Path) -> None:
    """Semicolons, Windows-1252, headers in other cases, "FAMILY, Given" in one column, dates
    with a time after them, NHS sex codes, the house number on its own address line."""
    columns = tmp_path / "columns.toml"
    columns.write_text(COLUMNS + OTHER_LAYOUT)
    health = tmp_path / "health.csv"
    health.write_bytes(
        "PATIENT REF ; name;born;Gender;addr 1;ADDR 2;post code;nhs no\n"
        "H1;OKAFOR, Bobby;27-Mar-2011 00:00:00;1;12;Elm Road;ng71ab;999 000 0018\n"
        "H2;Zoë Hughes;01/05/2013;2;;;NG5 2AB;\n"
        "H3;Short Row\n".replace(" ;", ";").encode("cp1252")
    )
    clusters, output = run({**extracts, "health.csv": health}, "school.csv", "health.csv")
    assert clusters[("school.csv", "S1")] == clusters[("health.csv", "H1")]
    assert clusters[("health.csv", "H2")] not in {clusters[("school.csv", i)] for i in ("S1", "S2", "S3")}
    assert ("health.csv", "H3") in clusters  # a short row is kept
    assert "health.csv: not UTF-8, read as Windows-1252" in output


def test_values_systems_write_are_read_or_reported(extracts: dict[str, Path], tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text(
        "id,forename,middle,surname,dob,sex,postcode,nhs\n"
        "O1,Ava,,Hughes,2013-05-01T00:00:00Z,Unknown,NG5 2AB,\n"
        "O2,Mia,,Stone,01/01/2099,Q,NG1 1AA,\n"
        "O2,Mia,,Stone,,,,\n"
        ",Nobody,,Here,,,,\n"
    )
    clusters, output = run({**extracts, "odd.csv": odd}, "school.csv", "odd.csv")
    assert clusters[("odd.csv", "O1")] == clusters[("school.csv", "S3")]  # Ava: the time after the date ignored
    assert "odd.csv row 4: id 'O2': id repeated in the file, both kept" in output
    assert "odd.csv row 3: date_of_birth '01/01/2099': date of birth in the future, blanked" in output
    assert "odd.csv row 3: sex 'Q': sex not recognised, blanked" in output
    assert "odd.csv row 5: id: no id, row skipped" in output
    assert "row 2: sex" not in output  # "Unknown" is a known way to say not known


def test_a_mapped_column_missing_from_the_file_stops_the_run_and_writes_nothing(
    extracts: dict[str, Path], tmp_path: Path
) -> None:
    no_dob = tmp_path / "nodob.csv"
    no_dob.write_text("id,forename,middle,surname,sex,postcode,nhs\n1,Ava,,Hughes,F,NG5 2AB,\n")
    out = tmp_path / "clusters.csv"
    out.write_text("yesterday's clusters\n")
    with pytest.raises(CommandError, match=r"no column named dob \(the file's header has: id, forename"):
        run({**extracts, "nodob.csv": no_dob}, "nodob.csv")
    assert out.read_text() == "yesterday's clusters\n"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[defaults]\nid = 'id'\ngiven_name = 'forename'\n", "map both 'given_name' and 'family_name', or 'full_name'"),
        ("[defaults]\nid = 'id'\nfull_name = 'n'\nshoe_size = 's'\n", "unknown field(s) shoe_size"),
        ("[defaults]\nid = 'id'\nfull_name = 'n'\ndelimiter = ';;'\n", "delimiter must be one character"),
        ("[defaults\n", "not a valid TOML file"),
        ("[defaults]\nid = 'id'\nfull_name = { column = 'n', order = 'surname' }\n", "full_name's order must be"),
        ("[defaults]\nid = 'id'\nfull_name = 'n'\npostcode = { column = 'p', country = 'fr' }\n", "country must be"),
        (
            "[defaults]\nid = 'id'\nfull_name = 'n'\npostcode = { column = 'p', formats = ['%Y'] }\n",
            "'postcode' takes column, country, not formats",
        ),
        ("[defaults]\nid = 'id'\nfull_name = 'n'\nplaceholders.dates = ['1 Jan']\n", "placeholder date '1 Jan'"),
        ("[defaults]\nid = 'id'\nfull_name = 'n'\nplaceholders.given = 'Baby'\n", "placeholders.given must be"),
    ],
)
def test_a_bad_columns_file_says_what_to_fix(extracts: dict[str, Path], toml: str, message: str) -> None:
    extracts["columns.toml"].write_text(toml)
    with pytest.raises(CommandError, match=re.escape(message)):
        run(extracts, "school.csv")


def test_a_threshold_outside_zero_to_one_is_refused(extracts: dict[str, Path]) -> None:
    with pytest.raises(CommandError, match="--threshold must be a probability between 0 and 1"):
        call_command(
            "link_files", str(extracts["school.csv"]), columns=str(extracts["columns.toml"]), out="x.csv", threshold=80
        )


def test_twins_are_not_chained_together_through_a_third_record(extracts: dict[str, Path], tmp_path: Path) -> None:
    """A record with only an initial matches both twins: it may join one, never both."""
    initial = tmp_path / "initial.csv"
    initial.write_text("id,forename,middle,surname,dob,sex,postcode,nhs\nI1,A,,Hughes,01/05/2013,F,NG5 2AB,\n")
    clusters, _ = run({**extracts, "initial.csv": initial}, "school.csv", "initial.csv")
    assert clusters[("school.csv", "S2")] != clusters[("school.csv", "S3")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2011-03-27", dt.date(2011, 3, 27)),
        ("27/03/2011", dt.date(2011, 3, 27)),
        ("27.03.2011", dt.date(2011, 3, 27)),
        ("27 Mar 2011", dt.date(2011, 3, 27)),
        ("27-Mar-2011", dt.date(2011, 3, 27)),
        ("20110327", dt.date(2011, 3, 27)),
        ("27/03/2011 00:00", dt.date(2011, 3, 27)),
        ("2011-03-27T00:00:00.000+01:00", dt.date(2011, 3, 27)),
        ("27.03.11", dt.date(2011, 3, 27)),
        ("27/03/25", dt.date(2025, 3, 27)),
        ("01-01-26", dt.date(2026, 1, 1)),
        # A two-digit year is the latest year not in the future: a child, or an adult born last century.
        ("01/01/30", dt.date(1930, 1, 1)),
        ("31.12.99", dt.date(1999, 12, 31)),
        # In this year but after today: read as this year, so reported as a birth date in the future.
        ("15/06/26", dt.date(2026, 6, 15)),
    ],
)
def test_dates_in_the_forms_systems_write(text: str, expected: dt.date) -> None:
    assert parse_date(text, DATE_FORMATS, today=dt.date(2026, 6, 1)) == expected


def test_a_whole_name_is_split_family_first_with_a_comma_or_last_without() -> None:
    assert split_full_name("OKAFOR, Bobby James") == ("Bobby James", "OKAFOR")
    assert split_full_name("Bobby James Okafor") == ("Bobby James", "Okafor")
    assert split_full_name("Okafor") == ("", "Okafor")
    assert split_full_name("OKAFOR Bobby James", "family first") == ("Bobby James", "OKAFOR")
    assert split_full_name("Bobby James Okafor", "given first") == ("Bobby James", "Okafor")


def test_names_alone_never_join_extracts(extracts: dict[str, Path], tmp_path: Path) -> None:
    """A record with only a name (no date of birth, postcode or NHS number) is not joined to the
    child of the same name: names alone are not evidence enough to join unseen."""
    bare = tmp_path / "bare.csv"
    bare.write_text("id,forename,middle,surname,dob,sex,postcode,nhs\nB1,Robert,James,Okafor,,,,\n")
    out = tmp_path / "clusters.csv"
    # A threshold the names' score alone clears, as common names' frequencies let it in a real population.
    call_command(
        "link_files",
        str(extracts["school.csv"]),
        str(bare),
        columns=str(extracts["columns.toml"]),
        out=str(out),
        model_file=str(extracts["model.json"]),
        threshold=0.0002,
        stdout=StringIO(),
    )
    with out.open() as handle:
        clusters = {(r["file"], r["id"]): int(r["cluster_id"]) for r in csv.DictReader(handle)}
    assert clusters[("bare.csv", "B1")] != clusters[("school.csv", "S1")]
