"""The child at a glance: each detail every agency holds, reconciled, built only from what the user may see.

Input is the ChildAccess the policy already granted: the user's own agency's
records in full and partners' records only in the categories an agreement
shares. Records known of only (know-of) contribute nothing here, so the summary
never hints at what the policy hides.

For each detail the values are grouped (after folding case and spacing), each
with the agencies that record it and when they last changed it. The value the
partnership believes is the one most agencies record, ties going to the most
recently changed; where agencies disagree on a detail that identifies the child,
the disagreement is stated in words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.dateformat import format as date_format

from joinedup.children.models import AgencyRecord, Sex
from joinedup.chronology.models import CheckField
from joinedup.core.validators import format_nhs_number

# The details that identify a child: a disagreement on these is stated and may be checked.
IDENTIFYING = {CheckField.DATE_OF_BIRTH, CheckField.SEX, CheckField.NHS_NUMBER, CheckField.NAME}


@dataclass
class Source:
    agency: Any
    updated_at: dt.datetime


@dataclass
class Value:
    text: str
    sources: list[Source] = field(default_factory=list)

    @property
    def latest(self) -> dt.datetime:
        return max(s.updated_at for s in self.sources)

    @property
    def agency_names(self) -> str:
        names = sorted({s.agency.name for s in self.sources})
        return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


@dataclass
class Detail:
    key: str
    label: str
    values: list[Value]
    check_field: str | None = None
    # Several values are expected (names, known-as): they are listed, never "disagree".
    many: bool = False
    # The user's own agency: it checks its own records, so it is never offered as one to ask.
    asker_agency_id: int | None = None
    # Checks of this detail already asked for, by the agency asked (the latest each): see mark_asked.
    asked: dict[int, Any] = field(default_factory=dict)

    @property
    def believed(self) -> Value | None:
        return self.values[0] if self.values else None

    @property
    def disagrees(self) -> bool:
        return not self.many and len(self.values) > 1

    @property
    def disagreement(self) -> str:
        """'two dates of birth recorded: 10 June 2012 by City Children's Services, 6 October 2012 by the school'."""
        counts = {2: "two", 3: "three", 4: "four", 5: "five"}
        plural = {
            "date_of_birth": "dates of birth",
            "sex": "sexes",
            "nhs_number": "NHS numbers",
            "address": "current addresses",
        }.get(self.key, f"{self.label.lower()}s")
        parts = [f"{v.text} by {v.agency_names}" for v in self.values]
        return f"{counts.get(len(self.values), str(len(self.values)))} {plural} recorded: {', '.join(parts)}"

    @property
    def agencies_to_ask(self) -> list[Any]:
        """The agencies to ask to check, where records disagree: those whose value differs from the one
        most agencies record (the odd ones out), or, where no value has more agencies than another (a
        tie), every agency recording it. Never the user's own agency, which checks its own records.

        Two agencies agreeing against a third are more likely right than it, so the third is asked.
        """
        agencies = [len({s.agency.pk for s in value.sources}) for value in self.values]
        most = max(agencies, default=0)
        tie = agencies.count(most) > 1
        seen: dict[int, Any] = {}
        for value, count in zip(self.values, agencies, strict=True):
            if count == most and not tie:
                continue
            for source in value.sources:
                if source.agency.pk != self.asker_agency_id:
                    seen.setdefault(source.agency.pk, source.agency)
        return list(seen.values())

    @property
    def ask_offers(self) -> list[tuple[Any, Any]]:
        """Each agency to ask, with the check already asked of it (None if none): asked once is enough."""
        return [(agency, self.asked.get(agency.pk)) for agency in self.agencies_to_ask]


@dataclass
class Glance:
    details: list[Detail]
    records_seen: int

    @property
    def disagreements(self) -> list[Detail]:
        return [d for d in self.details if d.disagrees]

    def mark_asked(self, requests: list[Any]) -> None:
        """Note on each detail the checks already asked for (RecordCheckRequest rows, newest first)."""
        for detail in self.details:
            for request in requests:
                if request.field == detail.check_field:
                    detail.asked.setdefault(request.to_agency_id, request)

    @property
    def identity_conflict(self) -> bool:
        """Records joined into this child disagree on date of birth or sex: the join wants a second look."""
        return any(d.disagrees and d.key in {"date_of_birth", "sex"} for d in self.details)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _visible_fields(access: Any) -> list[tuple[AgencyRecord, dict[str, Any]]]:
    """Each record the user may read, with the fields they may read of it."""
    out: list[tuple[AgencyRecord, dict[str, Any]]] = []
    for record in access.own_records:
        out.append(
            (
                record,
                {
                    name: getattr(record, name)
                    for name in (
                        "given_names",
                        "family_name",
                        "other_names",
                        "date_of_birth",
                        "sex",
                        "address",
                        "postcode",
                        "area",
                        "nhs_number",
                        "school",
                        "upn",
                    )
                },
            )
        )
    for shared in access.shared:
        out.append((shared.record, dict(shared.fields)))
    return out


def _collect(rows: list[tuple[AgencyRecord, str]], *, latest_wins: bool = False) -> list[Value]:
    """Group equal values (folded), most agencies first, then the most recently changed.

    For what changes over a childhood (address, school) the most recent leads instead.
    """
    groups: dict[str, Value] = {}
    for record, text in rows:
        if not text:
            continue
        value = groups.setdefault(_fold(text), Value(text=text))
        value.sources.append(Source(agency=record.agency, updated_at=record.updated_at))
    if latest_wins:
        return sorted(groups.values(), key=lambda v: -v.latest.timestamp())
    return sorted(
        groups.values(),
        key=lambda v: (-len({s.agency.pk for s in v.sources}), -v.latest.timestamp()),
    )


def _date(value: dt.date | None) -> str:
    return date_format(value, "j F Y") if value else ""


def child_glance(access: Any) -> Glance:
    visible = _visible_fields(access)

    def rows(render: Any) -> list[tuple[AgencyRecord, str]]:
        return [(record, render(fields)) for record, fields in visible]

    def name(fields: dict[str, Any]) -> str:
        if "given_names" not in fields and "family_name" not in fields:
            return ""
        return " ".join(p for p in (fields.get("given_names", ""), fields.get("family_name", "")) if p)

    def known_as(fields: dict[str, Any]) -> list[str]:
        return [n.strip() for n in (fields.get("other_names") or "").replace(";", ",").split(",") if n.strip()]

    def address(fields: dict[str, Any]) -> str:
        return ", ".join(p for p in (fields.get("address", ""), fields.get("postcode", "")) if p)

    def sex(fields: dict[str, Any]) -> str:
        code = fields.get("sex") or ""
        # "Not known" is an absence of a value, not a value that disagrees with one.
        return "" if code in ("", Sex.UNKNOWN) else str(Sex(code).label)

    def area(fields: dict[str, Any]) -> str:
        held = fields.get("area")
        return str(held.name) if held is not None else ""

    known_as_rows = [(record, n) for record, fields in visible for n in known_as(fields)]
    details = [
        Detail("name", "Name", _collect(rows(name)), check_field=CheckField.NAME),
        Detail("known_as", "Also known as", _collect(known_as_rows), many=True),
        Detail(
            "date_of_birth",
            "Date of birth",
            _collect(rows(lambda f: _date(f.get("date_of_birth")))),
            check_field=CheckField.DATE_OF_BIRTH,
        ),
        Detail("sex", "Sex", _collect(rows(sex)), check_field=CheckField.SEX),
        Detail("address", "Current address", _collect(rows(address), latest_wins=True), check_field=CheckField.ADDRESS),
        Detail("area", "Area", _collect(rows(area)), many=True),
        Detail(
            "nhs_number",
            "NHS number",
            _collect(rows(lambda f: format_nhs_number(f.get("nhs_number") or ""))),
            check_field=CheckField.NHS_NUMBER,
        ),
        Detail(
            "school",
            "School",
            _collect(rows(lambda f: f.get("school") or ""), latest_wins=True),
            check_field=CheckField.SCHOOL,
        ),
        Detail("upn", "Unique pupil number", _collect(rows(lambda f: f.get("upn") or ""))),
    ]
    for detail in details:
        detail.asker_agency_id = access.membership.agency_id
    return Glance(details=[d for d in details if d.values], records_seen=len(visible))
