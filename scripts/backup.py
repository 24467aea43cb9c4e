"""Back up Joined Up's PostgreSQL database, and prove a backup restores.

    python scripts/backup.py dump    --database-url URL --out FILE
    python scripts/backup.py restore --file FILE --database-url NEW_URL
    python scripts/backup.py drill   --database-url URL [--keep]

`dump` writes a pg_dump custom-format archive (compressed; one consistent
snapshot while the service runs). `restore` loads an archive into a database
that must not exist yet: it creates it, so a restore can never land on top of
live data. `drill` is the test of both: it dumps the database, restores the
archive into a fresh database beside it, runs `manage.py audit_verify` on the
copy, and compares the row count of every table; it prints what it compared
and exits 1 on any difference (docs/deployment.md, "Backups").

It needs the PostgreSQL client programs (pg_dump, pg_restore) of the server's
major version or newer, and a role that may create databases for a restore.
The passwords in the URLs reach the client programs through PGPASSWORD, never
their command lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


class BackupError(Exception):
    """Something the operator can fix; the message says what."""


def _parts(url: str) -> tuple[dict[str, str], str]:
    """libpq connection parameters (without the password) and the password, from a postgres:// URL."""
    split = urlsplit(url)
    if split.scheme not in {"postgres", "postgresql"} or not split.path.strip("/"):
        raise BackupError(
            f"Give a PostgreSQL URL with a database name, like postgres://user:pass@host:5432/db, not {url!r}."
        )
    params = {"dbname": unquote(split.path.lstrip("/")), "host": split.hostname or "127.0.0.1"}
    if split.port:
        params["port"] = str(split.port)
    if split.username:
        params["user"] = unquote(split.username)
    return params, unquote(split.password or "")


def _client_args(params: dict[str, str]) -> list[str]:
    args = ["--host", params["host"], "--dbname", params["dbname"]]
    if "port" in params:
        args += ["--port", params["port"]]
    if "user" in params:
        args += ["--username", params["user"]]
    return args


def _run(command: list[str], password: str) -> None:
    env = {**os.environ, "PGPASSWORD": password}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip() or result.stdout.strip()}")


def _connect(params: dict[str, str], password: str, dbname: str | None = None) -> psycopg.Connection:
    return psycopg.connect(**{**params, "dbname": dbname or params["dbname"]}, password=password, autocommit=True)


def dump(url: str, out: Path) -> None:
    params, password = _parts(url)
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(out), *_client_args(params)],
         password)  # fmt: skip
    print(f"Backed up {params['dbname']} to {out} ({out.stat().st_size:,} bytes).")


def restore(archive: Path, url: str) -> None:
    if not archive.is_file():
        raise BackupError(f"No backup at {archive}: give the file `dump` wrote.")
    params, password = _parts(url)
    with _connect(params, password, dbname="postgres") as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [params["dbname"]]).fetchone()
        if exists:
            raise BackupError(
                f"Database {params['dbname']} already exists: restore into a new database name, check it, then "
                "point DATABASE_URL at it."
            )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(params["dbname"])))
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *_client_args(params), str(archive)],
         password)  # fmt: skip
    print(f"Restored {archive} into {params['dbname']}.")


def row_counts(url: str) -> dict[str, int]:
    """Exact row counts of every table in the public schema."""
    params, password = _parts(url)
    with _connect(params, password) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        counts = {}
        for table in tables:
            row = db.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
            counts[table] = int(row[0]) if row else 0
        return counts


def audit_verify(url: str) -> str:
    env = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "audit_verify"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"audit_verify failed on the restored copy: {(result.stderr or result.stdout).strip()}")
    return result.stdout.strip()


def _drop(url: str) -> None:
    params, password = _parts(url)
    with _connect(params, password, dbname="postgres") as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(params["dbname"])))


def drill(url: str, *, keep: bool = False) -> dict[str, int]:
    """Dump, restore into a fresh database, verify the audit chain there, compare row counts."""
    split = urlsplit(url)
    stamp = dt.datetime.now(tz=dt.UTC).strftime("%Y%m%d%H%M%S")
    copy_name = f"{split.path.lstrip('/')}_restore_{stamp}"
    copy_url = urlunsplit(split._replace(path=f"/{copy_name}"))
    before = row_counts(url)
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "joinedup.dump"
        dump(url, archive)
        try:
            restore(archive, copy_url)
            print(audit_verify(copy_url))
            after = row_counts(copy_url)
        finally:
            if not keep:
                _drop(copy_url)
    differ = {
        t: (before.get(t), after.get(t)) for t in sorted(set(before) | set(after)) if before.get(t) != after.get(t)
    }
    print(f"Row counts compared for {len(before)} tables, {sum(before.values()):,} rows.")
    if differ:
        lines = "\n".join(f"  {table}: {a} in the database, {b} in the copy" for table, (a, b) in differ.items())
        # Rows written while the drill ran also differ: run it when writes are quiet, or on a replica.
        raise BackupError(f"The restored copy differs:\n{lines}")
    print(f"Restore drill passed{f'; the copy is {copy_name}' if keep else ''}.")
    return before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("dump", help="write a backup archive")
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("restore", help="restore an archive into a new database")
    p.add_argument("--file", type=Path, required=True)
    p.add_argument("--database-url", required=True, help="the new database (it must not exist)")
    p = sub.add_parser("drill", help="prove a backup restores: dump, restore, audit_verify, row counts")
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    p.add_argument("--keep", action="store_true", help="keep the restored copy")
    args = parser.parse_args(argv)
    try:
        if args.command == "dump":
            dump(args.database_url, args.out)
        elif args.command == "restore":
            restore(args.file, args.database_url)
        else:
            drill(args.database_url, keep=args.keep)
    except (BackupError, psycopg.Error) as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
