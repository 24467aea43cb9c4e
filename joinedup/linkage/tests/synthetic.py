"""Synthetic rows and a small model trained on them, for the linkage tests (no database)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from joinedup.linkage import model as splink_model
from joinedup.linkage.features import features

D = dt.date


def row(
    uid: str,
    given: str,
    family: str,
    dob: D | None,
    sex: str = "M",
    postcode: str = "NG7 1AB",
    nhs: str = "",
    other: str = "",
    address: str = "",
    upn: str = "",
) -> dict[str, Any]:
    return features(
        unique_id=uid,
        given_names=given,
        family_name=family,
        other_names=other,
        date_of_birth=dob,
        sex=sex,
        postcode=postcode,
        nhs_number=nhs,
        address=address,
        identifier=upn,
    )


def synthetic_model() -> dict[str, Any]:
    """A model trained on a small synthetic population made here (no database)."""
    import random

    rng = random.Random(4)
    given = [
        "oliver",
        "harry",
        "jack",
        "charlie",
        "thomas",
        "olivia",
        "amelia",
        "isla",
        "ava",
        "mia",
        "noah",
        "leo",
        "ruby",
        "grace",
        "zara",
    ]
    family = [
        "smith",
        "jones",
        "taylor",
        "brown",
        "wilson",
        "evans",
        "thomas",
        "johnson",
        "roberts",
        "walker",
        "wright",
        "hall",
        "clarke",
        "green",
    ]
    rows = []
    for person in range(600):
        g, f = rng.choice(given), rng.choice(family)
        dob = D(2008, 1, 1) + dt.timedelta(days=rng.randint(0, 5000))
        pc = f"NG{rng.randint(1, 20)} {rng.randint(1, 9)}{rng.choice('ABDEFG')}{rng.choice('HJLNPQ')}"
        nhs = f"999{person:07d}"
        for copy in range(rng.choice((1, 2, 3))):
            gg = g if rng.random() > 0.1 else g[:-1]
            rows.append(
                row(
                    f"{person}-{copy}",
                    gg,
                    f,
                    dob if rng.random() > 0.05 else None,
                    postcode=pc,
                    nhs=nhs if rng.random() > 0.4 else "",
                )
            )
    return splink_model.train(rows).model
