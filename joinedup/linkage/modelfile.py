"""A trained model as a file: what `linkage_train --out` and `link_files --save-model` write
and `link_files --model-file` reads, so a model can be used where Joined Up's database is not.

The file is JSON: the Splink model under "parameters", with where it came from and its
training summary beside it. A plain Splink model JSON (Splink's own save_model_to_json)
is read too, without a summary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FORMAT = "joinedup-linkage-model/1"


class ModelFileError(Exception):
    """The file is not a model this can use; the message says why."""


def model_file_text(*, parameters: dict[str, Any], summary: dict[str, Any], source: dict[str, Any]) -> str:
    """The file's text: keys sorted, so the same model always writes the same bytes."""
    payload = {"format": FORMAT, "source": source, "summary": summary, "parameters": parameters}
    return json.dumps(payload, indent=1, sort_keys=True, default=str) + "\n"


def write_model_file(path: str | Path, **content: Any) -> None:
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_text(model_file_text(**content), encoding="utf-8")
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ModelFileError(f"{path}: cannot write the model: {exc.strerror}") from exc


def read_model_file(path: str | Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(Splink parameters, training summary, source) from a model file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelFileError(f"{path}: {exc.strerror}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: not a JSON file: {exc}") from exc
    if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("parameters"), dict):
        return data["parameters"], dict(data.get("summary") or {}), dict(data.get("source") or {})
    if isinstance(data, dict) and isinstance(data.get("comparisons"), list):
        return data, {}, {"kind": "Splink model JSON"}
    raise ModelFileError(f"{path}: not a model file (write one with manage.py linkage_train --out {path})")
