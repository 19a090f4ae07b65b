"""Helpers for the dev-server tests: run `build.py serve` in a subprocess, talk raw HTTP to it."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 20.0


@dataclass(frozen=True)
class Response:
    """One raw HTTP response."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body as UTF-8 text."""
        return self.body.decode("utf-8", errors="replace")


class Served:
    """A `serve` subprocess, its output lines (stdout and stderr together) and raw HTTP access."""

    def __init__(self, source: Path, *args: str, port: int = 0, command: tuple[str, ...] = ()) -> None:
        """`serve` on a free port; with `command` (e.g. `build --watch`), that command instead."""
        given = command or ("serve", "--port", str(port))
        command = [sys.executable, str(REPO / "build.py"), *given, "--source", str(source), *args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8"
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.port = 0

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        """Everything the server printed so far."""
        return "\n".join(self.lines)

    def wait_for_line(self, pattern: str, timeout: float = STARTUP_SECONDS, start: int = 0) -> re.Match[str]:
        """The first output line (from index start) matching the regex; fails after timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[start:]:
                if found := re.search(pattern, line):
                    return found
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.02)
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s; output:\n{self.output}")

    def wait_ready(self) -> Served:
        """Wait for the `serving ... at http://...` line and note the port."""
        self.port = int(self.wait_for_line(r"serving .* at http://127\.0\.0\.1:(\d+)/").group(1))
        return self

    def request(
        self, path: str, host: str | None = None, method: str = "GET", headers: dict[str, str] | None = None
    ) -> Response:
        """Send the path exactly as given (no normalisation), with this Host header (and any other headers)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", host if host is not None else f"127.0.0.1:{self.port}")
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            reply = connection.getresponse()
            return Response(reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read())
        finally:
            connection.close()

    def status(self) -> dict[str, Any]:
        """The server's /__mathpress/status JSON."""
        reply = self.request("/__mathpress/status")
        assert reply.status == 200, reply
        data: dict[str, Any] = json.loads(reply.body)
        return data

    def wait_status(self, check: Callable[[dict[str, Any]], bool], timeout: float = 5.0) -> dict[str, Any]:
        """Poll the status until check(status) holds; fails after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            current = self.status()
            if check(current):
                return current
            if time.monotonic() > deadline:
                raise AssertionError(f"status never matched: {current}; output:\n{self.output}")
            time.sleep(0.03)

    def wait_exit(self, timeout: float = STARTUP_SECONDS) -> int:
        """Wait for the server to exit by itself; its exit code."""
        code = self.process.wait(timeout)
        self._reader.join(timeout)
        return code

    def interrupt(self, timeout: float = 10.0) -> int:
        """Press Ctrl-C (SIGINT) and wait for the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout)
        self._reader.join(timeout)
        return code

    def close(self) -> None:
        """Stop the server however it can be stopped."""
        try:
            self.interrupt()
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
