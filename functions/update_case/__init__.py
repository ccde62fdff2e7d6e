"""PATCH /cases/{caseId}: change a case with a JSON merge patch."""

from tracker import settings

# What this function cannot run without (a test checks the CDK environment against it).
REQUIRED_SETTINGS = frozenset({settings.CASES_TABLE_NAME, settings.SAR_COMPLETION_MONTHS})
