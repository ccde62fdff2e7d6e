"""Constructs by feature, as in the architecture diagram.

Features: ``CaseApi``, ``Reporting`` and ``Monitoring`` (stateless); ``CaseStore``,
``ReportingStore``, ``AuditTrails`` and ``Keys`` (stateful). Building blocks they share:
``TrackerFunction``, ``SharedLayer``, ``WebAcl``, the bucket and log-group helpers and the grants
in ``permissions``.
"""
