"""`scrt serve` stops quickly whatever connections are open, and a run that was killed does not
block the next one: the next start finds the engines it left running and stops them, and only
them (a pid is checked to still run the engine's command, and a run still alive is left alone)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from local_stack import engines
from local_stack.identity import issue_token
from local_stack.lambdas import handler_available
from local_stack.stack import BACKEND_LOCAL, LocalStack, StackConfig
from local_stack.state import EngineRecord, LocalState

from .conftest import stack_config, test_backend

REPO = Path(__file__).resolve().parents[2]
# One engine may use its whole grace before it is killed; the rest is the main loop, the poller and the
# server stopping. A hang (what this guards against) takes far longer.
STOP_WITHIN_SECONDS = engines.ENGINE_STOP_GRACE_SECONDS + 2.0
HANDLERS_PRESENT = handler_available("submit_case") and handler_available("query_cases")
CASE = {
    "icbCode": "QE1",
    "reviewType": "SAR",
    "status": "OPEN",
    "stage": "NOTIFIED",
    "incidentDate": "2026-01-10",
    "dateAdded": "2026-02-02",
    "designatedProfessional": "DESIGNATED_PROFESSIONAL_ADULTS",
    "safeguardingPartnership": "Synthetic Safeguarding Adults Board",
    "themes": ["SELF_NEGLECT"],
}


def serve(state: Path, config: StackConfig) -> subprocess.Popen[bytes]:
    """`scrt serve` as a program (``python -m local_stack.cli`` runs what the console script runs)."""
    args = [
        sys.executable,
        "-m",
        "local_stack.cli",
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
    ]
    if config.weed_ports is not None:
        weed = config.weed_ports
        args += ["--seaweedfs-ports", f"{weed.master},{weed.volume},{weed.filer},{weed.admin}"]
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'layers' / 'shared'}"}
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # noqa: S603


def end(process: subprocess.Popen[bytes], state: Path) -> None:
    """After a test, pass or fail: no `scrt serve` and none of its engines left running."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    engines.stop_leftover_engines(LocalState(state))


def wait_for_health(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("scrt serve exited during start-up:\n" + process.communicate()[0].decode())
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError("no /health")


def headers(state: Path) -> dict[str, str]:
    token = issue_token(LocalState(state), "icb_editor", "QE1")
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}


def ports_of(config: StackConfig) -> list[int]:
    ports = [config.http_port, config.s3_port]
    if config.backend == BACKEND_LOCAL:
        assert config.weed_ports is not None
        ports += [config.dynamodb_port, *(port for _, port in config.weed_ports.named())]
    return ports


def test_serve_stops_within_two_seconds_with_keep_alive_connections_open(tmp_path: Path) -> None:
    state = tmp_path / "state"
    config = stack_config(state, test_backend())
    process = serve(state, config)
    url = f"http://127.0.0.1:{config.http_port}"
    try:
        wait_for_health(url, process)
        browser = httpx.Client(base_url=url, timeout=30)  # keeps its connection open between requests
        if HANDLERS_PRESENT:
            for _ in range(5):
                created = browser.post("/cases", json=CASE, headers=headers(state))
                assert created.status_code == 201, created.text
        assert browser.get("/health").status_code == 200
        idle = socket.create_connection(("127.0.0.1", config.http_port))  # connected, never asks
        half = socket.create_connection(("127.0.0.1", config.http_port))
        half.sendall(b"GET /cases HTTP/1.1\r\nHost: x\r\n")  # a request that never ends
        time.sleep(1.5)  # the stream poller publishes the changes meanwhile

        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
        took = time.monotonic() - sent
    finally:
        end(process, state)
    assert process.returncode == 0, output
    assert "scrt: stopped" in output
    assert took < STOP_WITHIN_SECONDS, f"stopped in {took:.2f} s"
    for connection in (idle, half):
        connection.settimeout(2)
        assert connection.recv(1) == b""  # closed, not left hanging
        connection.close()
    browser.close()
    for port in ports_of(config):
        assert engines.port_is_free(port), f"port {port} still taken"
    assert LocalState(state).recorded_engines() == []


def signal_storm(pid: int, signals: list[signal.Signals], seconds: float) -> None:
    """``signals`` in turn to ``pid``, as fast as they go, for ``seconds``: a signal that lands
    while the handler of the one before is still running is what once hung ``scrt serve``."""
    deadline = time.monotonic() + seconds
    sent = 0
    while time.monotonic() < deadline:
        try:
            os.kill(pid, signals[sent % len(signals)])
        except ProcessLookupError:
            return
        sent += 1


@pytest.mark.parametrize(
    "signals",
    [[signal.SIGTERM, signal.SIGTERM], [signal.SIGINT, signal.SIGTERM]],
    ids=["TERM then TERM", "INT then TERM"],
)
def test_serve_stops_its_engines_however_many_signals_arrive_while_it_stops(
    tmp_path: Path, signals: list[signal.Signals]
) -> None:
    # make forwards the TERM the process group also gets; a second Ctrl-C follows an impatient first.
    state = tmp_path / "state"
    config = stack_config(state, test_backend())
    process = serve(state, config)
    try:
        wait_for_health(f"http://127.0.0.1:{config.http_port}", process)
        engine_pids = [record.pid for record in LocalState(state).recorded_engines()]
        sent = time.monotonic()
        signal_storm(process.pid, signals, seconds=1.0)
        try:
            output = process.communicate(timeout=10)[0].decode()
        except subprocess.TimeoutExpired:
            pytest.fail("scrt serve hung after the signals")
        took = time.monotonic() - sent
    finally:
        end(process, state)
    assert process.returncode == 0, output
    assert "scrt: stopped" in output
    assert took < 1.0 + STOP_WITHIN_SECONDS + 1, f"stopped in {took:.2f} s"
    assert not any(engines.command_line(pid) for pid in engine_pids), "an engine still runs"
    for port in ports_of(config):
        assert engines.port_is_free(port), f"port {port} still taken"
    assert LocalState(state).recorded_engines() == []


@pytest.mark.skipif(test_backend() != BACKEND_LOCAL, reason="moto runs in-process: nothing is left behind")
def test_the_next_start_stops_the_engines_a_killed_run_left_running(tmp_path: Path) -> None:
    state = tmp_path / "state"
    config = stack_config(state, BACKEND_LOCAL)
    process = serve(state, config)
    url = f"http://127.0.0.1:{config.http_port}"
    try:
        wait_for_health(url, process)
        case_id = None
        if HANDLERS_PRESENT:
            created = httpx.post(f"{url}/cases", json=CASE, headers=headers(state), timeout=30)
            assert created.status_code == 201, created.text
            case_id = created.json()["caseId"]
        left_behind = LocalState(state).recorded_engines()
    except BaseException:
        end(process, state)
        raise
    process.kill()  # SIGKILL: no chance to stop its engines
    process.wait()
    try:
        assert {record.name for record in left_behind} == {"DynamoDB Local", "SeaweedFS"}
        assert all(engines.runs(r.pid, r.command) for r in left_behind), "the engines died with it"
        assert not engines.port_is_free(config.dynamodb_port)
    except BaseException:
        engines.stop_leftover_engines(LocalState(state))
        raise

    # A new run, as a user starts it (in a process of its own: handlers cache their clients).
    again = serve(state, config)  # without the clean-up: "port(s) already taken"
    try:
        wait_for_health(url, again)
        assert not any(engines.runs(record.pid, record.command) for record in left_behind)
        assert {record.pid for record in LocalState(state).recorded_engines()}.isdisjoint(
            {record.pid for record in left_behind}
        )
        if case_id is not None:
            response = httpx.get(f"{url}/cases/{case_id}", headers=headers(state), timeout=30)
            if response.status_code != 200:  # say why: the stack's own log names the exception
                again.send_signal(signal.SIGTERM)
                log = again.communicate(timeout=30)[0].decode(errors="replace")
                pytest.fail(f"after the kill: {response.status_code} {response.text}\n{log}")
        again.send_signal(signal.SIGTERM)
        output = again.communicate(timeout=30)[0].decode()
    finally:
        end(again, state)
    assert again.returncode == 0, output
    assert "left running by a run that was killed" in output
    assert LocalState(state).recorded_engines() == []


# --- which recorded processes are stopped (no engines needed) ---------------------------------------


def started(process: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
    """``process`` once it runs its own command (just after fork it still shows its parent's)."""
    deadline = time.monotonic() + 10
    while "time.sleep" not in (engines.command_line(process.pid) or ""):
        assert time.monotonic() < deadline, "the child did not start"
        time.sleep(0.02)
    return process


def sleeper() -> subprocess.Popen[bytes]:
    return started(
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
    )


def dead_pid() -> int:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return finished.pid


def record(
    state: LocalState, process: subprocess.Popen[bytes], command: str, owner: int, owner_command: str
) -> None:
    state.root.mkdir(parents=True, exist_ok=True)
    state.record_engine(EngineRecord("DynamoDB Local", process.pid, command, owner, owner_command))


def command_of(process: subprocess.Popen[bytes]) -> str:
    command = engines.command_line(process.pid)
    assert command is not None
    return command


def test_a_reused_pid_is_not_stopped(tmp_path: Path) -> None:
    state = LocalState(tmp_path)
    unrelated = sleeper()
    try:
        record(
            state, unrelated, "/usr/bin/java -port 8000 (not what this pid runs)", dead_pid(), "scrt serve"
        )
        assert engines.stop_leftover_engines(state) == []
        assert unrelated.poll() is None
        assert state.recorded_engines() == []  # the stale record is dropped
    finally:
        unrelated.kill()
        unrelated.wait()


def test_a_left_behind_engine_is_stopped_even_if_it_ignores_sigterm(tmp_path: Path) -> None:
    state = LocalState(tmp_path)
    stubborn = started(
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
                " print('ready', flush=True); time.sleep(120)",
            ],
            start_new_session=True,
            stdout=subprocess.PIPE,
        )
    )
    try:
        # Its command line shows before it has installed the handler; it says when it has.
        assert stubborn.stdout is not None
        assert stubborn.stdout.readline() == b"ready\n"
        record(state, stubborn, command_of(stubborn), dead_pid(), "scrt serve")
        began = time.monotonic()
        (stopped,) = engines.stop_leftover_engines(state, grace_seconds=0.5)
        assert stopped.pid == stubborn.pid
        assert stubborn.wait(timeout=5) == -signal.SIGKILL
        assert time.monotonic() - began < 3
        assert state.recorded_engines() == []
    finally:
        if stubborn.poll() is None:
            stubborn.kill()
            stubborn.wait()


def test_engines_of_a_run_still_alive_are_left_alone(tmp_path: Path) -> None:
    state = LocalState(tmp_path)
    owner, engine = sleeper(), sleeper()
    try:
        record(state, engine, command_of(engine), owner.pid, command_of(owner))
        with pytest.raises(engines.EngineError, match=f"pid {owner.pid}"):
            engines.stop_leftover_engines(state)
        assert engine.poll() is None
        assert json.loads(state.engines_file.read_text())[0]["pid"] == engine.pid
    finally:
        for process in (owner, engine):
            process.kill()
            process.wait()


# --- an engine that dies: /health says so, and the supervisor restarts it -------------------------


def kill_engine(stack: LocalStack, name: str) -> int:
    (engine,) = [engine for engine in stack.engines if engine.name == name]
    pid = engine.pid  # type: ignore[attr-defined]
    os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while engine.alive():
        assert time.monotonic() < deadline, f"{name} did not die"
        time.sleep(0.05)
    return int(pid)


@pytest.mark.skipif(test_backend() != BACKEND_LOCAL, reason="moto server runs in-process")
@pytest.mark.parametrize("dead", ["DynamoDB Local", "SeaweedFS"])
def test_health_is_503_naming_an_engine_that_is_down(tmp_path: Path, dead: str) -> None:
    config = stack_config(tmp_path / "state", BACKEND_LOCAL, poller=False, supervise_interval_seconds=None)
    with LocalStack(config) as stack:
        assert httpx.get(f"{stack.api_url}/health", timeout=5).status_code == 200
        kill_engine(stack, dead)
        response = httpx.get(f"{stack.api_url}/health", timeout=5)
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 503 and dead in problem["detail"]
    assert [other for other in ("DynamoDB Local", "SeaweedFS") if other in problem["detail"]] == [dead]


@pytest.mark.skipif(test_backend() != BACKEND_LOCAL, reason="moto server runs in-process")
def test_a_dead_engine_is_restarted_on_its_data_and_health_recovers(tmp_path: Path) -> None:
    config = stack_config(tmp_path / "state", BACKEND_LOCAL, poller=False, supervise_interval_seconds=0.2)
    with LocalStack(config) as stack:
        stack.dynamodb.put_item(
            TableName=config.cases_table, Item={"pk": {"S": "SYNTHETIC#1"}, "sk": {"S": "KEPT"}}
        )
        killed = kill_engine(stack, "DynamoDB Local")
        deadline = time.monotonic() + engines.STARTUP_TIMEOUT_SECONDS
        statuses = []
        while time.monotonic() < deadline:
            statuses.append(httpx.get(f"{stack.api_url}/health", timeout=5).status_code)
            if statuses[-1] == 200:
                break
            time.sleep(0.2)
        assert statuses[-1] == 200, statuses
        (restarted,) = [engine for engine in stack.engines if engine.name == "DynamoDB Local"]
        assert restarted.pid != killed  # type: ignore[attr-defined]
        assert {record.pid for record in LocalState(stack.state.root).recorded_engines()} >= {
            restarted.pid  # type: ignore[attr-defined]
        }
        kept = stack.dynamodb.get_item(
            TableName=config.cases_table, Key={"pk": {"S": "SYNTHETIC#1"}, "sk": {"S": "KEPT"}}
        )
        assert "Item" in kept  # restarted on the same data folder
    assert LocalState(str(tmp_path / "state")).recorded_engines() == []
