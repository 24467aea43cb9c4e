"""h6-pagetime's shortcuts trust their caller to have opened the child; they must show no more than the policy.

`cases_of_opened_child`, `child_access_of_visible`, `case_access_levels` and
`child_names(opened=)` skip a question the policy would ask again. Here each is
checked two ways, on main and on the branch alike:

- the pages, partials, API and export that use them, for a user who must not see a
  child or a case: after break-glass expires, after a case is handed over between
  areas (offered, declined, accepted), under a know-of-only agreement, after a
  split, and from an agency with no agreement;
- the shortcut itself against the full policy (`child_access`, `cases_visible_to`,
  main's `case_access_level`, `child_names` without `opened`), for every role of
  every agency and every child of the scenario (skipped where main has no shortcut).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from joinedup.children.access import child_access, children_visible_to
from joinedup.children.models import BreakGlassGrant
from joinedup.children.services import break_glass_open
from joinedup.conftest import make_agreement, make_record, make_submitted_referral, make_user, same_child
from joinedup.linkage.services import child_merge, child_unmerge
from joinedup.partnership.access import membership_for, partner_grants
from joinedup.partnership.roles import ROLE_PURPOSES, DataCategory, Purpose, Role, role_may_act_for
from joinedup.pathways import access as pathways_access
from joinedup.pathways import selectors as pathways_selectors
from joinedup.pathways import services
from joinedup.pathways.access import case_get_for_user, cases_visible_to
from joinedup.pathways.definitions import shipped_definitions
from joinedup.pathways.models import Case, CaseEvent, Handover, HandoverStatus
from joinedup.shell.services import api_token_create

SHORTCUTS = pytest.mark.skipif(
    not hasattr(pathways_access, "cases_of_opened_child"), reason="main asks the policy again: no shortcut to check"
)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _case(world: Any, child: Any, *, agency: str = "city_csc", marker: str) -> Case:
    area = world.city if agency == "city_csc" else world.county
    case = services.case_open(
        actor=world.users["screener"],
        child=child,
        definition=shipped_definitions()["efh-city@1" if agency == "city_csc" else "efh-county@1"],
        area=area,
        lead_agency=world.agencies[agency],
    )
    # A line on the case's timeline only someone who may open the case in full may read.
    CaseEvent.objects.create(case=case, kind="note", occurred_at=timezone.now(), area=area, summary=marker)
    return case


@pytest.fixture
def web(world: Any) -> Any:
    """City children's services hold every child below and lead a case on each, except:

    - glass: a police practitioner broke glass for the child (police share nothing with City);
    - offered / declined / accepted: City's case offered to County's children's social care;
    - known: the health trust holds a record too, known-of only;
    - referred: the health trust referred the child, so it is in their work, but holds no record of them:
      City's record is known-of only to them, however the child is reached;
    - split: County's record and case, joined to City's child and split apart again.
    """
    make_agreement(
        world,
        parties=("city_csc", "county_csc"),
        purposes=("direct_work", "screening"),
        categories=("identity", "contact", "social_care"),
    )
    make_agreement(world, parties=("city_csc", "health"), purposes=("direct_work", "screening"), know_of_only=True)
    w = world
    w.county_worker = make_user(w, role=Role.PRACTITIONER, agency="county_csc")
    w.police_worker = make_user(w, role=Role.PRACTITIONER, agency="police")
    w.health_worker = make_user(w, role=Role.PRACTITIONER, agency="health")
    w.school_worker = make_user(w, role=Role.PRACTITIONER, agency="city_school")
    w.city_worker = w.users["practitioner"]

    def child(given: str) -> Any:
        return make_record(w, agency="city_csc", given_names=given, family_name="Quarrendon").child

    w.glass = child("Glenys")
    w.glass_case = _case(w, w.glass, marker="EVT-GLASS")
    for name in ("offered", "declined", "accepted"):
        kid = child(name.title() + "a")
        case = _case(w, kid, marker=f"EVT-{name.upper()}")
        handover = services.handover_offer(
            actor=w.city_worker, case=case, to_area=w.county, to_agency=w.agencies["county_csc"], reason="Moved"
        )
        setattr(w, name, kid)
        setattr(w, f"{name}_case", case)
        setattr(w, f"{name}_handover", handover)
    services.handover_decline(actor=w.county_worker, handover=w.declined_handover, reason="Not ours yet")
    w.accepted_case = services.handover_accept(actor=w.county_worker, handover=w.accepted_handover)

    city = make_record(w, agency="city_csc", given_names="Kenna", family_name="Quarrendon")
    health = make_record(w, agency="health", given_names="Knowna", family_name="Quarrendon")
    w.known = same_child(city, health)
    w.known_case = _case(w, w.known, marker="EVT-KNOWN")
    w.referred = child("Rhiannon")
    w.referred_case = _case(w, w.referred, marker="EVT-REFERRED")
    make_submitted_referral(w, w.referred, agency="health")

    w.split_city = child("Xavia")
    w.split_city_case = _case(w, w.split_city, marker="EVT-SPLIT-CITY")
    w.split_county = make_record(w, agency="county_csc", given_names="Yusra", family_name="Quarrendon").child
    w.split_county_case = _case(w, w.split_county, agency="county_csc", marker="EVT-SPLIT-COUNTY")
    join = child_merge(actor=w.users["screener"], children=[w.split_city, w.split_county], reason="Same child")
    assert join is not None
    child_unmerge(actor=w.users["screener"], join=join, reason="Not the same child after all")
    for row in (w.split_city_case, w.split_county_case):
        row.refresh_from_db()
    assert w.split_city_case.child_id == w.split_city.pk and w.split_county_case.child_id == w.split_county.pk
    return w


def _pages(user: Any, child: Any, case: Any, *, q: str) -> dict[str, Any]:
    """Every page, partial, API answer and export that shows the child or the case to `user`.
    `q` is the family name every child shares, so no given name is echoed back by the search box."""
    client = _client(user)
    _, token = api_token_create(actor=user, name="review", expires_in_days=1)
    api = {"Authorization": f"Bearer {token}"}
    # The child first: the home page then lists them among those opened lately, if they may still see them.
    return {
        "child": client.get(reverse("children:detail", args=[child.uuid])),
        "chronology": client.get(reverse("chronology:chronology", args=[child.uuid])),
        "chronology pdf": client.get(reverse("chronology:chronology_pdf", args=[child.uuid])),
        "case": client.get(reverse("pathways:case", args=[case.uuid])),
        "api child": Client().get(f"/api/v1/children/{child.uuid}", headers=api),
        "home": client.get("/"),
        "search": client.get(reverse("children:search"), {"q": q}),
        "search partial": client.get(reverse("children:search"), {"q": q}, headers={"HX-Request": "true"}),
        "api search": Client().get("/api/v1/children", {"q": q}, headers=api),
    }


def _text(response: Any) -> str:
    if response.get("Content-Type", "").startswith("application/pdf"):
        return ""  # the PDF's words are checked through the chronology page it is made from
    return response.content.decode(errors="replace")


def _nothing_of(pages: dict[str, Any], *markers: str, closed: tuple[str, ...]) -> None:
    for name, response in pages.items():
        text = _text(response)
        for marker in markers:
            assert marker not in text, f"{marker!r} shown on {name} ({response.status_code})"
    for name in closed:
        assert pages[name].status_code == 404, f"{name} opened ({pages[name].status_code})"


@pytest.mark.django_db
class TestNothingLeaksToThoseWhoMayNotSee:
    def test_after_break_glass_expires(self, web: Any) -> None:
        worker = web.police_worker
        grant = break_glass_open(actor=worker, child=web.glass, reason="missing", explanation="Missing tonight")
        open_now = _pages(worker, web.glass, web.glass_case, q="Quarrendon")
        # While the grant stands the child opens with everything City holds (that is the point of it)...
        assert open_now["child"].status_code == 200 and "Glenys" in _text(open_now["child"])
        assert "Glenys" in _text(open_now["home"])
        # ...but a case is not opened by break-glass: its lead's timeline stays with those it is shared with.
        assert open_now["case"].status_code == 404
        assert "EVT-GLASS" not in _text(open_now["chronology"])
        BreakGlassGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        after = _pages(worker, web.glass, web.glass_case, q="Quarrendon")
        _nothing_of(
            after,
            "Glenys",
            "EVT-GLASS",
            str(web.glass.uuid),
            web.glass.pseudonym,
            str(web.glass_case.uuid),
            closed=("child", "chronology", "chronology pdf", "case", "api child"),
        )

    def test_after_a_handover_is_declined_the_receiving_agency_sees_nothing(self, web: Any) -> None:
        # (The search still says City holds a record, as the agreement's know-of allows: not the child.)
        pages = _pages(web.county_worker, web.declined, web.declined_case, q="Quarrendon")
        _nothing_of(
            pages, "Declineda", "EVT-DECLINED", closed=("child", "chronology", "chronology pdf", "case", "api child")
        )

    def test_an_offer_opens_the_case_to_the_receiving_agency_and_no_other(self, web: Any) -> None:
        pages = _pages(web.county_worker, web.offered, web.offered_case, q="Quarrendon")
        assert pages["case"].status_code == 200 and "EVT-OFFERED" in _text(pages["case"])
        for other in (web.police_worker, web.health_worker, web.school_worker, make_user(web, role=Role.ANALYST)):
            _nothing_of(
                _pages(other, web.offered, web.offered_case, q="Quarrendon"),
                "Offereda",
                "EVT-OFFERED",
                closed=("child", "chronology", "case", "api child"),
            )

    def test_after_acceptance_the_case_is_with_county_and_city_sees_it_only_under_the_agreement(self, web: Any) -> None:
        assert web.accepted_case.lead_agency == web.agencies["county_csc"]
        county = _pages(web.county_worker, web.accepted, web.accepted_case, q="Quarrendon")
        assert county["case"].status_code == 200 and "EVT-ACCEPTED" in _text(county["chronology"])
        # City still holds its record, and the agreement shares social care data with County: City reads on.
        city = _pages(web.city_worker, web.accepted, web.accepted_case, q="Quarrendon")
        assert city["case"].status_code == 200
        # The police, health and the school are in neither agency's agreement for it.
        for other in (web.police_worker, web.health_worker, web.school_worker):
            _nothing_of(
                _pages(other, web.accepted, web.accepted_case, q="Quarrendon"),
                "Accepteda",
                "EVT-ACCEPTED",
                closed=("child", "chronology", "case", "api child"),
            )

    def test_know_of_only_shows_who_holds_the_child_and_nothing_of_the_case(self, web: Any) -> None:
        pages = _pages(web.health_worker, web.known, web.known_case, q="Quarrendon")
        # The health trust holds its own record, so it opens the child: its own record only.
        assert pages["child"].status_code == 200
        assert "Knowna" in _text(pages["child"])
        for name, response in pages.items():
            text = _text(response)
            assert "Kenna" not in text and "EVT-KNOWN" not in text, name
        assert pages["case"].status_code == 404
        assert "EVT-KNOWN" not in _text(pages["chronology"])

    def test_a_child_in_the_work_of_a_know_of_only_partner_shows_no_name_anywhere(self, web: Any) -> None:
        # The health trust's referral puts the child in its work (it opens), and the search reaches the child
        # through the know-of agreement: the card, the home list, the API and the case show City's content nowhere.
        pages = _pages(web.health_worker, web.referred, web.referred_case, q="Quarrendon")
        assert pages["child"].status_code == 200
        assert web.referred.pseudonym in _text(pages["search"])  # found, as a reference
        assert web.referred.pseudonym in _text(pages["home"])  # and listed as lately opened, as a reference
        _nothing_of(pages, "Rhiannon", "EVT-REFERRED", closed=("case",))

    def test_after_a_split_each_child_carries_only_its_own_case(self, web: Any) -> None:
        # City may read County's social care data, but the split put County's case back on County's child,
        # which City is not working with: City's child shows City's case alone.
        city = _pages(web.city_worker, web.split_city, web.split_county_case, q="Quarrendon")
        assert "EVT-SPLIT-CITY" in _text(city["chronology"])
        _nothing_of(city, "EVT-SPLIT-COUNTY", "Yusra", closed=("case",))
        county = _pages(web.county_worker, web.split_county, web.split_city_case, q="Quarrendon")
        assert "EVT-SPLIT-COUNTY" in _text(county["chronology"])
        _nothing_of(county, "EVT-SPLIT-CITY", "Xavia", closed=("case",))

    def test_an_agency_with_no_agreement_sees_no_case_child_or_name(self, web: Any) -> None:
        for child, case, given in (
            (web.glass, web.glass_case, "Glenys"),
            (web.offered, web.offered_case, "Offereda"),
            (web.known, web.known_case, "Kenna"),
        ):
            _nothing_of(
                _pages(web.school_worker, child, case, q="Quarrendon"),
                given,
                closed=("child", "chronology", "chronology pdf", "case", "api child"),
            )


# --- the shortcuts against the policy they skip ------------------------------------------


def _everyone(world: Any) -> list[Any]:
    users = list(world.users.values())
    for agency in world.agencies:
        if agency != "city_csc":
            users += [make_user(world, role=role, agency=agency) for role in Role.values]
    return users


def _level_as_main(user: Any, case: Case) -> str:
    """main's case_access_level, one case at a time, as it was before the branch."""
    membership = membership_for(user)
    if membership is None:
        return "none"
    if case.lead_agency_id == membership.agency_id:
        return "full"
    if case.handovers.filter(to_agency_id=membership.agency_id, status=HandoverStatus.OFFERED).exists():
        return "full"
    purpose = next(
        (
            p
            for p in (Purpose.SCREENING, Purpose.DIRECT_WORK, Purpose.DATA_PROTECTION)
            if role_may_act_for(membership.role, p)
        ),
        None,
    )
    grant = partner_grants(membership=membership, purpose=purpose).get(case.lead_agency_id) if purpose else None
    return "full" if grant is not None and grant.covers(DataCategory.SOCIAL_CARE) else "know_of"


def _seen(access: Any) -> tuple[Any, ...]:
    return (
        access.child.pk,
        access.membership.pk,
        sorted(r.pk for r in access.own_records),
        sorted((s.record.pk, sorted(s.fields), [i.pk for i in s.intelligence]) for s in access.shared),
        sorted(r.pk for r, _ in access.know_of),
        getattr(access.break_glass, "pk", None),
        sorted((pk, g.level, sorted(g.categories)) for pk, g in access.grants.items()),
    )


@SHORTCUTS
@pytest.mark.django_db
def test_every_shortcut_gives_what_the_policy_gives_for_everyone(web: Any) -> None:
    from joinedup.children.access import child_access_of_visible
    from joinedup.pathways.access import case_access_levels, cases_of_opened_child

    # A live break-glass grant and an expired one, so both sides of expiry are asked.
    break_glass_open(actor=web.police_worker, child=web.glass, reason="missing", explanation="Tonight")
    old = break_glass_open(actor=web.health_worker, child=web.offered, reason="missing", explanation="Earlier")
    BreakGlassGrant.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    children = list(web.glass.__class__.objects.all())
    all_cases = list(Case.objects.select_related("child"))
    opened = 0
    for user in [*_everyone(web), web.county_worker, web.police_worker, web.health_worker, web.school_worker]:
        membership = membership_for(user)
        visible = {c.pk: c for c in children_visible_to(user)}
        for purpose in sorted(ROLE_PURPOSES.get(membership.role, ())) if membership else []:
            for child in children:
                try:
                    full = child_access(user=user, child_uuid=child.uuid, purpose=purpose)
                except Http404:
                    full = None
                if child.pk not in visible:
                    assert full is None
                    continue
                grants = partner_grants(membership=membership, purpose=purpose)
                try:
                    quick = child_access_of_visible(user=user, child=visible[child.pk], purpose=purpose, grants=grants)
                except Http404:
                    quick = None
                assert (full is None) == (quick is None), (user, child, purpose)
                if full is None:
                    continue
                opened += 1
                assert _seen(quick) == _seen(full), (user, child, purpose)
                assert set(cases_of_opened_child(full)) == set(cases_visible_to(user).filter(child=child)), (
                    user,
                    child,
                )
        levels = case_access_levels(user=user, cases=all_cases)
        assert levels == {c.pk: _level_as_main(user, c) for c in all_cases}, user
        for case in all_cases:
            try:
                case = case_get_for_user(user=user, case_uuid=case.uuid)
            except Http404:
                continue
            purpose = pathways_selectors._case_purpose(user, case)
            asked = pathways_selectors.child_names(user=user, children=[case.child], purpose=purpose)
            trusted = pathways_selectors.child_names(
                user=user, children=[case.child], purpose=purpose, opened=frozenset({case.child_id})
            )
            assert (asked.labels, asked.named, asked.from_partners) == (
                trusted.labels,
                trusted.named,
                trusted.from_partners,
            ), (user, case)
    assert opened > 50  # the scenario opens children for many users, not a vacuous pass


@SHORTCUTS
@pytest.mark.django_db
def test_the_handover_query_is_asked_of_the_users_agency_only(web: Any) -> None:
    """An offer to County opens the case to County alone, even when levels are read for many cases at once."""
    from joinedup.pathways.access import case_access_levels

    assert Handover.objects.filter(case=web.offered_case, status=HandoverStatus.OFFERED).exists()
    cases = [web.offered_case, web.declined_case, web.glass_case]
    assert case_access_levels(user=web.county_worker, cases=cases)[web.offered_case.pk] == "full"
    for user in (web.police_worker, web.health_worker, web.school_worker):
        assert set(case_access_levels(user=user, cases=cases).values()) == {"know_of"}


@pytest.mark.django_db
def test_the_children_visible_among_a_handful_are_those_visible_for_everyone(web: Any) -> None:
    """Search asks the policy only of its candidates (children_visible_among): for every user, and
    for every kind of work (records, cases, referrals, a screener's queue, handovers, live and
    expired break-glass), the children it gives are exactly children_visible_to's among them."""
    from joinedup.children.access import children_visible_among

    break_glass_open(actor=web.police_worker, child=web.glass, reason="missing", explanation="Tonight")
    old = break_glass_open(actor=web.health_worker, child=web.offered, reason="missing", explanation="Earlier")
    BreakGlassGrant.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    every = sorted(web.glass.__class__.objects.values_list("pk", flat=True))
    halves = [every, every[::2], every[1::2], [every[0]], []]
    seen_any = 0
    for user in [*_everyone(web), web.county_worker, web.police_worker, web.health_worker, web.school_worker]:
        visible = set(children_visible_to(user).values_list("pk", flat=True))
        for ids in halves:
            among = set(children_visible_among(user, ids).values_list("pk", flat=True))
            assert among == visible & set(ids), (user, ids)
            seen_any += bool(among)
    assert seen_any > 10  # not a test of empty sets


def test_the_children_visible_among_a_handful_are_narrowed_to_them_outermost(web: Any) -> None:
    """`pk IN ids` is a condition of the whole query, not only of one side of its OR (the
    in-work rules OR break-glass): under the OR alone PostgreSQL reads the whole child table
    for a handful of candidates (a parallel scan of a million rows, 60 ms, for each search)."""
    from django.db.models.sql.where import AND

    from joinedup.children.access import children_visible_among
    from joinedup.core.lookups import AnyOf

    ids = sorted(web.glass.__class__.objects.values_list("pk", flat=True))[:3]
    where = children_visible_among(web.county_worker, ids).query.where
    assert where.connector == AND
    outermost = [c for c in where.children if isinstance(c, AnyOf)]
    assert [(c.lhs.target.name, sorted(c.rhs)) for c in outermost] == [("id", ids)]
