"""A loopback stand-in for GOV.UK Notify's email API, answering as each test sets it up."""

import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class NotifyStub:
    """What the stand-in received, and how it answers: ``status`` after ``delay`` seconds, unless
    the recipient has its own status or delay, or is in ``reset_for`` (the connection is cut once
    the request has been read, with no answer). Each request is kept with whether Notify would
    have taken the email: answered below 400, or cut off (the worst case: taken, then cut)."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 201
    delay: float = 0.0
    status_for: dict[str, int] = field(default_factory=dict)
    delay_for: dict[str, float] = field(default_factory=dict)
    reset_for: set[str] = field(default_factory=set)
    unreadable_answer: bool = False  # the answer's body is not JSON

    def emails_to(self, recipient: str) -> int:
        """How many emails Notify would have sent this recipient."""
        return sum(
            1
            for request in self.requests
            if request["taken"] and request["body"]["email_address"] == recipient
        )


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a connection the test cut on purpose, or the client gave up waiting


@contextmanager
def serve_notify_stub() -> Iterator[NotifyStub]:
    """The stand-in on a free loopback port, for as long as the block runs."""
    stub = NotifyStub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            recipient = body.get("email_address", "")
            status = stub.status_for.get(recipient, stub.status)
            taken = status < 400 or recipient in stub.reset_for
            stub.requests.append(
                {"path": self.path, "headers": dict(self.headers), "body": body, "taken": taken}
            )
            if recipient in stub.reset_for:
                # Closed with a reset (linger 0) before any answer: the client reads ECONNRESET.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True
                return
            time.sleep(stub.delay_for.get(recipient, stub.delay))
            answer = (
                b"<html>accepted</html>"
                if stub.unreadable_answer
                else json.dumps(
                    {"id": str(uuid.uuid4())}
                    if status < 400
                    else {"status_code": status, "errors": [{"error": "BadRequestError", "message": "x"}]}
                ).encode()
            )
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass  # the client gave up waiting (the timeout tests)

        def log_message(self, *args: Any) -> None:
            pass

    server = _QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
