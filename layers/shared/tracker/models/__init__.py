"""The case record: enums, the pydantic models and their rules."""
