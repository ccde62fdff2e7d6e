"""The extracts reach storage through their ports: the stores the composition root hands in take
each call the extracts make, with the same parameters."""

import inspect

import pytest

from tracker.dal.extract_store import ExtractStore, StreamedUpload
from tracker.dal.failure_inbox import S3FailureInbox
from tracker.extracts.ports import ExtractBucket, ExtractUpload, FailureInbox


def _methods(port: type) -> list[str]:
    return [
        name for name, member in vars(port).items() if inspect.isfunction(member) and not name.startswith("_")
    ]


@pytest.mark.parametrize(
    ("port", "adapter"),
    [(ExtractBucket, ExtractStore), (ExtractUpload, StreamedUpload), (FailureInbox, S3FailureInbox)],
    ids=lambda kind: kind.__name__,
)
def test_the_adapter_takes_every_call_of_its_port_alike(port: type, adapter: type) -> None:
    assert _methods(port)
    for name in _methods(port):
        wanted = inspect.signature(getattr(port, name)).parameters
        offered = inspect.signature(getattr(adapter, name)).parameters
        assert [(p.name, p.kind, p.default) for p in offered.values()] == [
            (p.name, p.kind, p.default) for p in wanted.values()
        ], f"{adapter.__name__}.{name}"
