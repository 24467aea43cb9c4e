"""The base test setup: two areas, several agencies, one user per role.

Modelled on healthchecks' Alice/Bob and rapidpro's TembaTest: every test can
ask for `world` and get a small partnership where "own agency", "partner
agency in the same area" and "agency in the other area" all exist.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Tests serve plain HTTP on localhost; production settings insist on a real key.
os.environ.setdefault("SECRET_KEY", "insecure-test-only-key")
os.environ.setdefault("HTTPS", "false")

from joinedup.core.validators import nhs_check_digit  # noqa: E402
from joinedup.partnership.roles import Role  # noqa: E402

PASSWORD = "correct-horse-battery-staple"
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _audit_checkpoints(settings: Any, tmp_path: Any) -> None:
    # Each test's chain is anchored in its own file, never in the developer's var/.
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.jsonl")


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


def valid_nhs(n: int) -> str:
    """A valid NHS number in the 999 test range, distinct for each n."""
    for i in itertools.count(n * 10):
        body = f"999{i % 1_000_000:06d}"
        check = nhs_check_digit(body)
        if check is not None:
            return f"{body}{check}"
    raise AssertionError("unreachable")


@dataclass
class World:
    partnership: Any
    city: Any
    county: Any
    agencies: dict[str, Any]
    users: dict[str, Any] = field(default_factory=dict)

    def user(self, role: str, agency: str = "city_csc") -> Any:
        return make_user(self, role=role, agency=agency)


def make_user(world: World, *, role: str, agency: str = "city_csc", username: str | None = None) -> Any:
    from joinedup.core.models import User
    from joinedup.partnership.models import Membership

    name = username or f"{role}-{agency}-{next(_seq)}"
    user = User.objects.create_user(username=name, password=PASSWORD, first_name=role.title())
    Membership.objects.create(user=user, agency=world.agencies[agency], role=role)
    return user


def make_record(world: World, *, agency: str = "city_csc", actor: Any = None, **fields: Any) -> Any:
    from joinedup.children.services import agency_record_create

    n = next(_seq)
    data = {
        "local_id": f"REF-{n}",
        "given_names": "Jordan",
        "family_name": "Test-Child",
        "date_of_birth": dt.date(2011, 3, 27),
        "sex": "M",
        "postcode": "NG7 1AA",
    }
    data.update(fields)
    return agency_record_create(actor=actor, agency=world.agencies[agency], data=data)


@pytest.fixture(scope="session")
def trained() -> dict[str, Any]:
    """A linkage model trained on a small synthetic population (no database), once per run."""
    from joinedup.linkage.tests.synthetic import synthetic_model

    return synthetic_model()


@pytest.fixture
def world(db: Any) -> World:
    from joinedup.linkage.intake import forget_frequencies
    from joinedup.partnership.models import Agency, Area, District, Partnership, PostcodePrefix

    forget_frequencies()  # each test's database starts empty

    partnership = Partnership.objects.create(name="Test Partnership")
    city = Area.objects.create(partnership=partnership, name="Test City", short_name="City", code="E06000001")
    county = Area.objects.create(partnership=partnership, name="Test County", short_name="County", code="E10000001")
    west = District.objects.create(area=city, name="City West")
    central = District.objects.create(area=city, name="City Central")
    rushcliffe = District.objects.create(area=county, name="Rushcliffe")
    bassetlaw = District.objects.create(area=county, name="Bassetlaw")
    for prefix, district, lat, lon in (
        ("NG7", west, "52.95", "-1.18"),
        ("NG2", central, "52.94", "-1.15"),
        ("NG2 5", rushcliffe, "52.93", "-1.13"),
        ("S80", bassetlaw, "53.30", "-1.12"),
    ):
        PostcodePrefix.objects.create(
            partnership=partnership, prefix=prefix, district=district, latitude=Decimal(lat), longitude=Decimal(lon)
        )
    specs = {
        "city_csc": ("City Children's Services", "childrens_social_care", [city]),
        "county_csc": ("County Children's Social Care", "childrens_social_care", [county]),
        "police": ("Shire Police", "police", [city, county]),
        "health": ("Shire Health Trust", "health", [city, county]),
        "city_school": ("City Schools", "education", [city]),
    }
    agencies = {}
    for key, (name, kind, areas) in specs.items():
        agency = Agency.objects.create(partnership=partnership, name=name, agency_type=kind, contact_route="Phone")
        agency.areas.set(areas)
        agencies[key] = agency
    w = World(partnership=partnership, city=city, county=county, agencies=agencies)
    for role in Role.values:
        w.users[role] = make_user(w, role=role, username=role)
    return w


# --- browser tests --------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Drive Debian's chromium; Playwright never downloads a browser here."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: browser tests need chromium at {CHROMIUM} (apt-get install chromium).")
        pytest.skip(f"No chromium at {CHROMIUM}: apt-get install chromium to run browser tests.")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


class BrowserChecks:
    """Sign in through the real page and check every page opened with axe-core."""

    def __init__(self, page: Any, live_server: Any) -> None:
        self.page = page
        self.base = live_server.url
        self.console_errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.check()

    def goto_expecting(self, path: str, status: int) -> None:
        """Open a page that should answer `status` (the browser logs the 4xx itself)."""
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == status
        self.console_errors = [e for e in self.console_errors if f"status of {status}" not in e]
        self.check()

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.goto("/sign-in/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("main button[type=submit]")
        self.page.wait_for_url(self.base + "/")
        self.check()

    def check(self) -> None:
        """Fail on serious or critical accessibility violations and on any console error."""
        self.page.wait_for_load_state("load")
        self.page.add_script_tag(url="/static/vendor/axe/axe.min.js")
        result = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert not bad, f"axe found on {self.page.url}: {bad}"
        assert not self.console_errors, f"console errors on {self.page.url}: {self.console_errors}"


@pytest.fixture
def browser_checks(page: Any, live_server: Any) -> BrowserChecks:
    return BrowserChecks(page, live_server)


def make_agreement(
    world: World,
    *,
    parties: tuple[str, ...] = ("city_csc", "police"),
    purposes: tuple[str, ...] = ("direct_work", "screening"),
    categories: tuple[str, ...] = ("identity", "contact"),
    know_of_only: bool = False,
    status: str = "active",
    **fields: Any,
) -> Any:
    from joinedup.partnership.models import InformationSharingAgreement

    today = dt.date.today()
    data = {
        "partnership": world.partnership,
        "reference": f"ISA-{next(_seq)}",
        "title": "Test agreement",
        "purposes": list(purposes),
        "categories": [] if know_of_only else list(categories),
        "know_of_only": know_of_only,
        "lawful_basis": "public_task_sch1_para18",
        "dpia_reference": "DPIA-1",
        "start_date": today - dt.timedelta(days=10),
        "review_date": today + dt.timedelta(days=100),
        "status": status,
    }
    data.update(fields)
    agreement = InformationSharingAgreement.objects.create(**data)
    agreement.parties.set([world.agencies[p] for p in parties])
    return agreement


def same_child(*records: Any) -> Any:
    """Put records on one child, as matching will (the linkage capability's job)."""
    from joinedup.children.models import AgencyRecord

    child = records[0].child
    AgencyRecord.objects.filter(pk__in=[r.pk for r in records]).update(child=child)
    for r in records:
        r.refresh_from_db()
    return child


def make_submitted_referral(world: World, child: Any, *, agency: str = "city_school") -> Any:
    """A referral already sent for screening about `child`, without walking the referral steps."""
    from django.utils import timezone

    from joinedup.referrals.models import Referral, ReferralStatus

    return Referral.objects.create(
        child=child,
        referring_agency=world.agencies[agency],
        referrer_name="r",
        referrer_contact="c",
        child_details={"given_names": "Test", "family_name": "Child"},
        harm_types=["county_lines"],
        status=ReferralStatus.SUBMITTED,
        home_area=world.city,
        received_at=timezone.now(),
        decision_due_at=timezone.now(),
        created_by=world.users["practitioner"],
    )


def make_words(world: World, child: Any, words: str = "I want to stay at my school.") -> Any:
    """The child's own words, heard by City's practitioner, for their own plan only."""
    import datetime as dt

    from joinedup.participation.models import ConsentUse, Contribution

    return Contribution.objects.create(
        kind="idea",
        words=words,
        heard_by=world.users["practitioner"],
        heard_on=dt.date(2025, 4, 2),
        child=child,
        about_own_plan=True,
        consent_use=ConsentUse.MY_PLAN_ONLY,
    )


def make_city_case(world: World, child: Any) -> Any:
    """An exploitation-pathway case on `child`, opened by City's screener and led by City."""
    from joinedup.pathways.definitions import shipped_definitions
    from joinedup.pathways.services import case_open

    return case_open(
        actor=world.users["screener"],
        child=child,
        definition=shipped_definitions()["efh-city@1"],
        area=world.city,
        lead_agency=world.agencies["city_csc"],
    )
