"""How many examples a property test draws.

`make test` draws each property test's full number; `make unit`, the quick run while working, draws a
quarter of it (`SCRT_PROPERTY_EXAMPLES_SCALE=0.25`), and `make fuzz` far more through its own
profile. Each test states its full number, so the scale never hides what a test is meant to try.
"""

import os

PROPERTY_EXAMPLES_SCALE = float(os.environ.get("SCRT_PROPERTY_EXAMPLES_SCALE", "1"))
FEWEST_EXAMPLES = 25  # below this a property test says little


def examples(full: int) -> int:
    """The examples to draw for a test whose full run draws ``full``."""
    return max(min(full, FEWEST_EXAMPLES), round(full * PROPERTY_EXAMPLES_SCALE))
