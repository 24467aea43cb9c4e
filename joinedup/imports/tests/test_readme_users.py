"""The README's table of demo users names every user the demo partnership seeds, with their role."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings

from joinedup.partnership.roles import Role


def test_every_demo_user_is_in_the_readme_with_their_role() -> None:
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    seeded = yaml.safe_load((Path(settings.BASE_DIR) / "joinedup/demo/data/partnership.yaml").read_text())["users"]
    rows = [line for line in readme.splitlines() if line.startswith("| ") and " | " in line]
    for user in seeded:
        row = next((r for r in rows if user["username"] in r.split("|")[1].replace(" ", "").split(",")), None)
        assert row is not None, f"README's users table has no row for {user['username']}"
        assert Role(user["role"]).label.lower().split()[0] in row.lower(), row


def test_the_data_officer_row_says_what_they_can_do() -> None:
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| data.officer |"))
    assert "imports the agency's records" in row
