"""Schemathesis at length: the integration module's tests, with SCRT_FUZZ=1 read at import, run
SCRT_FUZZ_EXAMPLES examples per operation (default 300) and SCRT_FUZZ_STEPS stateful steps (default
100), with fresh randomness each run."""

import pytest

pytest.importorskip("schemathesis", reason="schemathesis is a dev dependency")

from tests.integration.test_schemathesis import (  # noqa: F401 - collected here at fuzz scale
    session,
    test_every_operation_against_the_running_stack,
    test_stateful_sequences_through_inferred_links,
    test_zz_figures,
)
