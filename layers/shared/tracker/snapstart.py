"""SnapStart runtime hooks: what is warmed before the snapshot, and what is forgotten after a restore.

With SnapStart, Lambda initialises a function once, snapshots its memory, and starts every new
container from that snapshot. Whatever was in memory then is shared by all of them and may be
stale by the time one is restored: the random module's state, AWS credentials and open
connections, secrets (the cursor key) and fetched documents (the identity provider's JWKS).

The Lambda Python runtime provides ``snapshot_restore_py`` (Snapshot Restore for Python); it does
not exist elsewhere, so it is imported guardedly and the hooks are simply not registered locally.
Lambda runs hooks registered by any module the handler imports: ``tracker.composition`` registers
them when it is imported.
"""

import importlib
from collections.abc import Callable
from types import ModuleType

RUNTIME_HOOKS_MODULE = "snapshot_restore_py"


def runtime_hooks() -> ModuleType | None:
    """The runtime's hook module, or None where there is none (anywhere but a Lambda runtime)."""
    try:
        return importlib.import_module(RUNTIME_HOOKS_MODULE)
    except ImportError:
        return None


def register(
    *,
    before_snapshot: Callable[[], None],
    after_restore: Callable[[], None],
    hooks: ModuleType | None = None,
) -> bool:
    """Register both hooks with the runtime; False (and nothing registered) without one."""
    module = hooks if hooks is not None else runtime_hooks()
    if module is None:
        return False
    module.register_before_snapshot(before_snapshot)
    module.register_after_restore(after_restore)
    return True


def reseed_random() -> None:
    """Every restored container starts from the same snapshot, so from the same ``random`` state:
    seed it again from the OS (``uuid4`` and ``secrets`` read the OS themselves and need nothing)."""
    import random

    random.seed()
