"""Who is told when a join shows a child known on both sides of the boundary.

A join made by a run or a reviewer can reveal that two areas each hold part
of one child's story; the teams that made those records must hear of it,
each named the child as their own record names them, and nobody told more
than their own agency holds.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from joinedup.children.models import AgencyRecord, Child
from joinedup.linkage.bulk import chunks
from joinedup.notifications.services import notify_many
from joinedup.partnership.models import Area, Membership
from joinedup.partnership.roles import Perm, role_can


def notify_across_the_boundary(crossings: list[tuple[int, Any, set[int]]]) -> None:
    """Tell the teams holding a child's records when a join shows the child known in more than
    one area (and none of the joined children was known in all of them on its own)."""
    if not crossings:
        return
    area_names = dict(Area.objects.values_list("pk", "short_name"))
    targets = [t for t, _, _ in crossings]
    # child -> [(holding agency, team that made the record, agency name, the name on the record)]
    holders: dict[int, list[tuple[int, int | None, str, str]]] = {}
    area_of: dict[int, str] = area_names
    pseudonyms: dict[int, str] = {}
    for chunk in chunks(targets):
        # access: a system fan-out to the record holders; each is named only their own record's name
        rows = AgencyRecord.objects.filter(child_id__in=chunk, erased_at__isnull=True).values_list(
            "child_id", "agency_id", "created_by__membership__team_id", "agency__name", "given_names", "family_name"
        )
        for child_id, agency_id, team_id, agency_name, given, family in rows:
            holders.setdefault(child_id, []).append((agency_id, team_id, agency_name, f"{given} {family}"))
        pseudonyms.update(Child.objects.filter(pk__in=chunk).values_list("pk", "pseudonym"))  # access: pseudonyms only
    workers = [
        m for m in Membership.objects.filter(is_active=True, user__is_active=True) if role_can(m.role, Perm.WORK_CASES)
    ]
    by_team: dict[int, list[int]] = {}
    by_agency: dict[int, list[int]] = {}
    agency_of: dict[int, int] = {}
    for m in workers:
        by_agency.setdefault(m.agency_id, []).append(m.user_id)
        agency_of[m.user_id] = m.agency_id
        if m.team_id:
            by_team.setdefault(m.team_id, []).append(m.user_id)
    messages: list[dict[str, Any]] = []
    for target, public_id, areas in crossings:
        # Each recipient is named the child as their own agency's record names them; someone
        # told through a team in another agency gets a pseudonymous reference instead.
        named: dict[int, str] = {}
        for holder, team, _, name in holders.get(target, []):
            # The team that made the record, where known; otherwise everyone at the holding agency.
            for user_id in by_team.get(team, []) if team else by_agency.get(holder, []):
                if agency_of.get(user_id) == holder:
                    named.setdefault(user_id, name)
                else:
                    named.setdefault(user_id, "")
        names = " and ".join(sorted(area_of[a] for a in areas))
        agencies = ", ".join(sorted({agency for _, _, agency, _ in holders.get(target, [])}))
        reference = f"Child reference {pseudonyms.get(target, '')}"
        for user_id, child_name in named.items():
            messages.append(
                {
                    "user_id": user_id,
                    "kind": "cross_boundary",
                    "title": f"{child_name or reference}, a child you hold a record for, is known in {names}",
                    "body": f"Records held by {agencies} were found to be the same child. "
                    "Open the child's page to see what each agency shares.",
                    "url": reverse("children:detail", kwargs={"child_uuid": public_id}),
                }
            )
    notify_many(messages)
