"""`scrt serve` as a user runs it: loopback only, Ctrl-C stops every child, a taken port is a clear
message, data survives a restart unless --fresh; and the small commands."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from local_stack import cli, engines
from local_stack.identity import issue_token
from local_stack.lambdas import handler_available
from local_stack.stack import BACKEND_LOCAL, BACKEND_MOTO, LocalStack, StackConfig
from local_stack.state import LocalState

from .conftest import stack_config, test_backend

SCRT = [sys.executable, "-m", "local_stack.cli"]
REPO = Path(__file__).resolve().parents[2]
HANDLERS_PRESENT = handler_available("submit_case") and handler_available("query_cases")


def external_address() -> str | None:
    """This machine's non-loopback address, if it has one (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_engines_listen_on_loopback_only(stack: LocalStack) -> None:
    address = external_address()
    if address is None:
        pytest.skip("no non-loopback address on this machine")
    ports = [stack.config.http_port, stack.config.s3_port]
    if stack.config.backend == BACKEND_LOCAL:
        assert stack.config.weed_ports is not None
        ports += [stack.config.dynamodb_port, *(port for _, port in stack.config.weed_ports.named())]
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            assert probe.connect_ex((address, port)) != 0, f"port {port} answers on {address}"


def test_a_taken_port_is_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        code = cli.main(["--state-dir", str(tmp_path), "serve", "--port", str(taken)])
    assert code == 1
    err = capsys.readouterr().err
    assert f"{taken} (HTTP API)" in err and "Traceback" not in err


def _wait_for_health(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise AssertionError(f"scrt serve exited during start-up:\n{output[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("no /health")


class Serve:
    """`scrt serve` in a child process, as a user runs it; stopped with SIGINT (what Ctrl-C sends)."""

    def __init__(self, state: Path, config: StackConfig, *extra: str) -> None:
        env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'layers' / 'shared'}"}
        self.env = env
        self.state = state
        args = [
            *SCRT,
            "--state-dir",
            str(state),
            "serve",
            "--backend",
            config.backend,
            "--port",
            str(config.http_port),
            "--dynamodb-port",
            str(config.dynamodb_port),
            "--s3-port",
            str(config.s3_port),
            *extra,
        ]
        if config.weed_ports is not None:
            weed = config.weed_ports
            args += ["--seaweedfs-ports", f"{weed.master},{weed.volume},{weed.filer},{weed.admin}"]
        self.url = f"http://127.0.0.1:{config.http_port}"
        self.process = subprocess.Popen(  # noqa: S603
            args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        self.output = ""

    def __enter__(self) -> "Serve":
        try:
            _wait_for_health(self.url, self.process)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        self.output = self.process.communicate(timeout=30)[0].decode()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(LocalState(self.state), 'icb_editor', 'QE1')}"}


def started(state: Path, backend: str, attempts: int = 3) -> tuple[Serve, StackConfig]:
    """A running `scrt serve` on free ports. A port found free can be taken a moment later (the
    engines' ports lie in the ephemeral range), which `scrt serve` refuses to start on: new ports."""
    for attempt in range(attempts):
        config = stack_config(state, backend)
        serve = Serve(state, config)
        try:
            return serve.__enter__(), config
        except AssertionError as refused:
            if "already taken" not in str(refused) or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


@pytest.mark.skipif(not HANDLERS_PRESENT, reason="no case handlers yet")
def test_serve_stops_every_child_on_ctrl_c_and_data_survives_a_restart_unless_fresh(tmp_path: Path) -> None:
    backend = test_backend()
    state = tmp_path / "state"
    serve, config = started(state, backend)
    with serve:
        created = httpx.post(
            f"{serve.url}/cases",
            headers=serve.headers(),
            json={
                "icbCode": "QE1",
                "reviewType": "SAR",
                "status": "OPEN",
                "stage": "NOTIFIED",
                "incidentDate": "2026-01-10",
                "dateAdded": "2026-02-02",
                "designatedProfessional": "DESIGNATED_PROFESSIONAL_ADULTS",
                "safeguardingPartnership": "Synthetic Safeguarding Adults Board",
                "themes": ["SELF_NEGLECT"],
            },
            timeout=30,
        )
        assert created.status_code == 201, created.text
        case_id = created.json()["caseId"]
        env_lines = subprocess.run(  # noqa: S603
            [*SCRT, "--state-dir", str(state), "env"], cwd=REPO, env=serve.env, capture_output=True, text=True
        ).stdout
        assert f"export AWS_ENDPOINT_URL_S3=http://127.0.0.1:{config.s3_port}" in env_lines
    assert serve.process.returncode == 0, serve.output
    assert "scrt: stopped" in serve.output
    ports = [config.http_port, config.dynamodb_port, config.s3_port]
    ports += [port for _, port in config.weed_ports.named()] if config.weed_ports else []
    for port in ports:
        assert engines.port_is_free(port), f"port {port} still taken after Ctrl-C"

    if backend != BACKEND_LOCAL:
        return  # moto keeps nothing across restarts
    for extra, expected in (((), 200), (("--fresh",), 404)):
        with Serve(state, config, *extra) as again:
            response = httpx.get(f"{again.url}/cases/{case_id}", headers=again.headers(), timeout=30)
            assert response.status_code == expected, response.text


@pytest.mark.skipif(not HANDLERS_PRESENT, reason="no case handlers yet")
def test_the_moto_fallback_serves_the_same_stack(tmp_path: Path) -> None:
    config = stack_config(tmp_path / "state", BACKEND_MOTO)
    with Serve(tmp_path / "state", config) as serve:
        assert httpx.get(f"{serve.url}/cases", headers=serve.headers(), timeout=30).status_code == 200
        created = httpx.post(
            f"{serve.url}/cases",
            headers=serve.headers(),
            json={
                "icbCode": "QE1",
                "reviewType": "DHR",
                "status": "OPEN",
                "stage": "NOTIFIED",
                "incidentDate": "2026-01-10",
                "dateAdded": "2026-02-02",
                "designatedProfessional": "ICB_SAFEGUARDING_LEAD",
                "safeguardingPartnership": "Synthetic Community Safety Partnership",
                "themes": ["DOMESTIC_ABUSE"],
            },
            timeout=30,
        )
        assert created.status_code == 201, created.text
        listing = ""
        for _ in range(60):  # the poller feeds moto's stream to publish_changes too
            listing = subprocess.run(  # noqa: S603
                [*SCRT, "--state-dir", str(serve.state), "extracts", "--prefix", "changes/"],
                cwd=REPO,
                env=serve.env,
                capture_output=True,
                text=True,
            ).stdout
            if created.json()["caseId"] in listing:
                break
            time.sleep(0.3)
        assert created.json()["caseId"] in listing
    assert serve.process.returncode == 0, serve.output


def test_check_cases_lists_a_stored_case_breaking_a_current_rule_which_stays_readable(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from tests.conftest import synthetic_case
    from tracker import composition
    from tracker.dal import schema

    headers = {"Authorization": f"Bearer {issue_token(stack.state, 'icb_editor', 'QE1')}"}
    secret = "Synthetic text the check must never print"
    with httpx.Client(base_url=stack.api_url, timeout=30) as api:
        created = api.post(
            "/cases", json=synthetic_case(caseInformation=secret, dateAdded="2026-02-02"), headers=headers
        )
        assert created.status_code == 201, created.text
        case_id = created.json()["caseId"]
        # As a case stored before the rule: Published, with no publication date.
        stack.dynamodb.update_item(
            TableName=stack.config.cases_table,
            Key={
                schema.PARTITION_KEY: {"S": f"{schema.CASE_PK_PREFIX}{case_id}"},
                schema.SORT_KEY: {"S": schema.CASE_SK},
            },
            UpdateExpression="SET #stage = :published",
            ExpressionAttributeNames={"#stage": "stage"},
            ExpressionAttributeValues={":published": {"S": "PUBLISHED"}},
        )
        assert api.get(f"/cases/{case_id}", headers=headers).json()["stage"] == "PUBLISHED"

    try:
        capsys.readouterr()
        assert cli.main(["--state-dir", str(stack.state.root), "check-cases"]) == 0
        printed = capsys.readouterr().out
    finally:
        composition.reset()
    listed = [problem for problem in json.loads(printed)["problems"] if problem["caseId"] == case_id]
    assert [(problem["icbCode"], problem["field"]) for problem in listed] == [("QE1", "publicationDate")]
    assert listed[0]["reference"] == created.json()["reference"]
    assert secret not in printed


def test_snapshot_summary_only_writes_the_overviews_summary_as_the_hourly_schedule_does(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from tests.conftest import synthetic_case
    from tracker import composition

    headers = {"Authorization": f"Bearer {issue_token(stack.state, 'icb_editor', 'QE1')}"}
    with httpx.Client(base_url=stack.api_url, timeout=30) as api:
        assert api.post("/cases", json=synthetic_case(), headers=headers).status_code == 201
    try:
        capsys.readouterr()
        assert cli.main(["--state-dir", str(stack.state.root), "snapshot", "--summary-only"]) == 0
        printed = json.loads(capsys.readouterr().out)
        from tracker.extracts.summary import load_latest_summary

        summary = load_latest_summary(composition.extract_store())
    finally:
        composition.reset()
    assert printed["summaryOnly"] is True and printed["cases"] >= 1
    assert "keys" not in printed  # no snapshot files: the summary alone
    assert summary is not None and summary.total_cases == printed["cases"]  # the overview reads it
