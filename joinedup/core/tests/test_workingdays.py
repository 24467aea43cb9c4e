"""Hand-worked dates across Christmas, Easter and substitute bank holidays (England)."""

from __future__ import annotations

import datetime as dt

import pytest

from joinedup.core.workingdays import WorkingCalendar, add_months

D = dt.date
cal = WorkingCalendar()


@pytest.mark.parametrize(
    ("start", "days", "due", "why"),
    [
        (D(2026, 11, 26), 1, D(2026, 11, 27), "Thursday to Friday"),
        (D(2026, 11, 27), 1, D(2026, 11, 30), "Friday to Monday over the weekend"),
        (D(2026, 11, 28), 1, D(2026, 11, 30), "received on a Saturday: due the Monday"),
        (D(2026, 12, 24), 1, D(2026, 12, 29), "Christmas Friday, Boxing Day Saturday, substitute Monday 28th"),
        (D(2027, 12, 24), 1, D(2027, 12, 29), "Christmas and Boxing Day at a weekend: substitutes Mon 27 and Tue 28"),
        (D(2026, 4, 2), 1, D(2026, 4, 7), "Maundy Thursday over Good Friday and Easter Monday"),
        (D(2027, 3, 25), 1, D(2027, 3, 30), "Easter 2027"),
        (D(2026, 12, 21), 15, D(2027, 1, 14), "ICPC 15 working days across Christmas and New Year"),
        (D(2026, 11, 2), 45, D(2027, 1, 7), "assessment 45 working days across Christmas"),
        (D(2027, 4, 30), 10, D(2027, 5, 17), "core group 10 working days over the May Day holiday"),
        (D(2026, 5, 1), 0, D(2026, 5, 1), "a zero-day clock is due the same day"),
    ],
)
def test_add_working_days(start: dt.date, days: int, due: dt.date, why: str) -> None:
    assert cal.add_working_days(start, days) == due, why


def test_partnership_closure_days_are_not_working_days() -> None:
    closed = WorkingCalendar(closures=[D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)])
    assert closed.add_working_days(D(2026, 12, 24), 1) == D(2027, 1, 4)


def test_working_days_between_counts_after_the_start() -> None:
    assert cal.working_days_between(D(2026, 12, 24), D(2026, 12, 29)) == 1
    assert cal.working_days_between(D(2026, 12, 29), D(2026, 12, 24)) == 0


@pytest.mark.parametrize(
    ("start", "months", "due"),
    [
        (D(2027, 1, 31), 1, D(2027, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2027, 3, 15), 6, D(2027, 9, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start: dt.date, months: int, due: dt.date) -> None:
    assert add_months(start, months) == due


def test_negative_clocks_are_refused() -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(D(2026, 1, 1), -1)
