"""Exit 0 if PostgreSQL >= 15 answers at the URL given and the role may create databases."""

from __future__ import annotations

import sys
from urllib.parse import urlparse

import psycopg


def main(url: str) -> int:
    parts = urlparse(url)
    try:
        with psycopg.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username,
            password=parts.password,
            dbname="postgres",
            connect_timeout=3,
        ) as conn:
            version = conn.info.server_version
            can_create = conn.execute("SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user").fetchone()
    except psycopg.Error as exc:
        print(f"PostgreSQL not reachable at {parts.hostname}:{parts.port or 5432}: {exc}".strip())
        return 1
    if version < 150000:
        print(f"PostgreSQL {version // 10000} found; Joined Up needs 15 or newer.")
        return 1
    if not (can_create and can_create[0]):
        print(f"The role {parts.username} cannot create databases; grant CREATEDB.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
