"""Synthetic agency extracts (Faker, en_GB) in the layouts docs/link_files.md describes, with the truth.

Each child is made once; each layout writes the child as that kind of system
would (a police system's 'SURNAME, Forename Middle', a health system's 'Baby'
before the child is named, a school's legal and preferred forenames and UPN, a
youth service's one name column), so a test knows which rows are one child.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from faker import Faker

from joinedup.core.validators import UPN_LETTERS, nhs_check_digit, upn_check_letter

TODAY = dt.date(2026, 6, 1)


@dataclass(frozen=True)
class Child:
    key: str
    given: str
    middle: str
    family: str
    preferred: str
    dob: dt.date
    sex: str
    postcode: str
    address: str
    nhs: str
    upn: str


def _nhs(rng: random.Random) -> str:
    while True:
        first = "".join(str(rng.randint(0, 9)) for _ in range(9))
        check = nhs_check_digit(first)
        if check is not None and first[0] != "0":
            return f"{first}{check}"


def _upn(rng: random.Random) -> str:
    body = "".join(str(rng.randint(0, 9)) for _ in range(11)) + rng.choice(UPN_LETTERS)
    return upn_check_letter(body) + body


def population(n: int, *, seed: int = 1, twins: int = 0) -> list[Child]:
    """n children, the last `twins` pairs of them twins (same family, birth date and address)."""
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    children: list[Child] = []
    while len(children) < n:
        sex = rng.choice("FM")
        first = fake.first_name_female if sex == "F" else fake.first_name_male
        given, middle = first(), (first() if rng.random() < 0.6 else "")
        dob = fake.date_between(dt.date(2008, 1, 1), dt.date(2024, 12, 31))
        child = Child(
            key=f"C{len(children) + 1}",
            given=given,
            middle=middle,
            family=fake.last_name(),
            preferred=middle if middle and rng.random() < 0.2 else "",
            dob=dob,
            sex=sex,
            postcode=fake.postcode(),
            address=fake.street_address().replace("\n", ", "),
            nhs=_nhs(rng),
            upn=_upn(rng),
        )
        children.append(child)
        if len(children) > n - 2 * twins and len(children) < n:
            other = first()
            while other == given:
                other = first()
            children.append(
                Child(
                    f"C{len(children) + 1}",
                    other,
                    "",
                    child.family,
                    "",
                    dob,
                    sex,
                    child.postcode,
                    child.address,
                    _nhs(rng),
                    _upn(rng),
                )  # fmt: skip
            )
    return children[:n]


Row = dict[str, str]
Layout = Callable[[Child, str], Row]


def reference(child: Child, ref: str) -> Row:
    return {"id": ref, "forename": child.given, "middle": child.middle, "surname": child.family,
            "dob": child.dob.isoformat(), "sex": child.sex, "postcode": child.postcode, "nhs": child.nhs}  # fmt: skip


def police(child: Child, ref: str) -> Row:
    name = f"{child.family.upper()}, {' '.join(n for n in (child.given, child.middle) if n)}"
    return {"PNC ID": ref, "NAME": name, "DOB": child.dob.strftime("%d/%m/%y"),
            "SEX": "MALE" if child.sex == "M" else "FEMALE", "ADDRESS": child.address,
            "POSTCODE": child.postcode}  # fmt: skip


def health(child: Child, ref: str) -> Row:
    # An infant registered before it was named: 'Baby of <surname>' in the forename.
    infant = child.dob.year >= 2024
    return {"Patient ID": ref, "NHS Number": f"{child.nhs[:3]} {child.nhs[3:6]} {child.nhs[6:]}",
            "Forename": f"Baby of {child.family}" if infant else child.given, "Surname": child.family,
            "Date of Birth": child.dob.strftime("%d.%m.%Y"), "Gender": "1" if child.sex == "M" else "2",
            "Postcode": child.postcode}  # fmt: skip


def school(child: Child, ref: str) -> Row:
    return {"UPN": child.upn, "Legal Forename": child.given, "Middle Names": child.middle,
            "Legal Surname": child.family, "Preferred Forename": child.preferred,
            "DOB": child.dob.strftime("%d/%m/%Y"), "Gender": child.sex, "Postcode": child.postcode}  # fmt: skip


def youth(child: Child, ref: str) -> Row:
    name = " ".join(n for n in (child.given, child.middle, child.family) if n)
    return {"Member No": ref, "Name": name, "Date of Birth": child.dob.strftime("%d-%m-%y"),
            "Postcode": child.postcode}  # fmt: skip


def write(path: Path, layout: Layout, children: list[Child], prefix: str) -> dict[str, str]:
    """Write the children in this layout; return each row's id (the layout's id column) -> child key."""
    rows = [layout(child, f"{prefix}{i + 1}") for i, child in enumerate(children)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    id_column = next(iter(rows[0]))
    return {row[id_column]: child.key for row, child in zip(rows, children, strict=True)}
