"""Checkpoints of the chain's head, kept outside the audit table.

A checkpoint is one JSON line `{"seq", "hash", "at", "key_id"}` appended to
AUDIT_CHECKPOINT_FILE and written to the `joinedup.audit` log. Someone who can
change the database but not the application's file system or log store can no
longer cut the chain short or swap it for a re-hashed one unnoticed: the
checkpointed event must still be there with the same hash (audit/chain.py).

Checkpoints are taken (a) after the commit of every write that crosses a
multiple of AUDIT_CHECKPOINT_EVERY event ids or starts a keyed chain, so the
anchor follows the chain without a scheduler, and (b) by `manage.py
audit_checkpoint`, run from cron, so the quiet tail after the last multiple is
anchored too. Each line is appended with one `write` on a file opened in
append mode, which is atomic for lines this short, so concurrent workers do
not interleave.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from joinedup.audit.chain import Checkpoint, key_id

logger = logging.getLogger("joinedup.audit")


class CheckpointFileError(Exception):
    """The checkpoint file cannot be read as checkpoints: itself a sign of tampering."""


def checkpoint_path() -> Path | None:
    value = getattr(settings, "AUDIT_CHECKPOINT_FILE", "")
    return Path(value) if value else None


def checkpoints_read() -> list[Checkpoint]:
    """Every checkpoint in the file, oldest first; none if the file does not exist yet."""
    path = checkpoint_path()
    if path is None or not path.exists():
        return []
    checkpoints = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                checkpoints.append(
                    Checkpoint(seq=int(data["seq"]), hash=str(data["hash"]), at=str(data["at"]), line=lineno)
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise CheckpointFileError(f"{path}:{lineno} is not a checkpoint line ({exc}).") from exc
    return checkpoints


def checkpoint_write(*, seq: int, hash: str) -> Checkpoint:
    """Append one checkpoint to the file (creating its folder) and the log."""
    at = timezone.now().isoformat(timespec="seconds")
    line = json.dumps(
        {"seq": seq, "hash": hash, "at": at, "key_id": key_id(settings.AUDIT_HMAC_KEY.encode())},
        separators=(",", ":"),
    )
    # The log is the second copy: shipped off the host, it survives the file being edited.
    logger.info("audit checkpoint %s", line)
    path = checkpoint_path()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, (line + "\n").encode())
            finally:
                os.close(fd)
        except OSError as exc:
            # Runs after the write committed: failing the user's request would not undo it.
            # Say so loudly instead; the log line above still anchors the chain.
            logger.error("audit checkpoint not written to %s: %s", path, exc)
    return Checkpoint(seq=seq, hash=hash, at=at)
