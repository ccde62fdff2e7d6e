"""`scrt remind` when the e-mail service fails for a reason that may pass: it prints the run's
summary and exits 1 (on AWS the function raises so that Lambda retries), and the next run sends."""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from local_stack import cli
from local_stack.outbox import LOCAL_DIGEST_TEMPLATE_ID, OutboxEmailSender
from local_stack.stack import LocalStack
from tests.integration.conftest import TokenFactory
from tracker import clock, composition, settings
from tracker.logic.ports import EmailNotSent

ICB = "QOX"


@pytest.fixture
def remind_environment(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(settings.NOTIFY_DIGEST_TEMPLATE_ID, LOCAL_DIGEST_TEMPLATE_ID)
    monkeypatch.setenv(settings.WEB_BASE_URL, stack.api_url)
    yield
    composition.reset()


def _summary(out: str) -> dict[str, Any]:
    """The summary `scrt remind` prints (indented JSON), after any log lines of the run."""
    summary: dict[str, Any] = json.loads(out[out.index("{\n") :])
    return summary


def _overdue_case() -> dict[str, Any]:
    today = clock.today_london()
    return {
        "icbCode": ICB,
        "reviewType": "CSPR",
        "status": "OPEN",
        "stage": "IN_PROGRESS",
        "incidentDate": (today - timedelta(days=240)).isoformat(),
        "dateAdded": (today - timedelta(days=220)).isoformat(),
        "designatedProfessional": "DESIGNATED_NURSE_CHILDREN",
        "safeguardingPartnership": "Synthetic Children Safeguarding Partnership",
        "themes": ["NEGLECT"],
    }


def test_a_run_the_email_service_failed_exits_1_with_its_summary_and_the_next_run_sends(
    api: httpx.Client,
    token: TokenFactory,
    stack: LocalStack,
    remind_environment: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    editor = {"Authorization": f"Bearer {token('icb_editor', ICB)}"}
    saved = api.put(
        f"/icbs/{ICB}/contacts",
        json={"emails": ["qox.safeguarding@nhs.example"]},
        headers={**editor, "If-Match": '"0"'},
    )
    assert saved.status_code == 200, saved.text
    assert api.post("/cases", json=_overdue_case(), headers=editor).status_code == 201

    def outage(*args: Any, **kwargs: Any) -> None:
        raise EmailNotSent(503)

    state_dir = str(stack.state.root)
    capsys.readouterr()
    with monkeypatch.context() as patch:
        patch.setattr(OutboxEmailSender, "send", outage)
        assert cli.main(["--state-dir", state_dir, "remind"]) == 1
    failed = _summary(capsys.readouterr().out)
    assert ICB in failed["failed"]
    assert not any(f"digest-{ICB}-" in name for name in failed["outboxFiles"])

    assert cli.main(["--state-dir", state_dir, "remind"]) == 0
    sent = _summary(capsys.readouterr().out)
    assert ICB in sent["sent"]
    assert any(f"digest-{ICB}-" in name for name in sent["outboxFiles"])
