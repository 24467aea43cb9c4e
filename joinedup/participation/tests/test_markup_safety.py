"""Nothing a user typed reaches the page as markup, and htmx acts only on what the app rendered.

The opportunity map once passed its data with `|safe`: a title holding
`</script>` broke out of the JSON block and htmx then obeyed an injected
`hx-post` (it made an API token for whoever opened the directory). These
tests hold the line for the whole repository, not only for participation.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import reverse

from joinedup.core.models import ApiToken
from joinedup.participation import services
from joinedup.participation.tests.test_participation import officer, opportunity_data

ROOT = Path(__file__).resolve().parents[2]

# Each exception names the file and why what it marks safe cannot hold user input.
# Empty today: every script-bound value goes through json_script.
ALLOWED: dict[str, str] = {}

TEMPLATE_PATTERNS = {
    "|safe": re.compile(r"\|\s*safe(seq)?\b"),
    "autoescape off": re.compile(r"{%\s*autoescape\s+off\s*%}"),
    "filter safe": re.compile(r"{%\s*filter\s+[^%]*\bsafe\b"),
}
PYTHON_PATTERNS = {
    "mark_safe": re.compile(r"\bmark_safe\s*\("),
    "SafeString": re.compile(r"\bSafe(String|Text|Data)\s*\("),
    # format_html escapes its arguments, but not a pre-formatted f-string or %-string.
    "format_html on a formatted string": re.compile(r"\bformat_html\s*\(\s*(f[\"']|[\"'][^\"']*[\"']\s*%)"),
    "is_safe filter": re.compile(r"is_safe\s*=\s*True"),
}

BREAKOUT = '</script><form hx-post="/account/api-tokens/" hx-trigger="load"><input name="name" value="x"></form>'


def _sources(suffix: str) -> list[Path]:
    return sorted(p for p in ROOT.rglob(f"*{suffix}") if "tests" not in p.parts and "static" not in p.parts)


def test_the_scan_finds_the_repository_sources() -> None:
    # A scan that finds no files would pass for the wrong reason.
    assert len(_sources(".html")) > 40 and len(_sources(".py")) > 80


def test_no_template_or_module_marks_data_safe_outside_the_reasoned_allow_list() -> None:
    found = []
    for suffix, patterns in ((".html", TEMPLATE_PATTERNS), (".py", PYTHON_PATTERNS)):
        for path in _sources(suffix):
            rel = str(path.relative_to(ROOT.parent))
            for lineno, line in enumerate(path.read_text().splitlines(), start=1):
                for name, pattern in patterns.items():
                    if pattern.search(line) and rel not in ALLOWED:
                        found.append(f"{rel}:{lineno}: {name}: {line.strip()}")
    assert not found, "Use json_script (or plain autoescaping) instead:\n" + "\n".join(found)


def test_the_scan_would_catch_the_old_map_template() -> None:
    assert TEMPLATE_PATTERNS["|safe"].search('<script type="application/json">{{ map_data|safe }}</script>')
    assert PYTHON_PATTERNS["mark_safe"].search("return mark_safe(title)")
    assert PYTHON_PATTERNS["format_html on a formatted string"].search('format_html(f"<b>{name}</b>")')
    assert not PYTHON_PATTERNS["format_html on a formatted string"].search('format_html("<b>{}</b>", name)')


def _map_json(content: str) -> Any:
    match = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', content, re.S)
    assert match, "the map's data block is missing"
    return json.loads(match.group(1))


def test_a_malicious_title_venue_and_schedule_render_inert_on_every_map(world: Any) -> None:
    services.opportunity_save(
        actor=officer(world),
        opportunity=None,
        data=opportunity_data(world, title=BREAKOUT, venue=BREAKOUT[:200], schedule=BREAKOUT[:200]),
    )
    worker = Client()
    worker.force_login(world.users["practitioner"])
    pages = {
        "directory": worker.get(reverse("participation:directory")),
        "public": Client().get(reverse("public_opportunities")),
    }
    for name, response in pages.items():
        content = response.content.decode()
        assert response.status_code == 200, name
        # Only the escaped form appears: no element the attacker wrote exists in the page.
        assert "<form hx-post" not in content, name
        assert content.count("</script>") == content.count("<script"), name
        assert _map_json(content)["markers"][0]["title"] == BREAKOUT, name
    assert not ApiToken.objects.exists()


def test_a_malicious_district_name_renders_inert_on_the_coverage_map(world: Any) -> None:
    world.city.districts.filter(name="City West").update(name=BREAKOUT[:100])
    client = Client()
    client.force_login(world.users["strategic_lead"])
    content = client.get(reverse("participation:coverage")).content.decode()
    assert "<form hx-post" not in content
    assert BREAKOUT[:100] in [c["title"] for c in _map_json(content)["circles"]]


def test_the_base_page_tells_htmx_to_stay_on_this_origin(world: Any) -> None:
    content = Client().get(reverse("public_opportunities")).content.decode()
    match = re.search(r"<meta name=\"htmx-config\" content='([^']+)'", content)
    assert match, "no htmx-config meta"
    config = json.loads(match.group(1))
    assert config["mode"] == "same-origin"
    # Only hx-* attributes count, so data-hx-* cannot slip past a filter that looks for hx-.
    assert config["prefix"] == ""
