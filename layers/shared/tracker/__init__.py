"""Shared code of the Safeguarding Case Review Tracker, shipped to every Lambda as a layer.

Sub-packages keep HTTP and AWS apart from the domain: ``models`` (the case record),
``rules`` (deadlines and the patient-identifiable data guard), ``access`` (who may do what),
``logic`` (use cases), ``dal`` (the only code that touches boto3) and ``api`` (problem responses).
"""
