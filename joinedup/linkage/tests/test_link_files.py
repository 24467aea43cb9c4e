"""link_files on a small pair of extracts with known answers, and on malformed rows."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from joinedup.conftest import make_record
from joinedup.linkage.extracts import DATE_FORMATS, FIELD_HELP, parse_date, split_full_name
from joinedup.linkage.tests import extract_data

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


def test_the_pairs_left_for_a_person_are_written_with_why(extracts: dict[str, Path], tmp_path: Path) -> None:
    """S2 and S3 (Amelia and Ava Hughes, one birth date and address) are twins by the rule;
    the file lists them for a person to see, and says the rule settled them."""
    review = tmp_path / "review.csv"
    stdout = StringIO()
    call_command("link_files", str(extracts["school.csv"]), str(extracts["police.csv"]),
                 columns=str(extracts["columns.toml"]), out=str(tmp_path / "clusters.csv"),
                 model_file=str(extracts["model.json"]), review=str(review), threshold=0.01,
                 stdout=stdout)  # fmt: skip
    with review.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["file_1", "id_1", "file_2", "id_2", "match_probability", "why", "settled_by_rule"]
    twins = [r for r in rows if {r["id_1"], r["id_2"]} == {"S2", "S3"}]
    assert twins and twins[0]["why"].startswith("Different given names") and twins[0]["settled_by_rule"] == "yes"
    assert not [r for r in rows if {r["id_1"], r["id_2"]} == {"S1", "P1"}]  # joined, so not listed
    assert f"listed in {review}" in stdout.getvalue()
    probabilities = [float(r["match_probability"]) for r in rows]
    assert probabilities == sorted(probabilities, reverse=True)


def test_two_clusters_left_apart_are_one_question_for_a_person(extracts: dict[str, Path], tmp_path: Path) -> None:
    """Amelia Hughes (school and police) and her twin Ava: two pairs lie between the two
    clusters, Amelia's school and police records each against Ava's. A person answers "is
    this Ava?" once: the review lists the strongest pair only."""
    review = tmp_path / "review.csv"
    call_command("link_files", str(extracts["school.csv"]), str(extracts["police.csv"]),
                 columns=str(extracts["columns.toml"]), out=str(tmp_path / "clusters.csv"),
                 model_file=str(extracts["model.json"]), review=str(review), threshold=0.01,
                 stdout=StringIO())  # fmt: skip
    with (tmp_path / "clusters.csv").open() as handle:
        cluster_of = {r["id"]: r["cluster_id"] for r in csv.DictReader(handle)}
    assert cluster_of["S2"] == cluster_of["P2"] != cluster_of["S3"]
    with review.open() as handle:
        rows = list(csv.DictReader(handle))
    with_ava = [r for r in rows if "S3" in {r["id_1"], r["id_2"]} and {r["id_1"], r["id_2"]} & {"S2", "P2"}]
    assert len(with_ava) == 1
    between = {tuple(sorted((cluster_of[r["id_1"]], cluster_of[r["id_2"]]))) for r in rows}
    assert len(between) == len(rows)


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


# --- A data officer alone: no key, no database, the model it says it used ---------------------

MANAGE = Path(__file__).resolve().parents[3] / "manage.py"
REFERENCE_AND_POLICE = """
[files."reference.csv"]
id = "id"
given_name = "forename"
middle_names = "middle"
family_name = "surname"
date_of_birth = "dob"
sex = "sex"
postcode = "postcode"
nhs_number = "nhs"

[files."police.csv"]
id = "PNC ID"
full_name = "NAME"
date_of_birth = { column = "DOB", formats = ["%d/%m/%y"] }
sex = "SEX"
address = "ADDRESS"
postcode = "POSTCODE"
"""


def _bare_environment(**extra: str) -> dict[str, str]:
    """This process's environment without any Joined Up configuration."""
    unset = {"SECRET_KEY", "DATABASE_URL", "DEBUG", "PSEUDONYM_KEY", "AUDIT_HMAC_KEY", "DJANGO_SETTINGS_MODULE"}
    return {**{k: v for k, v in os.environ.items() if k not in unset}, **extra}


def _manage(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter, this project's manage.py
        [sys.executable, str(MANAGE), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600
    )


def _two_agencies(tmp_path: Path, n: int = 200) -> dict[tuple[str, str], str]:
    """A reference file of n children and a police extract of two in three of them; the truth."""
    children = extract_data.population(n, seed=3, twins=5)
    truth = {("reference.csv", r): k for r, k in
             extract_data.write(tmp_path / "reference.csv", extract_data.reference, children, "R").items()}  # fmt: skip
    police = [c for i, c in enumerate(children) if i % 3]
    truth |= {("police.csv", r): k for r, k in
              extract_data.write(tmp_path / "police.csv", extract_data.police, police, "P").items()}  # fmt: skip
    (tmp_path / "columns.toml").write_text(REFERENCE_AND_POLICE)
    return truth


def _pair_quality(out: Path, truth: dict[tuple[str, str], str]) -> tuple[float, float]:
    found: dict[str, list[tuple[str, str]]] = {}
    true: dict[str, list[tuple[str, str]]] = {}
    for row in csv.DictReader(out.open()):
        found.setdefault(row["cluster_id"], []).append((row["file"], row["id"]))
        true.setdefault(truth[(row["file"], row["id"])], []).append((row["file"], row["id"]))

    def pairs(groups: dict[str, list[tuple[str, str]]]) -> set[tuple[tuple[str, str], ...]]:
        return {tuple(sorted(p)) for g in groups.values() for p in itertools.combinations(g, 2)}

    joined, should = pairs(found), pairs(true)
    return len(joined & should) / max(len(joined), 1), len(joined & should) / len(should)


def test_help_lists_every_field_with_no_secret_key_and_no_database(tmp_path: Path) -> None:
    env = _bare_environment(DATABASE_URL=f"sqlite:///{tmp_path}/nowhere/joinedup.sqlite3")
    result = _manage("link_files", "--help", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in FIELD_HELP:
        assert f"\n  {name} " in result.stdout
    assert "--mode {dedupe,link}" in result.stdout and "--problems" in result.stdout
    assert 'country = "any"' in result.stdout and "docs/link_files.md" in result.stdout
    assert not (tmp_path / "nowhere").exists()


def test_every_other_command_still_needs_the_secret_key(tmp_path: Path) -> None:
    result = _manage("check", env=_bare_environment(), cwd=tmp_path)
    assert result.returncode != 0
    assert "Set the environment variable SECRET_KEY" in result.stderr


def test_it_trains_on_the_files_with_no_secret_key_and_no_database(tmp_path: Path) -> None:
    truth = _two_agencies(tmp_path)
    env = _bare_environment(DATABASE_URL=f"sqlite:///{tmp_path}/nowhere/joinedup.sqlite3")
    result = _manage(
        "link_files", "reference.csv", "police.csv", "--columns", "columns.toml", "--out", "clusters.csv",
        "--mode", "link", env=env, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Model: training one on these files (333 records, seed 1)" in result.stdout
    assert "probability two random records match: " in result.stdout
    precision, recall = _pair_quality(tmp_path / "clusters.csv", truth)
    assert precision == 1.0 and recall >= 0.95, (precision, recall, result.stdout)
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.django_db
def test_it_trains_on_the_files_not_the_active_model_and_twice_gives_the_same_bytes(
    tmp_path: Path, trained: dict[str, Any]
) -> None:
    from joinedup.linkage.models import LinkageModel

    LinkageModel.objects.create(version=1, parameters=trained, is_active=True, upper_threshold=0.9)
    _two_agencies(tmp_path)
    outputs = []
    for run_number in (1, 2):
        stdout = StringIO()
        call_command(
            "link_files",
            str(tmp_path / "reference.csv"),
            str(tmp_path / "police.csv"),
            columns=str(tmp_path / "columns.toml"),
            out=str(tmp_path / f"clusters{run_number}.csv"),
            save_model=str(tmp_path / f"model{run_number}.json"),
            stdout=stdout,
        )
        outputs.append(stdout.getvalue())
        assert "Model: training one on these files" in stdout.getvalue()
        assert "stored in Joined Up" not in stdout.getvalue()
    assert (tmp_path / "clusters1.csv").read_bytes() == (tmp_path / "clusters2.csv").read_bytes()
    assert (tmp_path / "model1.json").read_bytes() == (tmp_path / "model2.json").read_bytes()
    assert json.loads((tmp_path / "model1.json").read_text())["parameters"] != trained


@pytest.mark.django_db
def test_a_stored_model_is_used_when_named_by_version_or_uuid(
    extracts: dict[str, Path], trained: dict[str, Any]
) -> None:
    from joinedup.linkage.models import LinkageModel

    stored = LinkageModel.objects.create(
        version=3, parameters=trained, training_summary={"records": 1234}, upper_threshold=0.8
    )
    out = extracts["columns.toml"].parent / "clusters.csv"
    for key in ("3", str(stored.uuid)):
        stdout = StringIO()
        call_command(
            "link_files", str(extracts["school.csv"]), str(extracts["police.csv"]),
            columns=str(extracts["columns.toml"]), out=str(out), model=key, stdout=stdout,
        )  # fmt: skip
        assert f"Model: version 3 stored in Joined Up ({stored.uuid})" in stdout.getvalue()
        assert "records: 1234" in stdout.getvalue()
        assert "joins at 0.8 or above" in stdout.getvalue()  # the stored model's own threshold
    with pytest.raises(CommandError, match="No linkage model 9 is stored"):
        call_command("link_files", str(extracts["school.csv"]), columns=str(extracts["columns.toml"]),
                     out=str(out), model="9")  # fmt: skip
    with pytest.raises(CommandError, match="version number or UUID, not 'latest'"):
        call_command("link_files", str(extracts["school.csv"]), columns=str(extracts["columns.toml"]),
                     out=str(out), model="latest")  # fmt: skip


def test_a_stored_model_on_a_database_never_migrated_says_what_to_do(extracts: dict[str, Path]) -> None:
    folder = extracts["columns.toml"].parent
    (folder / "empty.sqlite3").write_bytes(b"")
    env = _bare_environment(DATABASE_URL=f"sqlite:///{folder}/empty.sqlite3")
    result = _manage("link_files", "school.csv", "--columns", "columns.toml", "--out", "clusters.csv",
                     "--model", "1", env=env, cwd=folder)  # fmt: skip
    assert result.returncode == 1
    assert "Joined Up's database has no stored models to read" in result.stderr
    assert "manage.py migrate" in result.stderr and "Traceback" not in result.stderr
    assert not (folder / "clusters.csv").exists()


def test_too_few_records_to_train_on_asks_for_a_model(extracts: dict[str, Path]) -> None:
    with pytest.raises(CommandError, match=r"Only 7 records: training a model on the files needs 200"):
        call_command("link_files", str(extracts["school.csv"]), str(extracts["police.csv"]),
                     columns=str(extracts["columns.toml"]), out="x.csv")  # fmt: skip


AUSTRALIAN = """
[defaults]
id = "id"
given_name = "forename"
family_name = "surname"
date_of_birth = "dob"
postcode = "postcode"
"""


def _australian(tmp_path: Path, toml: str) -> None:
    """FEBRL-like files: Australian postcodes, so a UK map rejects every one."""
    children = extract_data.population(160, seed=5)
    for name, people in (("a.csv", children), ("b.csv", children[::2])):
        lines = ["id,forename,surname,dob,born,postcode"]
        lines += [f"{name[0]}{i},{c.given},{c.family},{c.dob},,{2000 + i * 7 % 3000}" for i, c in enumerate(people)]
        (tmp_path / name).write_text("\n".join(lines) + "\n")
    (tmp_path / "columns.toml").write_text(toml)


def test_files_without_postcodes_train_on_the_address_and_say_which_steps_were_skipped(tmp_path: Path) -> None:
    """Files with an address but no postcode (as a W-2 has), then without dates of birth too."""
    children = extract_data.population(160, seed=5)
    for name, people in (("a.csv", children), ("b.csv", children[::2])):
        lines = ["id,forename,surname,dob,address"]
        lines += [f"{name[0]}{i},{c.given},{c.family},{c.dob},{int(c.key[1:]) % 20 + 1} High Street"
                  for i, c in enumerate(people)]  # fmt: skip
        (tmp_path / name).write_text("\n".join(lines) + "\n")
    (tmp_path / "columns.toml").write_text(
        '[defaults]\nid = "id"\ngiven_name = "forename"\nfamily_name = "surname"\naddress = "address"\n'
        'date_of_birth = "dob"\n'
    )
    out = StringIO()
    call_command("link_files", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
                 columns=str(tmp_path / "columns.toml"), out=str(tmp_path / "out.csv"), stdout=out)  # fmt: skip
    assert "training step was skipped" not in out.getvalue()  # the address stood in for the postcode
    with (tmp_path / "out.csv").open() as handle:
        clusters = {(r["file"], r["id"]): r["cluster_id"] for r in csv.DictReader(handle)}
    joined = sum(clusters[("a.csv", f"a{2 * i}")] == clusters[("b.csv", f"b{i}")] for i in range(80))
    assert joined >= 70

    (tmp_path / "columns.toml").write_text(
        '[defaults]\nid = "id"\ngiven_name = "forename"\nfamily_name = "surname"\naddress = "address"\n'
    )
    out = StringIO()
    call_command("link_files", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
                 columns=str(tmp_path / "columns.toml"), out=str(tmp_path / "out.csv"), stdout=out)  # fmt: skip
    skipped = [line for line in out.getvalue().splitlines() if "training step was skipped" in line]
    assert len(skipped) == 2 and "date_of_birth is not mapped for any file" in skipped[0]


@pytest.mark.parametrize(
    ("toml", "messages"),
    [
        (
            AUSTRALIAN,
            ["the same postcode, or identifier, or nhs_number, or address", "Every postcode was rejected (",
             "not a UK postcode", 'country = "any"', "address is not mapped for any file"],
        ),
        (
            AUSTRALIAN.replace('postcode = "postcode"', ""),
            ["the same postcode, or identifier", "postcode is not mapped for any file"],
        ),
        (
            AUSTRALIAN.replace('date_of_birth = "dob"', 'date_of_birth = "born"'),
            ["the same date_of_birth, and found no such pairs",
             "date_of_birth is empty in every row of a.csv, b.csv", "the same postcode, or identifier"],
        ),
    ],
    ids=["every postcode rejected", "postcode not mapped", "date of birth empty"],
)  # fmt: skip
def test_training_that_finds_no_pairs_names_the_field_and_why(tmp_path: Path, toml: str, messages: list[str]) -> None:
    """Only the postcode step (or the address, identifier or NHS number in its place) estimates
    the given name and date of birth: without one, training stops and says why."""
    _australian(tmp_path, toml)
    with pytest.raises(CommandError) as raised:
        call_command("link_files", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
                     columns=str(tmp_path / "columns.toml"), out=str(tmp_path / "out.csv"),
                     problems=str(tmp_path / "problems.csv"), stdout=StringIO())  # fmt: skip
    for message in messages:
        assert message in str(raised.value)
    assert "--model-file" in str(raised.value)
    assert not (tmp_path / "out.csv").exists()
    assert (tmp_path / "problems.csv").exists()  # written first: it says why


def test_problems_are_all_written_and_counted_by_kind_on_screen(extracts: dict[str, Path], tmp_path: Path) -> None:
    many = tmp_path / "many.csv"
    lines = ["id,forename,middle,surname,dob,sex,postcode,nhs"]
    lines += [f"M{i},Ava,,Hughes{i},01/05/2013,F,NG5 2AB,12345{i}" for i in range(230)]
    lines += ["M999,Mia,,Stone,01/05/2013,=HYPERLINK(1),NG5 2AB,"]
    many.write_text("\n".join(lines) + "\n")
    problems = tmp_path / "problems.csv"
    stdout = StringIO()
    call_command("link_files", str(many), columns=str(extracts["columns.toml"]), out=str(tmp_path / "out.csv"),
                 model_file=str(extracts["model.json"]), problems=str(problems), stdout=stdout)  # fmt: skip
    rows = list(csv.DictReader(problems.open()))
    assert len(rows) == 231
    assert rows[0] == {"file": "many.csv", "row": "2", "field": "nhs_number", "column": "nhs", "value": "123450",
                       "problem": "NHS number not valid, blanked"}  # fmt: skip
    assert rows[-1]["value"] == "'=HYPERLINK(1)"  # a spreadsheet shows it, never runs it
    screen = stdout.getvalue()
    assert "     230  NHS number not valid, blanked" in screen
    assert "       1  sex not recognised, blanked" in screen
    assert screen.count("e.g. many.csv") == 4  # three examples of the first kind, one of the second
    assert f"every one is in {problems}" in screen


def test_link_mode_pairs_only_across_files_and_one_record_per_file(extracts: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(
        "id,forename,middle,surname,dob,sex,postcode,nhs\n"
        "A1,Robert,,Okafor,27/03/2011,M,NG7 1AB,9990000018\n"
        "A2,Robert,,Okafor,27/03/2011,M,NG7 1AB,9990000018\n"
    )
    (tmp_path / "b.csv").write_text(
        "id,forename,middle,surname,dob,sex,postcode,nhs\nB1,Robert,,Okafor,27/03/2011,M,NG7 1AB,9990000018\n"
    )
    results = {}
    for mode in ("dedupe", "link"):
        out = tmp_path / f"{mode}.csv"
        call_command("link_files", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), mode=mode,
                     columns=str(extracts["columns.toml"]), out=str(out), model_file=str(extracts["model.json"]),
                     stdout=StringIO())  # fmt: skip
        results[mode] = {r["id"]: r["cluster_id"] for r in csv.DictReader(out.open())}
    assert results["dedupe"] == {"A1": "1", "A2": "1", "B1": "1"}
    # The files say they hold no duplicates: B1 joins the first of its equals, never both.
    assert results["link"] == {"A1": "1", "A2": "2", "B1": "1"}
    with pytest.raises(CommandError, match="--mode link pairs records across files: give two or more"):
        call_command("link_files", str(tmp_path / "a.csv"), mode="link", columns=str(extracts["columns.toml"]),
                     out=str(tmp_path / "x.csv"), model_file=str(extracts["model.json"]))  # fmt: skip


def test_the_output_columns_are_the_documented_ones(extracts: dict[str, Path]) -> None:
    run(extracts, "school.csv", "police.csv")
    header = (extracts["columns.toml"].parent / "clusters.csv").read_text().splitlines()[0]
    assert header == "file,id,cluster_id,best_match_probability"
    assert "| `best_match_probability` |" in (MANAGE.parent / "docs" / "link_files.md").read_text()


@pytest.mark.django_db
def test_a_model_linkage_train_wrote_is_used_with_its_summary(world: Any, tmp_path: Path) -> None:
    children = extract_data.population(40, seed=9)
    for agency, people in (("city_csc", children), ("police", children[::2])):
        for child in people:
            make_record(world, agency=agency, given_names=child.given, family_name=child.family,
                        date_of_birth=child.dob, sex=child.sex, postcode=child.postcode)  # fmt: skip
    model_file = tmp_path / "model.json"
    call_command("linkage_train", out=str(model_file), stdout=StringIO())
    from joinedup.linkage.models import LinkageModel

    stored = LinkageModel.objects.get()
    _two_agencies(tmp_path, n=30)
    stdout = StringIO()
    call_command("link_files", str(tmp_path / "reference.csv"), str(tmp_path / "police.csv"),
                 columns=str(tmp_path / "columns.toml"), out=str(tmp_path / "out.csv"),
                 model_file=str(model_file), stdout=stdout)  # fmt: skip
    assert (
        f"Model: the file {model_file} (Joined Up model version {stored.version} ({stored.uuid})" in stdout.getvalue()
    )
    assert "records: 60" in stdout.getvalue()
