"""The ICB list served to form drop-downs."""

from tracker import clock
from tracker.models.case import IcbReferenceList
from tracker.reference import REGION_NAMES, reference_data


def icb_reference_list() -> IcbReferenceList:
    reference = reference_data()
    today = clock.today_london()
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
