"""Reporting extracts in S3: which objects exist, their keys, their columns and their bytes.

Pure domain code (no AWS calls): ``tracker.dal.extract_store`` writes what this package renders.
"""
