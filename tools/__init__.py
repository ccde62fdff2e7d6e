"""Dev-only tools of the project (never shipped to Lambda)."""
