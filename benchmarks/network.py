"""A loopback relay that delays every byte by a fixed one-way latency, as a network does.

On this machine DynamoDB Local answers over loopback in about a millisecond of its own CPU, and
answers one request at a time (two threads' GetItems take longer each than one thread's), so two
calls made at once cannot overlap there as they do against DynamoDB, whose time is mostly the
network's. Reached through this relay, each call also waits the round trip a Lambda function waits
for DynamoDB in its region, and calls made at once wait it at the same time: the measure of a design
that overlaps calls (the read audit's, D121) is then the one AWS would give.

Latency, not bandwidth: each chunk is forwarded ``one_way_seconds`` after it arrived, and chunks that
arrive together leave together.
"""

import contextlib
import queue
import socket
import threading
import time
from collections.abc import Iterator

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
                    # Sleep most of the wait, then wait out the rest yielding the interpreter lock
                    # (sleep(0)) to the threads being measured: a sleep alone overshoots by up to
                    # a millisecond here, which would lengthen the round trip the figures state.
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


@contextlib.contextmanager
def delayed(target_port: int, one_way_seconds: float) -> Iterator[DelayedRelay]:
    relay = DelayedRelay(target_port, one_way_seconds)
    try:
        yield relay
    finally:
        relay.close()
