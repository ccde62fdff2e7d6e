"""Reporting extracts in S3: which objects exist, their keys, their columns and their bytes.

Pure domain code (no AWS calls): it reads and writes the bucket through ``tracker.extracts.ports``,
which ``tracker.dal.extract_store`` implements and the composition root hands in.
"""
