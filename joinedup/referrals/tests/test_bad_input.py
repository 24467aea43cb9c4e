"""Bad input gets a message saying what to fix, never a 500, and nothing half-done (issues 12.8, 16.12)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from joinedup.children.models import AgencyRecord
from joinedup.referrals import services
from joinedup.referrals.models import Referral, ReferralStatus

HEADER = (
    "given_names,family_name,date_of_birth,harm_types,indicators,consent,family_informed,home_area,referrer_contact\n"
)
GOOD = "Ava,Stone,2011-05-04,county_lines;going_missing,Seen in Mansfield,given,yes,City,duty line\n"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(world: Any, text: str) -> Any:
    return _client(world.users["practitioner"]).post(
        reverse("referrals:import"), {"file": SimpleUploadedFile("r.csv", text.encode(), content_type="text/csv")}
    )


def _report(response: Any) -> str:
    assert response.status_code == 200
    content = response.content.decode()
    assert "Nothing has been imported" in content
    return content


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("A" * 121 + ",Stone,2011-05-04,county_lines,Seen,given,yes,City,duty\n", "given_names is longer than 120"),
        ("Ava,Stone,2011-05-04,county_lines," + "x" * 131_073 + ",given,yes,City,duty\n", "indicators is longer"),
        ("Ava,Sto\x00ne,2011-05-04,county_lines,Seen,given,yes,City,duty\n", "family_name contains a character"),
        ("Ava,Stone,2011-05-04,county_lines,Seen,given,yes,City," + "d" * 201 + "\n", "referrer_contact is longer"),
    ],
    ids=["long-name", "huge-field", "nul", "long-contact"],
)
def test_a_bad_row_is_reported_by_row_and_column_and_nothing_is_imported(world: Any, row: str, expected: str) -> None:
    content = _report(_upload(world, HEADER + GOOD + row))
    report = content.split('id="validation-report"')[1]
    assert '<td class="govuk-table__cell">3</td>' in report
    assert expected in report
    assert not Referral.objects.exists() and not AgencyRecord.objects.exists()


def test_a_file_that_is_not_csv_is_refused_with_a_reason(world: Any) -> None:
    content = _report(_upload(world, HEADER + 'Ava,"Stone,2011-05-04\n' + GOOD))
    assert "govuk-error-summary" in content
    assert not Referral.objects.exists()


def test_sending_twice_from_the_page_shows_the_sent_referral(world: Any) -> None:
    author = world.users["practitioner"]
    draft = services.referral_draft_save(
        actor=author,
        referral=None,
        data={
            "child_details": {"given_names": "Zara", "family_name": "Pennington"},
            "harm_types": ["county_lines"],
            "indicators": "Seen at the station late at night.",
            "consent": "given",
            "family_informed": True,
            "home_area": world.city,
            "referrer_contact": "Duty line",
        },
    )
    client = _client(author)
    url = reverse("referrals:check", args=[draft.uuid])
    assert client.post(url).status_code == 302
    again = client.post(url, follow=True)
    assert again.status_code == 200 and "already been sent" in again.content.decode()
    assert Referral.objects.get().status == ReferralStatus.SUBMITTED
    assert AgencyRecord.objects.count() == 1


@pytest.mark.parametrize("page", ["check", "step"])
def test_going_back_to_a_sent_referral_shows_it_rather_than_refusing(world: Any, page: str) -> None:
    """The browser's Back after "Send" reopens the check page (or a step): the author is shown the
    referral they sent, never a 403."""
    author = world.users["practitioner"]
    draft = services.referral_draft_save(
        actor=author,
        referral=None,
        data={
            "child_details": {"given_names": "Zara", "family_name": "Pennington"},
            "harm_types": ["county_lines"],
            "indicators": "Seen at the station late at night.",
            "consent": "given",
            "family_informed": True,
            "home_area": world.city,
            "referrer_contact": "Duty line",
        },
    )
    client = _client(author)
    assert client.post(reverse("referrals:check", args=[draft.uuid])).status_code == 302
    url = (
        reverse("referrals:check", args=[draft.uuid])
        if page == "check"
        else reverse("referrals:step", args=[draft.uuid, "concerns"])
    )
    back = client.get(url, follow=True)
    assert back.redirect_chain == [(reverse("referrals:detail", args=[draft.uuid]), 302)]
    assert back.status_code == 200 and "already been sent" in back.content.decode()
    # Someone else's sent referral is still not theirs to change.
    other = world.user("practitioner", agency="city_csc")
    assert _client(other).get(url).status_code in (403, 404)
    assert Referral.objects.get().status == ReferralStatus.SUBMITTED


@pytest.mark.django_db
def test_the_import_page_lists_what_each_column_may_hold(world: Any) -> None:
    """A walk-through's first file failed on every row: the page named the columns, not their values."""
    from joinedup.referrals.models import Consent
    from joinedup.referrals.taxonomy import harm_types

    page = _client(world.users["practitioner"]).get(reverse("referrals:import")).content.decode()
    codes = page[page.index('id="harm-codes"') :].split("</ul>")[0]
    assert all(f"<code>{code}</code>" in codes for code in harm_types())
    consents = page[page.index('id="consent-codes"') :].split("</ul>")[0]
    assert all(f"<code>{value}</code>" in consents for value in Consent.values)
    assert "<code>City</code>" in page and "YYYY-MM-DD or DD/MM/YYYY" in page


@pytest.mark.django_db
def test_an_unknown_harm_code_is_named_with_codes_to_use(world: Any) -> None:
    content = _report(_upload(world, HEADER + GOOD.replace("county_lines;going_missing", "CSE")))
    assert "harm_types not in the taxonomy: CSE (use the codes the import page lists, such as" in content
