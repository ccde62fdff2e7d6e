"""The stream's event source filter, still imported from here by ``infra/constructs/reporting.py``
and two tests: it lives in ``tracker.dal.case_stream``, with the decoding of the stream's records.
Once they import it from there, this module goes."""

from tracker.dal.case_stream import EVENT_SOURCE_FILTER_PATTERN

__all__ = ["EVENT_SOURCE_FILTER_PATTERN"]
