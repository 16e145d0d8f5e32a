"""moto's server in a thread, bound to 127.0.0.1 only (ThreadedMotoServer binds 0.0.0.0 unless told)."""

from __future__ import annotations

import logging
import socket
import time
import urllib.error
import urllib.request
from typing import Any

import moto.s3.notifications
from moto.server import ThreadedMotoServer

LOCAL_HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOCAL_HOST, 0))
        return int(probe.getsockname()[1])


_moto_s3_event = moto.s3.notifications._get_s3_event


def _s3_event_with_version(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
    """moto's S3 event plus what real S3 puts in it and moto leaves out: `versionId` (versioned buckets) and
    `sequencer`. The processor keys its records by version id, so without it local records would differ from
    production ones (and `imgpipe reprocess`, which names versions, would not find them)."""
    event = _moto_s3_event(event_name, bucket, key, notification_id)
    obj = event["Records"][0]["s3"]["object"]
    if getattr(bucket, "is_versioned", False) and getattr(key, "version_id", "null") != "null":
        obj["versionId"] = key.version_id
    obj.setdefault("sequencer", f"{time.time_ns():016X}")
    return event


class LocalServer:
    """Start/stop moto on a port (0 = any free one); `endpoint_url` once started."""

    def __init__(self, port: int = 0) -> None:
        self.port = port or free_port()
        self._server: Any = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOCAL_HOST}:{self.port}"

    def start(self) -> str:
        # werkzeug logs every request at INFO; the pipeline makes thousands.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        moto.s3.notifications._get_s3_event = _s3_event_with_version
        self._server = ThreadedMotoServer(ip_address=LOCAL_HOST, port=self.port, verbose=False)
        self._server.start()
        self._wait_ready()
        self._reset()
        return self.endpoint_url

    def _reset(self) -> None:
        """moto's backends are process-wide: start from (and leave behind) an empty account, so a second
        local stack in the same process (tests) never finds the first one's resources."""
        # Always http://127.0.0.1:<port>: built here, never user input.
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310
            pass

    def _wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1):  # noqa: S310
                    return
            except urllib.error.HTTPError:
                return  # any HTTP answer means it is serving
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self._server is not None:
            self._reset()
            self._server.stop()
            self._server = None
        moto.s3.notifications._get_s3_event = _moto_s3_event
