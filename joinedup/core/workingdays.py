"""Statutory clocks in working days.

A working day is Monday to Friday, not an England and Wales bank holiday
(substitute days included, from the `holidays` package), and not a closure
day the partnership has declared (for example the days between Christmas and
New Year some councils close). Counting starts the day after the event: a
referral received on a Friday with a one-working-day clock is due on the
Monday, or the Tuesday if that Monday is a bank holiday.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    # Working Together applies in England; the England and Wales calendar is the same bar Wales' own days.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]).keys())


class WorkingCalendar:
    def __init__(self, closures: Iterable[dt.date] = ()) -> None:
        self.closures = frozenset(closures)

    def is_working_day(self, day: dt.date) -> bool:
        if day.weekday() >= 5:
            return False
        if day in _bank_holidays(day.year):
            return False
        return day not in self.closures

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date `days` working days after `start` (start itself never counts)."""
        if days < 0:
            raise ValueError("A clock counts forwards: days must be 0 or more.")
        day = start
        counted = 0
        while counted < days:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 if end is not after start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def add_months(start: dt.date, months: int) -> dt.date:
    """Calendar months later, on the same day or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
