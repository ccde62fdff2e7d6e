"""An ICB's safeguarding contacts: GET and PUT /icbs/{icbCode}/contacts, and their history."""

from tracker import settings

# What this function cannot run without (a test checks the CDK environment against it).
REQUIRED_SETTINGS = frozenset({settings.CASES_TABLE_NAME, settings.CURSOR_SIGNING_KEY_SECRET_ARN})
