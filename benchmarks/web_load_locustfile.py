"""The simulated people of benchmarks/web_load.py (run by it; not on its own)."""

from __future__ import annotations

import itertools
import json
import os
import random

from locust import HttpUser, between, task

TARGETS = json.loads(open(os.environ["WEB_LOAD_TARGETS"]).read())  # noqa: SIM115
SESSIONS = itertools.cycle(TARGETS["sessions"])
# Seconds each person pauses between pages (web_load.py --pause).
PAUSE = TARGETS.get("pause", [5.0, 15.0])


class Screener(HttpUser):
    wait_time = between(*PAUSE)

    def on_start(self) -> None:
        # Each simulated person has their own signed-in session (made by web_load.py).
        self.client.cookies.set("sessionid", next(SESSIONS))

    def _get(self, url: str, name: str) -> None:
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    @task
    def home(self) -> None:
        self._get("/", "home")

    @task
    def child_page(self) -> None:
        self._get(f"/children/{random.choice(TARGETS['children'])}/", "child page")

    @task
    def search(self) -> None:
        self._get(f"/children/?q={random.choice(TARGETS['names'])}", "search")

    @task
    def screening_queue(self) -> None:
        self._get("/pathways/screening/", "screening queue")

    @task
    def case_page(self) -> None:
        if TARGETS["cases"]:
            self._get(f"/pathways/cases/{random.choice(TARGETS['cases'])}/", "case page")
