"""The JSON API's envelopes around domain objects: pages, reference lists, health."""

from datetime import date
from typing import Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from tracker.models.case import Case, HistoryEntry, WireModel
from tracker.models.contacts import ContactsChange
from tracker.reference import REGION_NAMES, ReferenceData


class Page(WireModel):
    """A page of a paged resource: its items, and where the next page starts."""

    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")

    @model_serializer(mode="wrap")
    def _always_name_next_cursor(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Responses omit absent optional fields, but callers page until nextCursor is null.
        data: dict[str, Any] = handler(self)
        data.setdefault("nextCursor", None)
        return data


class CaseList(Page):
    items: list[Case]


class History(Page):
    items: list[HistoryEntry]


class ContactsHistory(Page):
    items: list[ContactsChange]


class IcbReference(WireModel):
    icb_code: str
    icb_name: str
    region_code: str
    region_name: str
    current: bool
    successor_icb_codes: list[str] = Field(default_factory=list)
    predecessor_icb_codes: list[str] = Field(default_factory=list)


class IcbReferenceList(WireModel):
    items: list[IcbReference]


class Health(WireModel):
    status: Literal["ok"]


def icb_reference_list(reference: ReferenceData, today: date) -> IcbReferenceList:
    """Every ICB, current ones first, with region and succession links (for form drop-downs)."""
    items = [
        {
            "icbCode": icb.code,
            "icbName": icb.name,
            "regionCode": icb.region_code,
            "regionName": REGION_NAMES[icb.region_code],
            "current": icb.is_current_on(today),
            "successorIcbCodes": list(icb.successors),
            "predecessorIcbCodes": list(icb.predecessors),
        }
        for icb in sorted(reference.icbs.values(), key=lambda icb: (not icb.is_current_on(today), icb.name))
    ]
    return IcbReferenceList.model_validate({"items": items})
