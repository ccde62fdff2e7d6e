"""Use cases of the tracker, free of HTTP and of boto3."""
