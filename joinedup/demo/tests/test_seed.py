from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from joinedup.audit.models import AuditEvent
from joinedup.children.models import AgencyRecord
from joinedup.core.datafiles import DataFileError
from joinedup.core.names import are_equivalent
from joinedup.demo.config import PARTNERSHIP_FILE, load_config
from joinedup.demo.heritage import SHARES, WHITE_BRITISH, plain_form
from joinedup.demo.models import TruthLink
from joinedup.demo.services import demo_seed
from joinedup.partnership.models import Agency, Area, Membership, Partnership
from joinedup.partnership.roles import Role

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def seeded(db: Any) -> Any:
    return demo_seed(children=600, seed=3, today=TODAY)


def test_it_builds_both_areas_shared_agencies_and_a_user_per_role(seeded: Any) -> None:
    assert seeded.created
    assert set(Area.objects.values_list("short_name", flat=True)) == {"City", "County"}
    police = Agency.objects.get(agency_type="police")
    assert police.areas.count() == 2
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert Partnership.objects.get().is_synthetic
    assert Area.objects.get(short_name="County").districts.filter(name="Bassetlaw").exists()


def test_every_record_has_ground_truth_and_records_overlap_across_agencies_and_areas(seeded: Any) -> None:
    assert TruthLink.objects.count() == AgencyRecord.objects.count() == seeded.records
    by_person: dict[int, list[AgencyRecord]] = defaultdict(list)
    for link in TruthLink.objects.select_related("record__agency", "record__area"):
        by_person[link.person_key].append(link.record)
    assert len(by_person) == 600
    multi = [records for records in by_person.values() if len({r.agency_id for r in records}) > 1]
    assert len(multi) > 250
    cross_boundary = [records for records in multi if len({r.area_id for r in records if r.area_id}) > 1]
    assert len(cross_boundary) > 5


def test_records_carry_the_differences_real_records_have(seeded: Any) -> None:
    kinds = Counter(
        kind for value in TruthLink.objects.values_list("corruptions", flat=True) for kind in value.split(",") if kind
    )
    for kind in ("nickname", "given_typo", "family_typo", "no_nhs", "old_address", "hyphenated"):
        assert kinds[kind] > 0, kind


def test_twins_and_siblings_are_hard_negatives(seeded: Any) -> None:
    families: dict[int, set[int]] = defaultdict(set)
    for person, family in TruthLink.objects.exclude(family_key=None).values_list("person_key", "family_key"):
        families[family].add(person)
    assert sum(1 for members in families.values() if len(members) > 1) >= 5
    twins = 0
    for members in families.values():
        firsts = {
            p: TruthLink.objects.filter(person_key=p).select_related("record").order_by("id").first().record
            for p in members
        }
        records = list(firsts.values())
        for i, a in enumerate(records):
            for b in records[i + 1 :]:
                # One family name, in its masculine or feminine form (Kowalski, Kowalska).
                assert plain_form(a.family_name) == plain_form(b.family_name)
                assert not are_equivalent(a.given_names.split()[0], b.given_names.split()[0])
                if a.date_of_birth and a.date_of_birth == b.date_of_birth:
                    twins += 1
    assert twins >= 1


def test_every_child_has_a_heritage_group_shared_with_their_siblings(seeded: Any) -> None:
    links = list(TruthLink.objects.values_list("person_key", "family_key", "heritage", "corruptions"))
    assert all(h for _, _, h, _ in links)
    by_person = {p: h for p, _, h, _ in links}
    groups = Counter(by_person.values())
    assert set(groups) <= {g for g, _ in SHARES} and len(groups) >= 7
    assert 0.4 < groups[WHITE_BRITISH] / len(by_person) < 0.65
    families: dict[int, set[str]] = defaultdict(set)
    for _, family, h, _ in links:
        if family is not None:
            families[family].add(h)
    assert families and all(len(hs) == 1 for hs in families.values())
    kinds = Counter(k for _, _, _, c in links for k in c.split(",") if k)
    assert kinds["transliterated_given"] > 0 and kinds["transliterated_family"] > 0


def test_nhs_numbers_are_from_the_test_range_only(seeded: Any) -> None:
    numbers = set(AgencyRecord.objects.exclude(nhs_number="").values_list("nhs_number", flat=True))
    assert numbers and all(n.startswith("999") for n in numbers)


def test_seeding_is_idempotent(seeded: Any) -> None:
    count = AgencyRecord.objects.count()
    again = demo_seed(children=50, seed=9, today=TODAY)
    assert not again.created
    assert AgencyRecord.objects.count() == count
    assert AuditEvent.objects.filter(event="demo.seeded").count() == 1


def test_the_same_seed_gives_the_same_partnership(db: Any) -> None:
    from joinedup.demo.generator import AgencySpec, Generator, Prefix

    def names(seed: int) -> list[str]:
        gen = Generator(
            seed=seed,
            prefixes=[Prefix("NG7", "West", "City"), Prefix("S80", "Bassetlaw", "County")],
            agencies=[AgencySpec("A", "health", ("City", "County"), "A")],
            schools={"City": ["S1"], "County": ["S2"]},
            today=TODAY,
        )
        return [f"{p.given} {p.family} {p.date_of_birth}" for p in gen.generate_people(50)]

    assert names(5) == names(5)
    assert names(5) != names(6)


def test_the_command_prints_sign_ins(db: Any, capsys: Any) -> None:
    call_command("seed_demo", "--children", "20", "--seed", "2")
    out = capsys.readouterr().out
    assert "Seeded 20 children" in out
    assert "sw.city" in out and "synthetic-demo-only" in out
    call_command("seed_demo")
    again = capsys.readouterr().out
    assert "nothing seeded" in again and "sw.city" in again


def test_a_broken_data_file_names_file_line_and_field(tmp_path: Path) -> None:
    text = PARTNERSHIP_FILE.read_text().replace("type: police", "type: constabulary", 1)
    broken = tmp_path / "partnership.yaml"
    broken.write_text(text)
    with pytest.raises(DataFileError) as exc:
        load_config(broken)
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "constabulary" in row)
    assert f"partnership.yaml:{line}:" in str(exc.value)
    assert "'constabulary' is not one of" in str(exc.value)


def test_a_missing_key_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "p.yaml"
    broken.write_text("partnership:\n  title: x\n")
    with pytest.raises(DataFileError, match=r"p.yaml:2: partnership is missing 'name'"):
        load_config(broken)


def test_invalid_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "p.yaml"
    broken.write_text("partnership:\n  name: [unclosed\n")
    with pytest.raises(DataFileError, match=r"p.yaml:\d+: not valid YAML"):
        load_config(broken)


def test_the_demo_participation_shows_its_gaps_and_its_linked_pair(seeded: Any) -> None:
    from django.test import Client

    from joinedup.core.models import User
    from joinedup.participation import selectors, services
    from joinedup.participation.models import Cohort, Contribution, Opportunity

    partnership = Partnership.objects.get()
    assert 35 <= Opportunity.objects.count() <= 45
    result = selectors.coverage(partnership=partnership)
    rows = {r.district.name: r for r in result.districts}
    assert "no opportunity for 11-13 year olds" in rows["Bassetlaw"].gaps
    assert (
        "only one opportunity specifically for young people affected by exploitation"
        in result.area_gaps["Nottinghamshire County"]
    )
    officer = User.objects.get(username="participation.officer")
    peer = Cohort.objects.get(name="Peer researchers, spring intake")
    check = services.safety_check_run(actor=officer, cohort=peer)
    assert len(check.flagged_pairs) == 1 and check.pairs_checked == 10
    forum = Cohort.objects.get(name="Forum new members")
    assert services.safety_check_run(actor=officer, cohort=forum).flagged_pairs == []
    assert Contribution.objects.filter(response__isnull=True).exists()
    assert Contribution.objects.filter(response__isnull=False).exists()
    public = Client().get("/young-people/").content.decode()
    names = {m.display_name for c in Cohort.objects.all() for m in c.members.all()}
    names |= {r.given_names for r in AgencyRecord.objects.filter(child__contributions__isnull=False)}
    assert names and not any(f">{n}<" in public or f" {n} " in public for n in names)


def test_the_demo_has_referrals_and_cases_across_pathways_areas_and_states(seeded: Any) -> None:
    from django.utils import timezone

    from joinedup.pathways.models import Case, Handover, Task
    from joinedup.pathways.selectors import parallel_processes
    from joinedup.referrals.models import Referral

    assert Referral.objects.filter(status="submitted").exists()
    assert Referral.objects.filter(status="screened").exists()
    assert {c.pathway.definition_id for c in Case.objects.select_related("pathway")} >= {
        "child-protection",
        "efh-city",
        "efh-county",
    }
    assert {c.area.short_name for c in Case.objects.select_related("area")} == {"City", "County"}
    assert Case.objects.filter(status="closed").exists() and Case.objects.filter(status="open").exists()
    assert Handover.objects.exists()
    assert Task.objects.filter(completed_at__isnull=True, cancelled_at__isnull=True, due_at__lt=timezone.now()).exists()
    assert parallel_processes(Case.objects.all())
