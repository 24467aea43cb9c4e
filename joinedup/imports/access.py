"""Who may import an agency's records and see what an import made, built on partnership/access.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from joinedup.imports.models import ImportStatus, RecordImport
from joinedup.partnership.access import require
from joinedup.partnership.models import Agency
from joinedup.partnership.roles import Perm


def agency_for_import(user: Any) -> Agency:
    """The agency imported records will belong to: the user's own; 403 if the role may not import."""
    return require(user, Perm.IMPORT_AGENCY_RECORDS).agency


def imports_visible_to(user: Any) -> QuerySet[RecordImport]:
    """Imports into the user's own agency, for roles that may import; 403 for other roles."""
    membership = require(user, Perm.IMPORT_AGENCY_RECORDS)
    return RecordImport.objects.filter(agency_id=membership.agency_id).select_related("started_by", "job")


def record_import_get_for_user(*, user: Any, import_uuid: UUID | str) -> RecordImport:
    """One import into the user's agency; the same 404 for missing and another agency's."""
    try:
        return imports_visible_to(user).get(uuid=import_uuid)
    except (RecordImport.DoesNotExist, ValidationError) as exc:
        raise Http404 from exc


def waiting_upload_for_user(*, user: Any, import_uuid: UUID | str) -> RecordImport:
    """A file the user sent that was refused and kept for them to send again; 404 for anyone else's."""
    try:
        return imports_visible_to(user).get(uuid=import_uuid, started_by=user, status=ImportStatus.WAITING)
    except (RecordImport.DoesNotExist, ValidationError) as exc:
        raise Http404 from exc
