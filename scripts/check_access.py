"""Lint: views and API modules reach protected models only through partnership/access.py.

Fails (exit 1) naming file and line for any direct `Model.objects` use of a
protected model in a views.py or api.py (or a views/ or api/ package).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PROTECTED = ("AgencyRecord", "Child", "Referral", "Case", "TruthLink")
PATTERN = re.compile(rf"\b({'|'.join(PROTECTED)})\.(objects|_default_manager|_base_manager)\b")


def offending_files(root: Path) -> list[Path]:
    files = [*root.rglob("views.py"), *root.rglob("api.py")]
    files += [p for p in root.rglob("*.py") if p.parent.name in {"views", "api"}]
    return sorted(set(files))


def main() -> int:
    root = Path(__file__).resolve().parent.parent / "joinedup"
    problems = []
    for path in offending_files(root):
        for lineno, line in enumerate(path.read_text().splitlines(), start=1):
            if PATTERN.search(line):
                problems.append(f"{path.relative_to(root.parent)}:{lineno}: {line.strip()}")
    if problems:
        print("Protected models queried directly; use the access functions in partnership/access.py:")
        print("\n".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
