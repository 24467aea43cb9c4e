"""Possible matches over the JSON API: what intake matching found for one of your records, and a decision.

Partners' records are shown as know-of only (agency, contact route, last
updated): the API never widens what the pages show.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from joinedup.audit.services import audit_record
from joinedup.core.api import ERRORS
from joinedup.linkage import services
from joinedup.linkage.access import intake_matches_for
from joinedup.linkage.models import CandidatePair

router = Router(tags=["linkage"])


class PossibleMatchOut(Schema):
    pair: UUID
    probability: float
    why_not_joined: str
    held_by: str
    contact_route: str
    last_updated: dt.datetime

    @staticmethod
    def of(pair: CandidatePair, record_id: int) -> dict[str, Any]:
        other = pair.record_b if pair.record_a_id == record_id else pair.record_a
        return {
            "pair": pair.uuid,
            "probability": round(pair.probability, 4),
            "why_not_joined": pair.conflict or "Score between the thresholds",
            "held_by": other.agency.name,
            "contact_route": other.agency.contact_route,
            "last_updated": other.updated_at,
        }


class MatchesOut(Schema):
    record: UUID
    child: UUID
    possible_matches: list[PossibleMatchOut]


class DecisionIn(Schema):
    decision: Literal["same", "not_same"]
    # Needed for "same" when the match's child is outside your agency's work (told to the DPO).
    reason: str = Field("", max_length=2000)


def _matches(request: HttpRequest, record_uuid: UUID) -> tuple[Any, Any]:
    return intake_matches_for(user=request.user, record_uuid=record_uuid)


@router.get(
    "/records/{record_uuid}/matches",
    response={200: MatchesOut, **ERRORS},
    summary="Possible matches found when your record was added",
)
def list_record_matches(request: HttpRequest, record_uuid: UUID) -> Any:
    record, pairs = _matches(request, record_uuid)
    # Only who holds each match is returned (the know-of level), but reading it is audited.
    audit_record(
        actor=request.user,
        event="agency_record.matches_viewed",
        obj=record,
        child_uuid=record.child.uuid,
        detail={"channel": "api", "pairs": [str(p.uuid) for p in pairs]},
    )
    return Status(
        200,
        {
            "record": record.uuid,
            "child": record.child.uuid,
            "possible_matches": [PossibleMatchOut.of(p, record.pk) for p in pairs],
        },
    )


@router.post(
    "/records/{record_uuid}/matches/{pair_uuid}",
    response={200: MatchesOut, **ERRORS},
    summary="Say whether a possible match is the same child",
)
def decide_record_match(request: HttpRequest, record_uuid: UUID, pair_uuid: UUID, payload: DecisionIn) -> Any:
    record, pairs = _matches(request, record_uuid)
    pair = pairs.filter(uuid=pair_uuid).first()
    if pair is None:
        raise Http404("No possible match waiting with that id for this record.")
    services.pair_decide(actor=request.user, pair=pair, decision=payload.decision, reason=payload.reason)
    record.refresh_from_db(fields=["child"])
    return list_record_matches(request, record_uuid)
