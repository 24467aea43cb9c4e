"""Screenshots of the main pages for the README, taken from a running `make run`.

.venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--query", default="smith")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 800})
        page.goto(f"{args.base}/sign-in/")
        page.screenshot(path=OUT / "sign-in.png")
        page.fill("#id_username", "sw.city")
        page.fill("#id_password", "synthetic-demo-only")
        page.click("main button[type=submit]")
        page.wait_for_url(f"{args.base}/")
        page.goto(f"{args.base}/children/?q={args.query}")
        page.screenshot(path=OUT / "search.png")
        page.click(".app-search-results a >> nth=0")
        page.wait_for_load_state()
        page.screenshot(path=OUT / "child.png", full_page=True)
        page.click(".govuk-summary-card__actions a >> nth=0")
        page.wait_for_selector("#id_nhs_number")
        page.fill("#id_nhs_number", "943 476 5918")
        page.click("text=Save changes")
        page.wait_for_selector(".govuk-error-summary")
        page.screenshot(path=OUT / "record-error.png")
        page.goto(f"{args.base}/")
        page.screenshot(path=OUT / "home.png")
        # A strategic lead's views: coverage of participation and pathway alignment.
        context = browser.new_context(viewport={"width": 1100, "height": 800})
        lead = context.new_page()
        lead.goto(f"{args.base}/sign-in/")
        lead.fill("#id_username", "strategic.lead")
        lead.fill("#id_password", "synthetic-demo-only")
        lead.click("main button[type=submit]")
        lead.wait_for_url(f"{args.base}/")
        lead.goto(f"{args.base}/participation/coverage/")
        lead.screenshot(path=OUT / "coverage.png")
        lead.goto(f"{args.base}/pathways/alignment/")
        lead.screenshot(path=OUT / "alignment.png")
        browser.close()


if __name__ == "__main__":
    main()
