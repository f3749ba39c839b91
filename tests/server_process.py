"""Running ``lookout serve`` as a separate process for tests (loopback only)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs
import boto3

from lookout_sdk import LookoutVision, PollingPolicy, RetryPolicy


def connect(url: str, access: str = "k", secret: str = "s") -> LookoutVision:
    """An SDK client for a server at ``url``: one attempt per call, quick polling."""
    session = boto3.Session(
        aws_access_key_id=access, aws_secret_access_key=secret, region_name="us-east-1"
    )
    return LookoutVision(
        session=session,
        endpoint_url=url,
        s3_endpoint_url=url,
        retry=RetryPolicy(max_attempts=1),
        polling=PollingPolicy(initial_delay=0.05, max_delay=0.5),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@attrs.define
class ServerProcess:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def kill(self) -> None:
        """Kill -9: no chance to clean up."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(
    data: Path,
    *extra: str,
    port: int | None = None,
    verbose: bool = False,
    log_folder: Path | None = None,
) -> ServerProcess:
    """Start ``lookout serve`` on 127.0.0.1 and wait until it accepts connections.

    With ``verbose``, the server logs at INFO (each job's start and end) to its log,
    which is kept in ``log_folder`` (by default beside ``data``).
    """
    port = port or free_port()
    log = (log_folder or data.parent) / f"server-{port}-{time.monotonic_ns()}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lookout_sdk.cli",
                *(["-v"] if verbose else []),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--data",
                str(data),
                *extra,
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return ServerProcess(process, f"http://127.0.0.1:{port}", log)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server did not start: {log.read_text()}")


@contextmanager
def running_server(data: Path, *extra: str) -> Iterator[ServerProcess]:
    server = start_server(data, *extra)
    try:
        yield server
    finally:
        server.stop()
