"""Youth participation in a real browser: publish with influence explicit, safe cohorts, you said we did."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from joinedup.children.models import AssociationType
from joinedup.children.services import association_record
from joinedup.conftest import BrowserChecks, make_record
from joinedup.participation import services

pytestmark = pytest.mark.browser


def _fill_date(page: Any, name: str, day: dt.date) -> None:
    for part, value in (("day", day.day), ("month", day.month), ("year", day.year)):
        page.fill(f"#id_{name}_{part}", str(value))


@pytest.fixture
def live_world(transactional_db: Any, world: Any) -> Any:
    return world


def test_publish_an_opportunity_fixing_a_missing_field_then_find_it_publicly(
    live_world: Any, browser_checks: BrowserChecks
) -> None:
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("participation_officer")
    ui.goto("/participation/opportunities/new/")
    page.fill("#id_title", "West Side Youth Voice")
    page.fill("#id_summary", "Tell the council what would make the park safer.")
    page.check("input[name=opportunity_type][value=youth_forum]")
    page.select_option("#id_provider", label="City Children's Services")
    page.select_option("#id_area", label="City")
    page.fill("#id_venue", "Park Pavilion")
    page.fill("#id_venue_postcode", "ng7 3aa")
    page.fill("#id_age_min", "12")
    page.fill("#id_age_max", "17")
    page.check("input[name=groups][value=open]")
    page.fill("#id_schedule", "Wednesdays 6pm")
    page.fill("#id_contact", "Ask at the pavilion")
    page.fill("#id_views_will_shape", "The park's new lighting and youth shelter.")
    page.fill("#id_out_of_scope", "Police patrol times.")
    page.fill("#id_feedback_plan", "At the next session, within 6 weeks.")
    page.select_option("#id_hart_rung", "6")
    page.check("input[name=status][value=published]")
    page.click("text=Save opportunity")
    ui.check()
    summary = page.inner_text(".govuk-error-summary")
    assert "Say who, with power to act, will listen to young people." in summary
    assert page.input_value("#id_title") == "West Side Youth Voice"
    page.fill("#id_audience", "The council's parks committee")
    page.click("text=Save opportunity")
    page.wait_for_url("**/participation/")
    ui.check()
    assert "West Side Youth Voice" in page.inner_text("#opportunities")

    page.click("text=Sign out")
    ui.goto("/young-people/?age=13")
    card = page.inner_text("main")
    assert "West Side Youth Voice" in card and "The council's parks committee" in card
    assert page.locator("#map .leaflet-interactive").count() == 1


def test_form_a_cohort_see_the_safety_warning_and_record_a_voice(
    live_world: Any, browser_checks: BrowserChecks
) -> None:
    officer = live_world.users["participation_officer"]
    opportunity = services.opportunity_save(
        actor=officer,
        opportunity=None,
        data={
            "title": "Peer Researchers",
            "summary": "s",
            "opportunity_type": "peer_research",
            "provider": live_world.agencies["city_csc"],
            "area": live_world.city,
            "is_online": True,
            "venue": "",
            "venue_postcode": "",
            "age_min": 14,
            "age_max": 19,
            "groups": ["affected_by_exploitation"],
            "accessibility": [],
            "schedule": "Thursdays",
            "contact": "c",
            "safeguards": [],
            "status": "draft",
        },
    )
    cohort = services.cohort_create(actor=officer, opportunity=opportunity, name="Spring intake")
    jay = make_record(live_world, given_names="Jay", family_name="Linked").child
    kai = make_record(live_world, given_names="Kai", family_name="Linked").child
    association_record(
        actor=live_world.users["practitioner"],
        child_a=jay,
        child_b=kai,
        association_type=AssociationType.EXPLOITED_TOGETHER,
        source_agency=live_world.agencies["police"],
        confidence="high",
    )
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("practitioner")
    for child, name in ((jay, "Jay"), (kai, "Kai")):
        ui.goto(f"/children/{child.uuid}/")
        page.click("text=Put them forward for a participation opportunity")
        ui.check()
        page.select_option("#id_cohort", label="Peer Researchers: Spring intake")
        page.fill("#id_display_name", name)
        page.check("#id_young_person_consent")
        page.check("input[name=parent_consent][value=given]")
        page.click("main button[type=submit]")
        page.wait_for_url(f"**/children/{child.uuid}/")
    page.click("text=Sign out")

    ui.sign_in("participation_officer")
    ui.goto(f"/participation/cohorts/{cohort.uuid}/")
    page.click("text=Run safety check")
    ui.check()
    warning = page.inner_text(".app-safety-warning")
    assert "Jay and Kai have a safeguarding link: speak to their lead practitioners" in warning
    assert "exploit" not in page.inner_text("main").lower().replace("peer researchers", "")
    page.click("text=Confirm cohort")
    ui.check()
    assert "record a decision" in page.inner_text("main")

    ui.goto("/participation/voices/")
    page.check("input[name=kind][value=idea]")
    page.fill("#id_words", "Ask us before you change the youth club hours.")
    today = dt.date.today()
    _fill_date(page, "heard_on", today)
    page.check("input[name=consent_use][value=anonymised]")
    page.select_option("#id_opportunity", label="Peer Researchers")
    page.click("text=Record contribution")
    ui.check()
    assert "Ask us before you change the youth club hours." in page.inner_text("#awaiting")
    page.click("#awaiting a:has-text('Record what changed')")
    ui.check()
    page.fill("#id_what_changed", "Hours stay the same until the forum agrees.")
    page.fill("#id_decided_by", "Youth service manager")
    for prefix in ("decided_on", "told_on"):
        _fill_date(page, prefix, today)
    page.fill("#id_told_how", "At the forum")
    page.click("text=Record feedback")
    ui.check()
    assert "Every young person has heard back." in page.inner_text("#awaiting")


def _linked_cohort(world: Any) -> tuple[Any, Any]:
    """A forming cohort holding Jay and Kai (linked) and Lee, and a second cohort to move one to."""
    officer = world.users["participation_officer"]
    opportunity = services.opportunity_save(
        actor=officer,
        opportunity=None,
        data={
            "title": "Peer Researchers",
            "summary": "s",
            "opportunity_type": "peer_research",
            "provider": world.agencies["city_csc"],
            "area": world.city,
            "is_online": True,
            "venue": "",
            "venue_postcode": "",
            "age_min": 14,
            "age_max": 19,
            "groups": ["affected_by_exploitation"],
            "accessibility": [],
            "schedule": "Thursdays",
            "contact": "c",
            "safeguards": [],
            "status": "draft",
        },
    )
    cohort = services.cohort_create(actor=officer, opportunity=opportunity, name="Spring intake")
    later = services.cohort_create(actor=officer, opportunity=opportunity, name="Autumn intake")
    children = {}
    for name in ("Jay", "Kai", "Lee"):
        children[name] = make_record(world, given_names=name, family_name="Linked").child
        services.cohort_put_forward(
            actor=world.users["practitioner"],
            cohort=cohort,
            child=children[name],
            display_name=name,
            young_person_consent=True,
            parent_consent="given",
        )
    association_record(
        actor=world.users["practitioner"],
        child_a=children["Jay"],
        child_b=children["Kai"],
        association_type=AssociationType.EXPLOITED_TOGETHER,
        source_agency=world.agencies["police"],
        confidence="high",
    )
    return cohort, later


def test_the_officers_keep_apart_decision_holds_through_confirmation(
    live_world: Any, browser_checks: BrowserChecks
) -> None:
    from joinedup.children.links import linked_pairs
    from joinedup.participation.models import CohortMember

    cohort, later = _linked_cohort(live_world)
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("participation_officer")
    ui.goto("/participation/cohorts/")
    page.click(f"a:has-text('{cohort.name}')")
    ui.check()
    page.click("text=Run safety check")
    ui.check()
    assert "Jay and Kai have a safeguarding link" in page.inner_text(".app-safety-warning")
    page.check("input[name=decision][value=separate]")
    page.fill("#id_decision_note", "Both lead practitioners say they must not meet.")
    page.click("text=Record decision")
    ui.check()
    assert "Keep them apart" in page.inner_text("#decision")

    # Confirming before the decision is carried out is refused, and says what to do.
    page.click("text=Confirm cohort")
    ui.check()
    assert "You decided to keep Jay and Kai apart" in page.inner_text("main")
    assert "Forming" in page.inner_text("main")

    # Choosing nobody is explained in the error summary.
    page.click("text=Move out of this cohort")
    ui.check()
    assert "Choose which young person moves out of this cohort." in page.inner_text(".govuk-error-summary")

    page.check("#separate label:has-text('Kai')")
    page.select_option("#id_to_cohort", label="Peer Researchers: Autumn intake")
    page.click("text=Move out of this cohort")
    ui.check()
    assert "Kai moved to Autumn intake" in page.inner_text("main")
    page.click("text=Confirm cohort")
    ui.check()
    assert "Spring intake confirmed." in page.inner_text("main")
    members = page.inner_text("#members")
    assert "Jay" in members and "Lee" in members and "Kai" not in members

    placed = {m.child_id: m for m in CohortMember.objects.filter(cohort=cohort, status="placed")}
    assert len(placed) == 2 and not linked_pairs(placed)
    assert CohortMember.objects.get(cohort=later).display_name == "Kai"

    ui.goto(f"/participation/cohorts/{later.uuid}/")
    assert "Kai" in page.inner_text("#members")


def test_a_practitioner_records_the_childs_words_on_the_child_page(
    live_world: Any, browser_checks: BrowserChecks
) -> None:
    child = make_record(live_world, given_names="Mo").child
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("practitioner")
    ui.goto(f"/children/{child.uuid}/")
    assert "Nothing recorded in their own words" in page.inner_text("#child-words")
    page.click("text=Record something they said, in their own words")
    ui.check()
    page.click("text=Record their words")
    ui.check()
    summary = page.inner_text(".govuk-error-summary")
    assert "Enter in their own words" in summary or "Enter" in summary
    page.check("input[name=kind][value=worry]")
    page.fill("#id_words", "I don't want to go to the park on my own any more.")
    today = dt.date.today()
    _fill_date(page, "heard_on", today)
    page.check("input[name=consent_use][value=my_plan_only]")
    page.click("text=Record their words")
    page.wait_for_url(f"**/children/{child.uuid}/#own-words")
    ui.check()
    words = page.inner_text("#child-words")
    assert "I don't want to go to the park on my own any more." in words
    assert "A worry, said about their own plan" in words and "City Children's Services" in words


def test_htmx_ignores_injected_markup(live_world: Any, browser_checks: BrowserChecks) -> None:
    from joinedup.core.models import ApiToken
    from joinedup.participation.tests.test_markup_safety import BREAKOUT
    from joinedup.participation.tests.test_participation import opportunity_data

    services.opportunity_save(
        actor=live_world.users["participation_officer"],
        opportunity=None,
        data=opportunity_data(live_world, title=BREAKOUT),
    )
    ui, page = browser_checks, browser_checks.page
    ui.sign_in("practitioner")
    posts: list[str] = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    ui.goto("/participation/")
    page.wait_for_timeout(500)
    assert page.locator("form[hx-post]").count() == 0
    assert not ApiToken.objects.exists() and not posts

    config = page.evaluate("() => ({mode: htmx.config.mode, prefix: htmx.config.prefix})")
    assert config == {"mode": "same-origin", "prefix": ""}

    probes: list[str] = []
    page.on("request", lambda r: "probe=" in r.url and probes.append(r.url.split("probe=")[1]))
    page.evaluate(
        """() => {
        const add = (where, html) => { where.insertAdjacentHTML('beforeend', html); htmx.process(where); };
        // Inside a region that shows user-written text: hx-ignore must stop htmx.
        add(document.querySelector('#opportunities'),
            '<button hx-post="/account/api-tokens/?probe=ignored" hx-trigger="load">x</button>');
        // data-hx-* is not htmx's to act on here (prefix off).
        add(document.querySelector('main'),
            '<button data-hx-get="/participation/?probe=prefixed" data-hx-trigger="load">y</button>');
        // The control: outside any such region htmx does act, so the checks above can fail.
        add(document.querySelector('main'),
            '<button hx-get="/participation/?probe=control" hx-trigger="load" hx-swap="none">z</button>');
    }"""
    )
    page.wait_for_timeout(800)
    assert probes == ["control"]
    assert not ApiToken.objects.exists() and not posts


def test_words_to_change_services_go_from_a_childs_page_to_the_officer_and_back_then_are_withdrawn(
    live_world: Any, browser_checks: BrowserChecks
) -> None:
    """A practitioner records a child's idea on their page, with their name, to help change
    services; the participation officer closes the loop; the practitioner reads what changed on
    the child's page, and withdraws the words when the young person asks."""
    ui, page = browser_checks, browser_checks.page
    child = make_record(live_world, given_names="Mia", family_name="Hart").child
    today = dt.date.today()
    ui.sign_in("practitioner")
    ui.goto(f"/participation/children/{child.uuid}/words/")
    page.check("input[name=kind][value=idea]")
    page.fill("#id_words", "Keep the skate park lights on until nine.")
    _fill_date(page, "heard_on", today)
    page.check("input[name=consent_use][value=named]")
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/children/{child.uuid}/**")
    ui.check()
    words = page.inner_text("#child-words")
    assert "Keep the skate park lights on until nine." in words and "Not yet fed back" in words
    page.click("text=Sign out")

    ui.sign_in("participation_officer")
    ui.goto("/participation/voices/")
    assert "Keep the skate park lights on until nine." in page.inner_text("#awaiting")
    assert "Mia" not in page.inner_text("#awaiting")  # the voices page names nobody
    page.click("#awaiting a:has-text('Record what changed')")
    ui.check()
    page.fill("#id_what_changed", "The lights now stay on until nine.")
    page.fill("#id_decided_by", "Parks committee")
    for prefix in ("decided_on", "told_on"):
        _fill_date(page, prefix, today)
    page.fill("#id_told_how", "By their youth worker")
    page.click("text=Record feedback")
    ui.check()
    page.click("text=Sign out")

    ui.sign_in("practitioner")
    ui.goto(f"/children/{child.uuid}/")
    words = page.inner_text("#child-words")
    assert "What changed: The lights now stay on until nine." in words and "Not yet fed back" not in words
    page.click("#child-words button:has-text('Withdraw at their request')")
    page.wait_for_url(f"**/children/{child.uuid}/**")
    ui.check()
    assert "withdrawn" in page.inner_text(".govuk-notification-banner")
    assert "Keep the skate park lights on until nine." not in page.inner_text("main")
