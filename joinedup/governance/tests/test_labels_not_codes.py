"""Pages say what codes mean: agreements and pathway alignment show words, never raw codes."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from joinedup.conftest import make_agreement


def _page(user: Any, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_agreements_register_names_categories_and_purposes(world: Any) -> None:
    make_agreement(
        world, categories=("identity", "police_intelligence", "social_care"), purposes=("direct_work", "mace_panel")
    )
    main = _page(world.users["practitioner"], reverse("governance:agreements"))
    main = main[main.index("<main") :]
    for code in ("police_intelligence", "social_care", "direct_work", "mace_panel"):
        assert code not in main, code
    assert "Police intelligence" in main


def test_pathway_alignment_names_roles_and_agencies(world: Any) -> None:
    main = _page(world.users["strategic_lead"], reverse("pathways:align"))
    main = main[main.index("<main") :]
    for code in ("childrens_social_care", "exploitation_coordinator", "youth_justice", "early_help"):
        assert code not in main, code
