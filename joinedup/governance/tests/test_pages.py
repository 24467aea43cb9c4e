from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_record
from joinedup.children.models import AgencyRecord, BreakGlassGrant, IntelligenceItem
from joinedup.children.selectors import child_view
from joinedup.children.services import break_glass_open
from joinedup.conftest import make_agreement, make_record, same_child
from joinedup.core.csvsafe import csv_safe
from joinedup.governance.models import ExemptionDecision, RetentionDecision
from joinedup.governance.subject_access import subject_access_export, subject_access_review
from joinedup.partnership.models import InformationSharingAgreement


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _agreement_form(world: Any, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Exploitation panel sharing",
        "reference": "ISA-NEW",
        "parties": [world.agencies["city_csc"].pk, world.agencies["police"].pk],
        "purposes": ["mace_panel", "screening"],
        "categories": ["identity", "police_intelligence"],
        "lawful_basis": "public_task_sch1_para18",
        "dpia_reference": "DPIA-9",
        "start_date_day": "1",
        "start_date_month": "4",
        "start_date_year": "2026",
        "review_date_day": "1",
        "review_date_month": "4",
        "review_date_year": "2027",
        "status": "active",
        "redact_third_parties": "on",
    }
    data.update(overrides)
    return data


class TestAgreements:
    def test_a_dpo_adds_an_agreement_and_it_is_audited(self, world: Any) -> None:
        response = as_user(world.users["dpo"]).post(reverse("governance:agreement_create"), _agreement_form(world))
        assert response.status_code == 302
        agreement = InformationSharingAgreement.objects.get(reference="ISA-NEW")
        assert agreement.purposes == ["mace_panel", "screening"]
        assert agreement.redact_third_parties and not agreement.know_of_only
        assert set(agreement.parties.values_list("name", flat=True)) == {"City Children's Services", "Shire Police"}
        assert AuditEvent.objects.get(event="agreement.created").new["reference"] == "ISA-NEW"

    def test_mistakes_are_explained_and_input_kept(self, world: Any) -> None:
        form = _agreement_form(world, parties=[world.agencies["police"].pk], categories=[], review_date_year="2025")
        response = as_user(world.users["dpo"]).post(reverse("governance:agreement_create"), form)
        content = response.content.decode()
        assert response.status_code == 200
        assert "Choose at least two agencies" in content
        assert "Choose the categories shared, or make the agreement know-of only" in content
        assert "The review date must be on or after the start date" in content
        assert 'value="Exploitation panel sharing"' in content
        assert not InformationSharingAgreement.objects.filter(reference="ISA-NEW").exists()

    def test_know_of_only_with_categories_is_refused_and_nothing_is_dropped(self, world: Any) -> None:
        client = as_user(world.users["dpo"])
        form = _agreement_form(world, know_of_only="on")
        response = client.post(reverse("governance:agreement_create"), form)
        content = response.content.decode()
        assert response.status_code == 200
        assert "A know-of only agreement shares no content" in content
        # What was ticked is still ticked, for the officer to choose between.
        for value in ("identity", "police_intelligence"):
            assert re.search(rf'value="{value}"[^>]*checked', content), value
        assert re.search(r'name="know_of_only"[^>]*checked', content)
        assert not InformationSharingAgreement.objects.filter(reference="ISA-NEW").exists()

        response = client.post(
            reverse("governance:agreement_create"), _agreement_form(world, know_of_only="on", categories=[])
        )
        assert response.status_code == 302
        agreement = InformationSharingAgreement.objects.get(reference="ISA-NEW")
        assert agreement.know_of_only and agreement.categories == []

    def test_making_a_content_agreement_know_of_only_asks_to_untick_its_categories(self, world: Any) -> None:
        agreement = make_agreement(world, reference="ISA-EDIT")
        before = list(agreement.categories)
        client = as_user(world.users["dpo"])
        form = _agreement_form(world, reference="ISA-EDIT", know_of_only="on", categories=before)
        response = client.post(reverse("governance:agreement_edit", args=[agreement.uuid]), form)
        assert response.status_code == 200
        assert "A know-of only agreement shares no content" in response.content.decode()
        agreement.refresh_from_db()
        assert not agreement.know_of_only and agreement.categories == before

    def test_the_register_highlights_due_and_overdue_reviews(self, world: Any) -> None:
        today = dt.date.today()
        make_agreement(world, reference="DUE", review_date=today + dt.timedelta(days=10))
        make_agreement(world, reference="LATE", review_date=today - dt.timedelta(days=1))
        make_agreement(world, reference="FINE", review_date=today + dt.timedelta(days=200))
        content = as_user(world.users["dpo"]).get(reverse("governance:agreements")).content.decode()
        rows = {ref: content.split(f"<strong>{ref}</strong>")[1].split("</tr>")[0] for ref in ("DUE", "LATE", "FINE")}
        assert "Due soon" in rows["DUE"] and "Overdue" in rows["LATE"]
        assert "Due soon" not in rows["FINE"] and "Overdue" not in rows["FINE"]

    def test_reviewing_moves_the_review_date(self, world: Any) -> None:
        agreement = make_agreement(world)
        next_year = dt.date.today() + dt.timedelta(days=365)
        response = as_user(world.users["dpo"]).post(
            reverse("governance:agreement_review", args=[agreement.uuid]),
            {
                "next_review_day": next_year.day,
                "next_review_month": next_year.month,
                "next_review_year": next_year.year,
                "note": "Checked with all parties.",
            },
        )
        assert response.status_code == 302
        agreement.refresh_from_db()
        assert agreement.review_date == next_year and agreement.last_reviewed_by == world.users["dpo"]


class TestBreakGlassReview:
    def test_a_dpo_ends_an_open_access_early_with_a_reason_and_the_user_is_told(
        self, world: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        from joinedup.notifications.models import Notification

        child = make_record(world, agency="police").child
        user = world.users["practitioner"]
        grant = break_glass_open(actor=user, child=child, reason="missing", explanation="Missing since last night.")
        client = as_user(world.users["dpo"])
        url = reverse("governance:break_glass_review", args=[grant.uuid])
        page = client.get(url).content.decode()
        assert "Still open" in page and "End this emergency access now" in page
        refused = client.post(url, {"review_status": "referred", "review_note": "", "end_now": "on"})
        assert "Say why this access is referred" in refused.content.decode()
        grant.refresh_from_db()
        assert grant.expires_at > timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                url, {"review_status": "referred", "review_note": "Not an emergency: ask police.", "end_now": "on"}
            )
        grant.refresh_from_db()
        assert grant.expires_at <= timezone.now() and grant.review_status == "referred"
        told = Notification.objects.get(user=user, kind="break_glass_ended")
        assert "Not an emergency" in told.body
        # The child's page is closed to them again.
        assert as_user(user).get(reverse("children:detail", args=[child.uuid])).status_code == 404
        event = AuditEvent.objects.get(event="break_glass.reviewed")
        assert event.detail["ended_early"] is True
        assert "End this emergency access now" not in client.get(url).content.decode()
        # Opening it again at once would undo the DPO's decision: refused, in words.
        again = as_user(user).post(
            reverse("children:break_glass", args=[child.uuid]),
            {"reason": "missing", "explanation": "Still missing since last night, phone off."},
        )
        assert "ended your emergency access to this child" in again.content.decode()
        assert BreakGlassGrant.objects.filter(user=user, child=child).count() == 1

    def test_a_dpo_marks_an_access_justified_or_refers_it(self, world: Any) -> None:
        child = make_record(world, agency="police").child
        grant = break_glass_open(
            actor=world.users["practitioner"], child=child, reason="missing", explanation="Missing since last night."
        )
        client = as_user(world.users["dpo"])
        assert "Waiting for review (1)" in client.get(reverse("governance:break_glass")).content.decode()
        refused = client.post(
            reverse("governance:break_glass_review", args=[grant.uuid]),
            {"review_status": "referred", "review_note": ""},
        )
        assert "Say why this access is referred" in refused.content.decode()
        client.post(
            reverse("governance:break_glass_review", args=[grant.uuid]),
            {"review_status": "justified", "review_note": "Child was missing; access proportionate."},
        )
        grant.refresh_from_db()
        assert grant.review_status == "justified" and grant.reviewed_by == world.users["dpo"]
        assert AuditEvent.objects.filter(event="break_glass.reviewed").exists()

    def test_the_review_names_the_child_and_links_to_their_trail(self, world: Any) -> None:
        child = make_record(world, agency="police", given_names="Nathaniel", family_name="Osei").child
        grant = break_glass_open(
            actor=world.users["practitioner"], child=child, reason="missing", explanation="Missing since last night."
        )
        client = as_user(world.users["dpo"])
        queue = client.get(reverse("governance:break_glass")).content.decode()
        assert "Nathaniel Osei" in queue and "27 March 2011" in queue
        page = client.get(reverse("governance:break_glass_review", args=[grant.uuid])).content.decode()
        row = page.split('id="grant-child"')[1].split("</dd>")[0]
        assert "Nathaniel Osei" in row and "born 27 March 2011" in row
        assert f"{reverse('governance:disclosures')}?child={child.uuid}" in row
        assert f"{reverse('governance:audit')}?child={child.uuid}" in row
        # The raw id is in links only, never shown as the child.
        assert f">{child.uuid}<" not in page
        viewed = AuditEvent.objects.get(event="break_glass.review_viewed")
        assert viewed.child_uuid == child.uuid and viewed.actor == world.users["dpo"]
        assert AuditEvent.objects.filter(event="break_glass.queue_viewed", actor=world.users["dpo"]).exists()
        # The police record supplied the name to a DPO in children's services: a disclosure.
        from joinedup.children.models import Disclosure

        shown = Disclosure.objects.get(user=world.users["dpo"])
        assert shown.purpose == "data_protection" and shown.categories == ["identity"]
        assert shown.holder_agency == world.agencies["police"]


class TestDisclosureLog:
    def test_the_dpo_sees_who_has_seen_a_childs_police_information_and_why(self, world: Any) -> None:
        own = make_record(world)
        police = make_record(world, agency="police")
        same_child(own, police)
        IntelligenceItem.objects.create(
            record=police,
            summary="x",
            source_grade="1",
            information_grade="A",
            handling_code="P",
            recorded_at=timezone.now(),
        )
        agreement = make_agreement(world, categories=("identity", "police_intelligence"))
        child_view(user=world.users["practitioner"], child_uuid=own.child.uuid, purpose="direct_work")
        response = as_user(world.users["dpo"]).get(
            reverse("governance:disclosures"), {"child": str(own.child.uuid), "category": "police_intelligence"}
        )
        content = response.content.decode()
        assert "Shire Police" in content and str(world.users["practitioner"]) in content
        assert agreement.reference in content and "Direct work with the child" in content
        assert "Police intelligence" in content and "police_intelligence" not in content.split("<table")[1]
        empty = as_user(world.users["dpo"]).get(
            reverse("governance:disclosures"), {"child": str(own.child.uuid), "category": "health"}
        )
        assert "No disclosures match" in empty.content.decode()

    def _seen(self, world: Any, n: int, **fields: Any) -> list[Any]:
        make_agreement(world, categories=("identity", "contact"))
        children = []
        for i in range(n):
            own = make_record(world, given_names=f"Own{i}", **fields)
            police = make_record(world, agency="police", given_names=f"Rowan{i}", family_name="Ashby", **fields)
            same_child(own, police)
            child_view(user=world.users["practitioner"], child_uuid=own.child.uuid, purpose="direct_work")
            children.append(own.child)
        return children

    def test_recent_disclosures_show_without_typing_an_id_and_name_the_child(self, world: Any) -> None:
        (child,) = self._seen(world, 1)
        response = as_user(world.users["dpo"]).get(reverse("governance:disclosures"))
        table = response.content.decode().split('id="disclosures"')[1]
        assert "Shire Police" in table and "No disclosures" not in table
        # Named as the partnership's newest record has it, with a link to that child's disclosures.
        assert "Rowan0 Ashby" in table and "27 March 2011" in table
        assert f"?child={child.uuid}" in table
        event = AuditEvent.objects.filter(event="disclosures.viewed").latest("id")
        assert event.actor == world.users["dpo"] and event.detail["children_named"] == [str(child.uuid)]

    def test_filters_by_agency_and_period_and_explains_mistakes(self, world: Any) -> None:
        self._seen(world, 1)
        client = as_user(world.users["dpo"])
        url = reverse("governance:disclosures")
        by_health = client.get(url, {"agency": world.agencies["health"].pk}).content.decode()
        assert "No disclosures match" in by_health
        by_police = client.get(url, {"agency": world.agencies["police"].pk}).content.decode()
        assert "Rowan0 Ashby" in by_police
        today = timezone.localdate()
        yesterday = today - dt.timedelta(days=1)
        before = client.get(
            url, {"date_to_day": yesterday.day, "date_to_month": yesterday.month, "date_to_year": yesterday.year}
        ).content.decode()
        assert "No disclosures match" in before
        on_the_day = client.get(
            url,
            {
                "date_from_day": today.day,
                "date_from_month": today.month,
                "date_from_year": today.year,
                "date_to_day": today.day,
                "date_to_month": today.month,
                "date_to_year": today.year,
            },
        ).content.decode()
        assert "Rowan0 Ashby" in on_the_day
        wrong = client.get(
            url,
            {
                "child": "not-an-id",
                "date_from_day": today.day,
                "date_from_month": today.month,
                "date_from_year": today.year,
                "date_to_day": yesterday.day,
                "date_to_month": yesterday.month,
                "date_to_year": yesterday.year,
            },
        )
        assert wrong.status_code == 200
        summary = wrong.content.decode().split('class="govuk-error-summary"')[1].split("</form>")[0]
        assert "Enter a child ID" in summary and "To must be the same as or after From" in summary
        assert 'id="disclosures"' not in wrong.content.decode()

    def test_the_log_is_paginated(self, world: Any, django_assert_max_num_queries: Any) -> None:
        self._seen(world, 26)  # one disclosure per child: the police record
        from joinedup.children.models import Disclosure

        assert Disclosure.objects.count() == 26
        client = as_user(world.users["dpo"])
        Disclosure.objects.bulk_create(
            [
                Disclosure(**{k: v for k, v in d.__dict__.items() if k not in {"_state", "id"}})
                for d in Disclosure.objects.all()
            ]
        )
        with django_assert_max_num_queries(20):
            first = client.get(reverse("governance:disclosures")).content.decode()
        assert "Page 1 of 2" in first and "52 disclosures" in first
        second = client.get(reverse("governance:disclosures"), {"page": "2"}).content.decode()
        assert "Page 2 of 2" in second and second.count('class="govuk-table__row"') == 3  # header + 2 rows


class TestAuditPage:
    def test_filters_by_user_child_event_and_date(self, world: Any) -> None:
        record = make_record(world, actor=world.users["practitioner"])
        audit_record(actor=world.users["screener"], event="children.searched")
        client = as_user(world.users["dpo"])
        by_user = client.get(reverse("governance:audit"), {"user": "screener"}).content.decode()
        assert "Children searched" in by_user and "Agency record created" not in by_user
        by_child = client.get(reverse("governance:audit"), {"child": str(record.child.uuid)}).content.decode()
        assert "Agency record created" in by_child and "Children searched" not in by_child
        assert "Jordan Test-Child" in by_child and "agency_record.created" not in by_child
        assert AuditEvent.objects.filter(event="audit.viewed", actor=world.users["dpo"]).exists()
        tomorrow = dt.date.today() + dt.timedelta(days=1)
        none = client.get(
            reverse("governance:audit"),
            {"date_from_day": tomorrow.day, "date_from_month": tomorrow.month, "date_from_year": tomorrow.year},
        )
        assert "From must be today or in the past" in none.content.decode()

    def test_the_csv_export_is_safe_against_formula_injection(self, world: Any) -> None:
        audit_record(actor=world.users["practitioner"], event="children.searched", detail={"query": "=HYPERLINK(1)"})
        AuditEvent.objects.filter(event="children.searched")  # the query text lands in the detail column
        response = as_user(world.users["dpo"]).get(reverse("governance:audit"), {"format": "csv", "event": "children"})
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][0] == "id" and len(rows) == 2
        assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
        assert csv_safe("=1+1") == "'=1+1" and csv_safe("@cmd") == "'@cmd" and csv_safe("plain") == "plain"
        assert AuditEvent.objects.filter(event="audit.exported").exists()


class TestSubjectAccess:
    def test_json_export_holds_every_record_disclosure_and_view_with_redaction(self, world: Any) -> None:
        own = make_record(world, actor=world.users["practitioner"], given_names="Esme", agency="city_school")
        police = make_record(world, agency="police", given_names="Esme")
        same_child(own, police)
        make_agreement(world, parties=("city_school", "police"), categories=("identity",), redact_third_parties=True)
        school_user = world.user("practitioner", agency="city_school")
        child_view(user=school_user, child_uuid=own.child.uuid, purpose="direct_work")
        client = as_user(world.users["dpo"])
        found = client.get(reverse("governance:subject_access"), {"q": str(own.child.uuid)}).content.decode()
        assert (
            "Esme Test-Child" in found and reverse("governance:subject_access_review", args=[own.child.uuid]) in found
        )
        export = json.loads(client.get(reverse("governance:subject_access_json", args=[own.child.uuid])).content)
        assert {h["agency"] for h in export["information_held"]} == {"City Schools", "Shire Police"}
        school = next(h for h in export["information_held"] if h["agency"] == "City Schools")
        fields = {f["label"]: f["value"] for f in school["records"][0]["fields"]}
        assert fields["Given names"] == "Esme" and fields["Date of birth"] == "27 March 2011"
        assert fields["Record created"].endswith("by [redacted: third party]")
        (shown,) = export["who_has_been_shown_this_information"]
        assert (
            shown["from"] == "Shire Police"
            and shown["what"] == "Identity"
            and shown["why"] == "Direct work with the child"
        )
        assert export["when_the_record_was_opened"][0]["why"] == "Direct work with the child"
        assert AuditEvent.objects.filter(event="subject_access.exported").exists()

    def _with_intelligence(self, world: Any) -> tuple[Any, Any]:
        own = make_record(world, given_names="Kezia", family_name="Marsh", address="3 Canal Row")
        police = make_record(world, agency="police", given_names="Kezia", family_name="Marsh")
        child = same_child(own, police)
        item = IntelligenceItem.objects.create(
            record=police,
            summary="Seen with older males at the Arboretum; believed to be carrying for a county line.",
            source_grade="2",
            information_grade="B",
            handling_code="C",
            handling_conditions="Not to be disclosed to the family; discuss with the PPU before acting.",
            recorded_at=timezone.now(),
        )
        return child, item

    def test_intelligence_barred_from_the_family_stays_out_until_the_dpo_decides(self, world: Any) -> None:
        child, item = self._with_intelligence(world)
        client = as_user(world.users["dpo"])
        review_url = reverse("governance:subject_access_review", args=[child.uuid])
        review = client.get(review_url).content.decode()
        # The DPO sees the intelligence and why it may be exempt, and the social care record too.
        assert "Arboretum" in review and "Not to be disclosed to the family" in review
        assert "Police handling conditions restrict disclosure" in review
        assert "Social work data whose disclosure may cause serious harm" in review
        assert "2 items not decided yet" in review
        assert AuditEvent.objects.filter(event="subject_access.reviewed", child_uuid=child.uuid).exists()

        def letter() -> str:
            return client.get(reverse("governance:subject_access_letter", args=[child.uuid])).content.decode()

        def data() -> str:
            return client.get(reverse("governance:subject_access_json", args=[child.uuid])).content.decode()

        # Undecided: out of the letter, the PDF's source and the JSON.
        assert "Arboretum" not in letter() and "Arboretum" not in data() and "3 Canal Row" not in data()
        pdf_html = render_to_string(
            "governance/subject_access_pdf.html",
            {"export": subject_access_export(user=world.users["dpo"], child=child)},
        )
        assert "Arboretum" not in pdf_html and "Kezia Marsh" in pdf_html

        missing = client.post(review_url, {"item": str(item.uuid)})
        assert missing.status_code == 200
        assert "Choose decision" in missing.content.decode() and "Enter reason" in missing.content.decode()
        assert not ExemptionDecision.objects.exists()
        client.post(
            review_url,
            {"item": str(item.uuid), f"{item.uuid}-outcome": "withhold", f"{item.uuid}-reason": "Sch 2 para 2: live."},
        )
        decision = ExemptionDecision.objects.get()
        assert decision.outcome == "withhold" and decision.decided_by == world.users["dpo"]
        assert AuditEvent.objects.get(event="subject_access.item_decided").new["outcome"] == "withhold"
        withheld = client.get(review_url).content.decode().split('id="withheld"')[1]
        assert "Police intelligence recorded" in withheld and "Sch 2 para 2: live." in withheld
        assert "Arboretum" not in letter() and "Arboretum" not in data()

        record = next(
            i for i in subject_access_review(user=world.users["dpo"], child=child).items if i.kind == "record"
        )
        client.post(
            review_url,
            {"item": str(record.uuid), f"{record.uuid}-outcome": "disclose", f"{record.uuid}-reason": "No risk."},
        )
        assert "3 Canal Row" in letter() and "3 Canal Row" in data() and "Arboretum" not in data()
        # A later decision supersedes the earlier one; both stay on record.
        client.post(
            review_url,
            {"item": str(item.uuid), f"{item.uuid}-outcome": "disclose", f"{item.uuid}-reason": "PPU agreed."},
        )
        assert "Arboretum" in data() and ExemptionDecision.objects.count() == 3

    def test_the_letter_reads_as_a_letter(self, world: Any) -> None:
        child, _ = self._with_intelligence(world)
        content = as_user(world.users["dpo"]).get(reverse("governance:subject_access_letter", args=[child.uuid]))
        text = content.content.decode().split('id="letter"')[1]
        assert "Dear Kezia Marsh" in text and "born 27 March 2011" in text
        for raw in ("given_names", "date_of_birth", "police_intelligence", "direct_work", "2011-03-27", "T0"):
            assert raw not in text, raw
        assert "Information Commissioner" in text
        previewed = AuditEvent.objects.get(event="subject_access.previewed")
        assert previewed.child_uuid == child.uuid and previewed.actor == world.users["dpo"]

    def test_a_decision_on_something_not_the_childs_is_refused(self, world: Any) -> None:
        child, _ = self._with_intelligence(world)
        other, other_item = self._with_intelligence(world)
        url = reverse("governance:subject_access_review", args=[child.uuid])
        client = as_user(world.users["dpo"])
        for item in (str(other_item.uuid), "not-a-uuid", ""):
            response = client.post(url, {"item": item, f"{item}-outcome": "disclose", f"{item}-reason": "x"})
            assert response.status_code == 404
        assert not ExemptionDecision.objects.exists()

    def test_only_a_dpo_may_decide_and_a_refusal_changes_nothing(self, world: Any) -> None:
        child, item = self._with_intelligence(world)
        url = reverse("governance:subject_access_review", args=[child.uuid])
        body = {"item": str(item.uuid), f"{item.uuid}-outcome": "disclose", f"{item.uuid}-reason": "x"}
        for role in ("practitioner", "screener", "analyst", "partnership_admin"):
            assert as_user(world.users[role]).post(url, body).status_code == 403
        assert Client().post(url, body).status_code == 302
        assert not ExemptionDecision.objects.exists()
        assert not AuditEvent.objects.filter(event="subject_access.item_decided").exists()

    def test_pdf_export_is_a_pdf(self, world: Any) -> None:
        record = make_record(world)
        response = as_user(world.users["dpo"]).get(reverse("governance:subject_access_pdf", args=[record.child.uuid]))
        assert response.status_code == 200 and response.content.startswith(b"%PDF")


class TestRetention:
    def _old(self, world: Any, years: int = 30) -> Any:
        record = make_record(world, given_names="Archived")
        AgencyRecord.objects.filter(pk=record.pk).update(updated_at=timezone.now() - dt.timedelta(days=365 * years))
        return record

    def test_records_past_retention_are_listed_and_nothing_is_erased_without_a_decision(self, world: Any) -> None:
        old = self._old(world)
        fresh = make_record(world)
        content = as_user(world.users["dpo"]).get(reverse("governance:retention")).content.decode()
        assert old.local_id in content and fresh.local_id not in content
        old.refresh_from_db()
        assert old.erased_at is None and old.given_names == "Archived"

    def test_retaining_needs_a_review_date_and_hides_the_record_until_then(self, world: Any) -> None:
        old = self._old(world)
        client = as_user(world.users["dpo"])
        url = reverse("governance:retention_decide", args=[old.uuid])
        missing = client.post(url, {"outcome": "retain", "reason": "Open s47 enquiry"})
        assert "Enter when the record should be reviewed again" in missing.content.decode()
        later = dt.date.today() + dt.timedelta(days=365)
        client.post(
            url,
            {
                "outcome": "retain",
                "reason": "Open s47 enquiry",
                "retain_until_day": later.day,
                "retain_until_month": later.month,
                "retain_until_year": later.year,
            },
        )
        assert RetentionDecision.objects.get().outcome == "retain"
        assert url not in client.get(reverse("governance:retention")).content.decode()

    def test_opening_a_record_for_a_decision_is_audited(self, world: Any) -> None:
        old = self._old(world)
        client = as_user(world.users["dpo"])
        client.get(reverse("governance:retention"))
        listed = AuditEvent.objects.get(event="retention.listed")
        assert listed.actor == world.users["dpo"] and str(old.uuid) in listed.detail["records"]
        page = client.get(reverse("governance:retention_decide", args=[old.uuid])).content.decode()
        assert "Archived Test-Child" in page and "27 March 2011" in page
        viewed = AuditEvent.objects.get(event="retention.record_viewed")
        assert viewed.actor == world.users["dpo"] and viewed.child_uuid == old.child.uuid
        assert viewed.detail["record"] == str(old.uuid)

    def test_erasing_keeps_a_tombstone_and_the_audit_trail(self, world: Any) -> None:
        old = self._old(world)
        as_user(world.users["dpo"]).post(
            reverse("governance:retention_decide", args=[old.uuid]), {"outcome": "erase", "reason": "Past retention"}
        )
        old.refresh_from_db()
        assert old.erased_at is not None and old.given_names == "" and old.date_of_birth is None
        assert old.local_id and old.agency_id  # the tombstone
        event = AuditEvent.objects.get(event="agency_record.erased")
        assert "Archived" not in json.dumps(event.new) + json.dumps(event.detail)
        # An erased record no longer puts the child in anyone's work.
        assert not BreakGlassGrant.objects.exists()
        assert (
            as_user(world.users["practitioner"]).get(reverse("children:detail", args=[old.child.uuid])).status_code
            == 404
        )


def test_the_review_says_what_was_seen_once_for_each_agency_with_how_often(world: Any) -> None:
    police = make_record(world, agency="police", given_names="Nathaniel", family_name="Osei")
    health = make_record(world, agency="health", given_names="Nathaniel", family_name="Osei")
    child = same_child(police, health)
    grant = break_glass_open(
        actor=world.users["practitioner"], child=child, reason="missing", explanation="Missing since last night."
    )
    worker = as_user(world.users["practitioner"])
    for _ in range(3):
        assert worker.get(reverse("children:detail", args=[child.uuid])).status_code == 200
    page = as_user(world.users["dpo"]).get(reverse("governance:break_glass_review", args=[grant.uuid]))
    seen = page.content.decode().split("What was seen")[1].split("</dd>")[0]
    assert seen.count("Shire Police, 1 record") == 1 and seen.count("Shire Health Trust, 1 record") == 1
    assert seen.count("seen 3 times") == 2
