"""The local AWS emulator: moto's server in a process of its own, bound to 127.0.0.1 only.

Its own process, so that the emulator's state survives anything the caller's process does with moto (the
least-privilege tests run moto in-process, which resets its backends), and so that stopping it is a kill.
Gaps of moto are closed before it serves, each to behave like AWS, not to hide anything:
- SQS `RedriveAllowPolicy` is stored and returned (moto drops it, and the AWS provider then waits forever for
  `aws_sqs_queue_redrive_allow_policy` to be applied);
- SQS `SetQueueAttributes` changes only the attributes it names (moto clears `Policy` whenever it is not among
  them, so setting the redrive policy would delete the queue policy that lets S3 send), and `RedrivePolicy`
  comes back as compact JSON, as from SQS (moto's spaces make every plan propose to rewrite it);
- S3 bucket policies are stored but not enforced on object requests: moto turns every statement whose
  condition it cannot evaluate (all but `StringEquals`) into a Deny, so the bucket's TLS-only statements would
  refuse every request, and the emulator speaks plain HTTP on 127.0.0.1 anyway. What those statements say is
  proven by the s3 module's `terraform test` and by checkov;
- S3 event notifications carry `versionId` (versioned buckets) and `sequencer`, as real S3's do: the function
  keys its records by version;
- deleting an object of a versioned bucket (a delete marker) sends `ObjectRemoved:DeleteMarkerCreated`, as S3
  does (moto sends nothing): the function deletes the upload's variants;
- a key with a delete marker can be deleted once versioning is suspended (moto answered HTTP 500, and
  `terraform destroy`, which suspends versioning before emptying the bucket, retried it until it timed out).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

LOCAL_HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOCAL_HOST, 0))
        return int(probe.getsockname()[1])


class Emulator:
    """`with Emulator() as emulator:` a running emulator at `emulator.endpoint_url`; stopped on exit."""

    def __init__(self, port: int = 0, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOCAL_HOST}:{self.port}"

    def __enter__(self) -> Emulator:
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "imgpipe.local.emulator_server", "--port", str(self.port)],
            stdout=self._log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise OSError(f"the local emulator exited at start (status {self._process.returncode})")
            try:
                # Always http://127.0.0.1:<port>: built here, never user input.
                with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1):  # noqa: S310
                    return
            except urllib.error.HTTPError:
                return  # any HTTP answer means it is serving
            except OSError:
                if time.monotonic() > deadline:
                    raise OSError(f"the local emulator did not answer on {self.endpoint_url}") from None
                time.sleep(0.1)

    def __exit__(self, *_: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None
