"""Validators for UK identifiers used in children's records.

Each `normalise_*` function returns the canonical form or raises
ValidationError with a message that says what to fix.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_NHS_WEIGHTS = range(10, 1, -1)


def nhs_check_digit(first_nine: str) -> int | None:
    """Modulus 11 check digit for the first nine digits, or None when no digit is valid."""
    total = sum(int(d) * w for d, w in zip(first_nine, _NHS_WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(value: str) -> str:
    """Return the ten digits of a valid NHS number (spaces and hyphens allowed in input)."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not digits.isdigit() or len(digits) != 10:
        raise ValidationError("Enter an NHS number as 10 digits, like 943 476 5919.", code="nhs_format")
    if nhs_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(
            "This NHS number is not valid: its check digit does not match. Check it against the source record.",
            code="nhs_check_digit",
        )
    return digits


def validate_nhs_number(value: str) -> None:
    normalise_nhs_number(value)


def format_nhs_number(value: str) -> str:
    """Show an NHS number in the 3-3-4 grouping people read it in: 943 476 5919.

    Spaces or hyphens already in it are regrouped; anything that is not ten digits is shown as it is.
    """
    digits = re.sub(r"[\s-]", "", value or "")
    if len(digits) != 10 or not digits.isdigit():
        return value or ""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


# Check letters of the DfE unique pupil number: the alphabet without I, O and S.
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn_check_letter(body: str) -> str:
    """Check letter for the 12 characters after it (the last may be a letter)."""
    total = 0
    for weight, char in enumerate(body, start=2):
        total += (UPN_LETTERS.index(char) if char.isalpha() else int(char)) * weight
    return UPN_LETTERS[total % 23]


def normalise_upn(value: str) -> str:
    """Return a valid 13-character unique pupil number in upper case."""
    upn = re.sub(r"\s", "", value or "").upper()
    if not re.fullmatch(rf"[{UPN_LETTERS}]\d{{11}}[0-9{UPN_LETTERS}]", upn):
        raise ValidationError(
            "Enter a unique pupil number as 13 characters: a check letter, 11 digits, "
            "then a digit or letter, like H801200001001.",
            code="upn_format",
        )
    if upn_check_letter(upn[1:]) != upn[0]:
        raise ValidationError(
            "This unique pupil number is not valid: its check letter does not match.",
            code="upn_check_letter",
        )
    return upn


def validate_upn(value: str) -> None:
    normalise_upn(value)


# The official shapes of UK postcodes (BS 7666), plus GIR 0AA.
_POSTCODE = re.compile(
    r"^(GIR ?0AA|"
    r"(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|"
    r"[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(value: str) -> str:
    """Return a UK postcode in capitals with one space before the inward code."""
    compact = re.sub(r"\s", "", value or "").upper()
    if not _POSTCODE.match(compact):
        if re.fullmatch(r"[A-Z]{1,2}[0-9][0-9A-Z]?", compact):
            message = "Enter the full UK postcode, like NG1 5FS, not only its first half."
        else:
            # "NG3 4CC" is the right shape but no postcode: asking for a "full" one misleads.
            message = "Enter a real UK postcode, like NG1 5FS: check each letter and digit."
        raise ValidationError(message, code="postcode_format")
    return f"{compact[:-3]} {compact[-3:]}"


def validate_postcode(value: str) -> None:
    normalise_postcode(value)


def postcode_prefixes(postcode: str) -> list[str]:
    """Sector then district of a normalised postcode, most specific first: NG2 5, NG2."""
    outward, inward = postcode.split(" ")
    return [f"{outward} {inward[0]}", outward]
