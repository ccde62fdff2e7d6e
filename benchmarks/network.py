"""A loopback relay that delays every byte by a fixed one-way latency, as a network does.

On this machine DynamoDB Local answers over loopback in about a millisecond of its own CPU, and
answers one request at a time (two threads' GetItems take longer each than one thread's), so two
calls made at once cannot overlap there as they do against DynamoDB, whose time is mostly the
network's. Reached through this relay, each call also waits the round trip a Lambda function waits
for DynamoDB in its region, and calls made at once wait it at the same time: the measure of a design
that overlaps calls (the read audit's, D121) is then the one AWS would give.

Latency, not bandwidth: each chunk is forwarded ``one_way_seconds`` after it arrived, and chunks that
arrive together leave together.

The relay runs in a process of its own (``delayed``), as a network is outside the function: in the
measured process its threads would take turns with the measured ones for the interpreter lock, and
its work would be counted in the server time the figures state.
"""

import contextlib
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 65_536


class DelayedRelay:
    def __init__(self, target_port: int, one_way_seconds: float) -> None:
        self.one_way_seconds = one_way_seconds
        self._target = ("127.0.0.1", target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._stopping = threading.Event()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, name="relay-accept", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            for end in (client, upstream):
                end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sockets += [client, upstream]
            self._pipe(client, upstream)
            self._pipe(upstream, client)

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        due: queue.Queue[tuple[float, bytes]] = queue.Queue()

        def receive() -> None:
            with contextlib.suppress(OSError):
                while chunk := source.recv(_CHUNK):
                    due.put((time.perf_counter() + self.one_way_seconds, chunk))
            due.put((0.0, b""))

        def deliver() -> None:
            with contextlib.suppress(OSError):
                while True:
                    at, chunk = due.get()
                    if not chunk:
                        sink.shutdown(socket.SHUT_WR)
                        return
                    # Sleep most of the wait, then wait out the rest with sleep(0), which yields to
                    # this relay's other threads: a sleep alone overshoots by up to a millisecond
                    # here, which would lengthen the round trip the figures state.
                    while (left := at - time.perf_counter()) > 0:
                        time.sleep(left - 0.0005 if left > 0.001 else 0)
                    sink.sendall(chunk)

        threading.Thread(target=receive, name="relay-receive", daemon=True).start()
        threading.Thread(target=deliver, name="relay-deliver", daemon=True).start()

    def close(self) -> None:
        self._stopping.set()
        self._listener.close()
        for end in self._sockets:
            with contextlib.suppress(OSError):
                end.close()


@dataclass(frozen=True)
class RelayProcess:
    port: int
    one_way_seconds: float

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def delayed(target_port: int, one_way_seconds: float) -> Iterator[RelayProcess]:
    """A relay to ``target_port`` in a child process, for as long as the block runs."""
    child = subprocess.Popen(  # noqa: S603 - this interpreter running this file
        [sys.executable, "-m", "benchmarks.network", str(target_port), str(one_way_seconds)],
        cwd=Path(__file__).resolve().parents[1],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())  # said once it listens
        yield RelayProcess(port, one_way_seconds)
    finally:
        child.terminate()
        child.wait(timeout=10)


def _serve(target_port: int, one_way_seconds: float) -> None:
    """The child: relay until the parent closes its standard input (or ends)."""
    relay = DelayedRelay(target_port, one_way_seconds)
    print(relay.port, flush=True)
    sys.stdin.read()
    relay.close()


if __name__ == "__main__":
    _serve(int(sys.argv[1]), float(sys.argv[2]))
