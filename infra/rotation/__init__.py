"""Secrets Manager rotation functions of the app (deployed as their own Lambda asset)."""
