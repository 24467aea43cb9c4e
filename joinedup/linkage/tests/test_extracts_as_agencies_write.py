"""Names, dates and postcodes as agencies write them, read into the records link_files links."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from joinedup.linkage.decisions import review_reason
from joinedup.linkage.extracts import (
    DATE_FUTURE,
    MIDDLE_WITHOUT_FIRST,
    NFA,
    PARTIAL_POSTCODE,
    PLACEHOLDER_DATE,
    PLACEHOLDER_NAME,
    POSTCODE_INVALID,
    Extracts,
    is_placeholder_name,
    normalise_partial_postcode,
    read_extracts,
)
from joinedup.linkage.intake import Scorer

TODAY = dt.date(2026, 6, 1)


def read(tmp_path: Path, header: str, lines: list[str], table: dict[str, Any], **top: Any) -> Extracts:
    path = tmp_path / "extract.csv"
    path.write_text("\n".join([header, *lines]) + "\n")
    return read_extracts([str(path)], {"files": {"extract.csv": table}, **top}, today=TODAY)


NAMES = {"id": "id", "given_name": "first", "family_name": "last"}


def test_middle_names_follow_the_first_given_name_and_preferred_names_are_other_names(tmp_path: Path) -> None:
    extracts = read(
        tmp_path,
        "id,first,middle,last,preferred,aka",
        ["1,Robert,James Paul,Okafor,Bobby,Rob Okafor", "2,Ava,,Hughes,,"],
        {**NAMES, "middle_names": "middle", "preferred_name": "preferred", "other_names": "aka"},
    )
    first, second = extracts.records
    assert first["given_names"] == "Robert James Paul"
    assert first["other_names"] == "Bobby, Rob Okafor"
    assert extracts.rows[0]["given"] == "robert"  # the first given name stays first
    assert second["given_names"] == "Ava" and second["other_names"] == ""


def test_a_middle_name_never_stands_in_for_a_missing_first_name(tmp_path: Path, trained: dict[str, Any]) -> None:
    """Mona Stephanie Stillwell's W-2 names her "Mona"; her social security record lost its first
    name and kept "Stephanie". Put first, the middle name would be read as her forename, and
    beside the same number the rules would take "Stephanie" and "Mona" for two sisters."""
    extracts = read(
        tmp_path,
        "id,first,middle,last,number",
        ["1,,Stephanie,Stillwell,346872456", "2,Mona,,Stillwell,346872456"],
        {**NAMES, "middle_names": "middle", "identifier": "number"},
    )
    lost, mona = extracts.records
    assert lost["given_names"] == "" and extracts.rows[0]["given"] is None
    assert [(p.row, p.field, p.value, p.kind) for p in extracts.problems] == [
        (2, "middle_names", "Stephanie", MIDDLE_WITHOUT_FIRST)
    ]
    assert all(p.is_note for p in extracts.problems)
    pair = Scorer.from_parameters(trained).score(extracts.rows[0], extracts.rows[1], lambda column, value: None)
    assert review_reason(pair) == ""
    assert mona["given_names"] == "Mona"


@pytest.mark.parametrize(
    ("order", "written", "given", "family"),
    [
        ("auto", "OKAFOR, Robert James", "Robert James", "OKAFOR"),  # police
        ("auto", "Robert James Okafor", "Robert James", "Okafor"),  # youth service
        ("family first", "OKAFOR Robert James", "Robert James", "OKAFOR"),
        ("given first", "Robert James Okafor", "Robert James", "Okafor"),
    ],
)
def test_one_name_column_is_split_in_the_order_the_system_writes(
    tmp_path: Path, order: str, written: str, given: str, family: str
) -> None:
    extracts = read(
        tmp_path, "id,name", [f'1,"{written}"'], {"id": "id", "full_name": {"column": "name", "order": order}}
    )
    assert (extracts.records[0]["given_names"], extracts.records[0]["family_name"]) == (given, family)


@pytest.mark.parametrize(
    "given", ["Baby", "BABY OF SMITH", "Baby of", "Twin 1", "twin 2", "Unborn", "Unknown", "Not known", "N/K", "TBC"]
)
def test_placeholder_given_names_are_missing_names_and_counted(tmp_path: Path, given: str) -> None:
    extracts = read(tmp_path, "id,first,last", [f"1,{given},Smith"], NAMES)
    assert extracts.records[0]["given_names"] == ""
    assert extracts.records[0]["family_name"] == "Smith"
    assert extracts.rows[0]["given"] is None
    assert [(p.field, p.value, p.kind) for p in extracts.problems] == [("given_name", given, PLACEHOLDER_NAME)]
    assert extracts.problems[0].is_note


def test_a_file_declares_its_own_placeholder_names_and_real_names_are_kept(tmp_path: Path) -> None:
    extracts = read(
        tmp_path,
        "id,first,last",
        ["1,Infant,Smith", "2,New Born 3,Smith", "3,Babette,Smith", "4,Ava,Unknown"],
        {**NAMES, "placeholders": {"given": ["Infant", "New born *"]}},
    )
    assert [r["given_names"] for r in extracts.records] == ["", "", "Babette", "Ava"]
    assert extracts.counts() == {PLACEHOLDER_NAME: 2}


def test_baby_of_in_a_whole_name_column_keeps_the_family_name(tmp_path: Path) -> None:
    extracts = read(tmp_path, "id,name", ["1,Baby of Smith"], {"id": "id", "full_name": "name"})
    assert (extracts.records[0]["given_names"], extracts.records[0]["family_name"]) == ("", "Smith")
    assert extracts.problems[0].kind == PLACEHOLDER_NAME


def test_placeholder_names_match_whole_names_only() -> None:
    defaults = ("Baby", "Baby of *", "NK")
    assert is_placeholder_name("Baby of Hughes-Smith", defaults)
    assert not is_placeholder_name("Babyface", defaults)
    assert not is_placeholder_name("Nkechi", defaults)
    assert not is_placeholder_name("Baby Ava", defaults)


def test_placeholder_dates_of_birth_are_kept_and_flagged(tmp_path: Path) -> None:
    extracts = read(
        tmp_path,
        "id,first,last,dob",
        ["1,Ava,Hughes,1900-01-01", "2,Mia,Stone,2000-01-01", "3,Zara,Khan,2012-01-01", "4,Isla,Reid,2012-03-27"],
        {**NAMES, "date_of_birth": "dob", "placeholders": {"dates": ["2000-01-01", "--01-01"]}},
    )
    flags = [(r["date_of_birth"], r["dob_placeholder"]) for r in extracts.records]
    assert flags == [
        (dt.date(1900, 1, 1), True),  # everywhere a placeholder
        (dt.date(2000, 1, 1), True),  # this file's own
        (dt.date(2012, 1, 1), True),  # 1 January of any year, as the file declares
        (dt.date(2012, 3, 27), False),
    ]
    # The model reads 1900-01-01 as no date at all, and the others as weaker evidence.
    assert extracts.rows[0]["dob"] is None
    assert [r["dob_placeholder"] for r in extracts.rows[1:]] == [True, True, False]
    assert extracts.counts() == {PLACEHOLDER_DATE: 3}


def test_without_a_declaration_only_1900_is_a_placeholder(tmp_path: Path) -> None:
    extracts = read(tmp_path, "id,first,last,dob", ["1,Ava,Hughes,2012-01-01"], {**NAMES, "date_of_birth": "dob"})
    assert extracts.records[0]["dob_placeholder"] is False
    assert not extracts.problems


def test_placeholder_dates_may_be_toml_dates_at_the_top_level(tmp_path: Path) -> None:
    extracts = read(
        tmp_path,
        "id,first,last,dob",
        ["1,Ava,Hughes,01/01/1901"],
        {**NAMES, "date_of_birth": "dob"},
        placeholders={"dates": [dt.date(1901, 1, 1)]},
    )
    assert extracts.records[0]["dob_placeholder"] is True


def test_a_date_of_birth_in_the_future_is_reported_and_blanked(tmp_path: Path) -> None:
    extracts = read(
        tmp_path,
        "id,first,last,dob",
        ["1,Ava,Hughes,15/06/26", "2,Mia,Stone,27/03/25"],
        {**NAMES, "date_of_birth": "dob"},
    )
    assert [r["date_of_birth"] for r in extracts.records] == [None, dt.date(2025, 3, 27)]
    assert [(p.row, p.value, p.kind) for p in extracts.problems] == [(2, "15/06/26", DATE_FUTURE)]
    assert not extracts.problems[0].is_note


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("NG9", "NG9"),
        ("ng10 4", "NG10 4"),
        ("S81", "S81"),
        ("  ng10   4 ", "NG10 4"),
        ("W1A", "W1A"),
        ("EC1A 1", "EC1A 1"),
    ],
)
def test_partial_postcodes_are_kept_at_their_precision(tmp_path: Path, written: str, kept: str) -> None:
    extracts = read(tmp_path, "id,first,last,postcode", [f"1,Ava,Hughes,{written}"], {**NAMES, "postcode": "postcode"})
    assert extracts.records[0]["postcode"] == kept
    assert extracts.counts() == {PARTIAL_POSTCODE: 1}


def test_not_a_postcode_at_all_is_still_blanked() -> None:
    assert normalise_partial_postcode("NG") is None
    assert normalise_partial_postcode("NG10 44") is None
    assert normalise_partial_postcode("QQ1") is None


@pytest.mark.parametrize("written", ["NFA", "n.f.a.", "No fixed abode", "NO FIXED ADDRESS", "ZZ99 3VZ"])
def test_no_fixed_abode_is_recorded_not_an_error(tmp_path: Path, written: str) -> None:
    extracts = read(tmp_path, "id,first,last,postcode", [f"1,Ava,Hughes,{written}"], {**NAMES, "postcode": "postcode"})
    assert extracts.records[0]["postcode"] == ""
    assert extracts.records[0]["no_fixed_abode"] is True
    assert extracts.counts() == {NFA: 1}
    assert extracts.problems[0].is_note


def test_addresses_outside_the_uk_are_accepted_where_the_map_says_so(tmp_path: Path) -> None:
    lines = ["1,Ava,Hughes,4223", "2,Mia,Stone,  d-10115  berlin", "3,Zara,Khan,ng7 1ab", "4,Isla,Reid,NFA"]
    anywhere = read(
        tmp_path, "id,first,last,postcode", lines, {**NAMES, "postcode": {"column": "postcode", "country": "any"}}
    )
    assert [r["postcode"] for r in anywhere.records] == ["4223", "D-10115 BERLIN", "NG7 1AB", ""]
    assert anywhere.counts() == {NFA: 1}
    uk = read(tmp_path, "id,first,last,postcode", lines, {**NAMES, "postcode": "postcode"})
    assert [r["postcode"] for r in uk.records] == ["", "", "NG7 1AB", ""]
    assert uk.counts() == {POSTCODE_INVALID: 2, NFA: 1}


def test_every_problem_says_file_row_field_column_and_value(tmp_path: Path) -> None:
    extracts = read(
        tmp_path,
        "id,first,last,Date Born",
        ["1,Ava,Hughes,31/02/2012"],
        {**NAMES, "date_of_birth": {"column": "Date Born"}},
    )
    (problem,) = extracts.problems
    assert (problem.file, problem.row, problem.field, problem.column, problem.value) == (
        "extract.csv",
        2,
        "date_of_birth",
        "Date Born",
        "31/02/2012",
    )
