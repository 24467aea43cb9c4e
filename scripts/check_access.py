"""Lint: protected models are reached only through their app's access rules.

A protected model holds data about a child or a person. Outside its own app's
access.py and services.py (and migrations and tests), nothing may use
`Model.objects` (or its managers) on one, unless the file is allow-listed below
with its reason, or the line says why it is safe with a trailing
`# access: <reason>` on it or on the line above (a query narrowed to an
object the caller already received from an access function, say).

Fails (exit 1) naming file and line for each use found.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "joinedup"

# Modules that may query protected models directly, each with its reason.
ALLOWED_FILES: dict[str, str] = {
    "demo": "the synthetic partnership generator writes and reads its own invented data",
    "linkage/run.py": "batch linkage runs as the system over every live record (no user; audited per run)",
    "linkage/decisions.py": "the decision engine of a batch run (no user)",
    "linkage/intake.py": "intake matching looks up candidates for the record being created (no user view)",
    "linkage/training.py": "training reads all live records as the system",
    "linkage/spark.py": "batch linkage on Spark, as the system",
    "linkage/link_files.py": "link_files reads extracts, never the database's children",
    "linkage/management": "batch commands run as the system and audit what they do",
    "children/reassign.py": "moves rows between children inside a join or split service",
    "audit/management": "audit verification reads the whole chain",
    "jobs/tasks.py": "background jobs run the services as the user who started them",
    "ops": "health and backup checks count rows, never show them",
    "pathways/rules.py": "the in-work rules pathways registers into the access policy: they are the policy",
    "pathways/migration.py": "moves cases between pathway versions as the system (a management command)",
    "governance/selectors.py": "the DPO's reads, each narrowed to their partnership and audited (test_partnerships)",
    "governance/subject_access.py": "subject access, for the DPO only, narrowed to their partnership and audited",
    "audit/selectors.py": "verification reads the whole chain; the trail's pages are scoped in governance",
}

PATTERN = re.compile(r"\b([A-Z][A-Za-z]+)\.(objects|_default_manager|_base_manager)\b")
MARKER = re.compile(r"#\s*access:\s*\S")


def protected_models() -> dict[str, str]:
    """Model class name -> app, for every model with a field pointing at a child, a record or a person."""
    person_targets = {"Child", "AgencyRecord", "settings.AUTH_USER_MODEL", "User", "Referral", "Case", "Contribution"}
    found: dict[str, str] = {}
    for models_py in ROOT.glob("*/models.py"):
        app = models_py.parent.name
        tree = ast.parse(models_py.read_text())
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            source = ast.get_source_segment(models_py.read_text(), node) or ""
            refs = re.findall(r"(?:ForeignKey|OneToOneField|ManyToManyField)\(\s*([\w.\"']+)", source)
            refs = {r.strip("\"'") for r in refs}
            if refs & person_targets or node.name in {"Child", "AgencyRecord"}:
                found[node.name] = app
    # Sign-in and token bookkeeping is the user's own, not data about a person in the partnership's work.
    for name in ("User", "ApiToken", "Membership", "Notification", "Job"):
        found.pop(name, None)
    return found


def allowed(path: Path, app_of_model: str) -> bool:
    rel = path.relative_to(ROOT).as_posix()
    if "/migrations/" in rel or "/tests/" in rel or rel.endswith("conftest.py"):
        return True
    # Access rules decide what a user may reach; services write, after the caller's access
    # check, inside their transaction with the audit row (any app's: a join moves records).
    if rel.endswith("/access.py") or rel.endswith("/services.py"):
        return True
    return any(rel == key or rel.startswith(key.rstrip("/") + "/") for key in ALLOWED_FILES)


def main() -> int:
    models = protected_models()
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        lines = path.read_text().splitlines()
        for lineno, line in enumerate(lines, start=1):
            above = lines[lineno - 2] if lineno > 1 else ""
            for match in PATTERN.finditer(line):
                name = match.group(1)
                if name not in models or allowed(path, models[name]):
                    continue
                if MARKER.search(line) or MARKER.search(above):
                    continue
                problems.append(f"{path.relative_to(ROOT.parent)}:{lineno}: {line.strip()}")
    if problems:
        print(
            "Protected models queried outside their app's access.py/services.py; use an access function, "
            "or say why the line is safe with '# access: <reason>':"
        )
        print("\n".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
