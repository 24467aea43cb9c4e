from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from joinedup.core.text import fold, name_key
from joinedup.core.validators import (
    format_nhs_number,
    nhs_check_digit,
    normalise_nhs_number,
    normalise_postcode,
    normalise_upn,
    postcode_prefixes,
    upn_check_letter,
)


class TestNhsNumber:
    def test_it_accepts_a_valid_number_with_spaces_and_hyphens(self) -> None:
        assert normalise_nhs_number("943 476 5919") == "9434765919"
        assert normalise_nhs_number("943-476-5919") == "9434765919"

    def test_it_rejects_a_wrong_check_digit_saying_so(self) -> None:
        with pytest.raises(ValidationError) as exc:
            normalise_nhs_number("943 476 5918")
        assert exc.value.code == "nhs_check_digit"
        assert "check digit" in exc.value.messages[0]

    @pytest.mark.parametrize("value", ["", "12345", "94347659190", "94347659AB"])
    def test_it_rejects_the_wrong_shape_saying_what_to_enter(self, value: str) -> None:
        with pytest.raises(ValidationError) as exc:
            normalise_nhs_number(value)
        assert exc.value.code == "nhs_format"
        assert "10 digits" in exc.value.messages[0]

    def test_a_remainder_of_ten_means_no_valid_number(self) -> None:
        # 1000000010: weights give a total whose check would be 10.
        body = next(f"{i:09d}" for i in range(1, 10**6) if nhs_check_digit(f"{i:09d}") is None)
        for last in range(10):
            with pytest.raises(ValidationError):
                normalise_nhs_number(body + str(last))

    @given(st.integers(min_value=0, max_value=999_999_999))
    def test_every_generated_number_round_trips(self, body_int: int) -> None:
        body = f"{body_int:09d}"
        check = nhs_check_digit(body)
        if check is None:
            return
        number = body + str(check)
        assert normalise_nhs_number(format_nhs_number(number)) == number

    @given(st.integers(min_value=0, max_value=999_999_999), st.integers(min_value=0, max_value=8))
    def test_any_adjacent_transposition_of_different_digits_is_caught(self, body_int: int, i: int) -> None:
        body = f"{body_int:09d}"
        check = nhs_check_digit(body)
        if check is None:
            return
        digits = list(body + str(check))
        if digits[i] == digits[i + 1]:
            return
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
        with pytest.raises(ValidationError):
            normalise_nhs_number("".join(digits))


class TestUpn:
    def test_it_accepts_a_valid_upn(self) -> None:
        assert normalise_upn("h801200001001") == "H801200001001"

    def test_it_accepts_a_temporary_upn_ending_in_a_letter(self) -> None:
        body = "80120000100A"
        assert normalise_upn(upn_check_letter(body) + body) == upn_check_letter(body) + body

    def test_it_rejects_a_wrong_check_letter(self) -> None:
        with pytest.raises(ValidationError) as exc:
            normalise_upn("A801200001001")
        assert exc.value.code == "upn_check_letter"

    @pytest.mark.parametrize("value", ["H80120000100", "1801200001001", "I801200001001"])
    def test_it_rejects_the_wrong_shape(self, value: str) -> None:
        with pytest.raises(ValidationError) as exc:
            normalise_upn(value)
        assert exc.value.code == "upn_format"


class TestPostcode:
    @pytest.mark.parametrize(
        ("typed", "expected"),
        [("ng15fs", "NG1 5FS"), ("NG2  5AB", "NG2 5AB"), ("s80 1ab", "S80 1AB"), ("EC1A1BB", "EC1A 1BB")],
    )
    def test_it_normalises_spacing_and_case(self, typed: str, expected: str) -> None:
        assert normalise_postcode(typed) == expected

    @pytest.mark.parametrize(
        ("value", "says"),
        [
            ("NG1", "full UK postcode"),
            ("ng10", "full UK postcode"),
            ("Nottingham", "real UK postcode"),
            ("NG1 5F", "real UK postcode"),
            ("QQ1 1AA", "real UK postcode"),
            ("NG1 5CI", "real UK postcode"),
            ("NG3 4CC", "real UK postcode"),  # the right shape, but C is never in the last two
        ],
    )
    def test_it_rejects_what_is_not_a_postcode(self, value: str, says: str) -> None:
        with pytest.raises(ValidationError) as exc:
            normalise_postcode(value)
        assert says in exc.value.messages[0]

    def test_prefixes_go_from_sector_to_district(self) -> None:
        assert postcode_prefixes("NG2 5AB") == ["NG2 5", "NG2"]


class TestText:
    def test_fold_ignores_case_accents_and_spacing(self) -> None:
        assert fold("  ZOË   O'Brien ") == "zoe o'brien"

    def test_name_key_drops_punctuation_and_spaces(self) -> None:
        assert name_key("O'Brien-Smith") == name_key("obrien smith") == "obriensmith"
