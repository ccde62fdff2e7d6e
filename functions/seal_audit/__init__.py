"""Daily seal of the read audit: the day before's entries, as a hash chain, into the Object Lock archive."""

from tracker import settings

# What this function cannot run without (a test checks the CDK environment against it).
REQUIRED_SETTINGS = frozenset({settings.AUDIT_TABLE_NAME, settings.AUDIT_ARCHIVE_BUCKET_NAME})
