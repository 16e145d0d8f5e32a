"""The emulator's process: moto's server on 127.0.0.1, moto's gaps closed first (see imgpipe.local.emulator).

python -m imgpipe.local.emulator_server --port N      # serves until SIGTERM / SIGINT
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
import time
from types import FrameType
from typing import Any

import moto.s3.notifications
from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket, FakeDeleteMarker, S3Backend
from moto.server import ThreadedMotoServer
from moto.sqs.models import Queue

from imgpipe.local.emulator import LOCAL_HOST


def _close_moto_gaps() -> None:
    if "RedriveAllowPolicy" not in Queue.BASE_ATTRIBUTES:
        Queue.BASE_ATTRIBUTES.append("RedriveAllowPolicy")
        Queue.redrive_allow_policy = None  # type: ignore[attr-defined]
        set_attributes = Queue._set_attributes

        def _set_attributes(self: Any, attributes: dict[str, Any], now: Any = None) -> None:
            policy = getattr(self, "policy", None)
            set_attributes(self, attributes, now)
            if "Policy" not in attributes:
                self.policy = policy
            if "RedriveAllowPolicy" in attributes:  # "" removes it, as in SQS
                self.redrive_allow_policy = attributes["RedriveAllowPolicy"] or None

        Queue._set_attributes = _set_attributes  # type: ignore[method-assign]

        attributes = Queue.attributes

        def compact_attributes(self: Any) -> dict[str, Any]:
            result: dict[str, Any] = attributes.fget(self)  # type: ignore[attr-defined]
            if self.redrive_policy:  # as SQS returns it: compact JSON (moto adds spaces)
                result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
            return result

        Queue.attributes = property(compact_attributes)  # type: ignore[assignment,method-assign]

    FakeBucket.get_permission = lambda _self, _action, _resource: PermissionResult.NEUTRAL  # type: ignore[method-assign,assignment]

    s3_event = moto.s3.notifications._get_s3_event

    def _s3_event_with_version(
        event_name: str, bucket: Any, key: Any, notification_id: str
    ) -> dict[str, Any]:
        shown = key
        while isinstance(shown, FakeDeleteMarker):  # a marker over a marker over ... the deleted object
            shown = shown.key
        event = s3_event(event_name, bucket, shown, notification_id)
        obj = event["Records"][0]["s3"]["object"]
        if event_name.startswith("s3:ObjectRemoved:"):  # S3 sends neither for a removal
            del obj["size"], obj["eTag"]
        if getattr(bucket, "is_versioned", False) and getattr(key, "version_id", "null") != "null":
            obj["versionId"] = key.version_id  # a marker's own version id, as S3 sends it
        obj.setdefault("sequencer", f"{time.time_ns():016X}")
        return event

    moto.s3.notifications._get_s3_event = _s3_event_with_version

    # Deleting an object of a versioned bucket without a version id puts a delete marker on it: S3 sends
    # s3:ObjectRemoved:DeleteMarkerCreated, moto sends nothing.
    set_delete_marker = S3Backend._set_delete_marker

    def _set_delete_marker_and_notify(self: Any, bucket_name: str, key_name: str) -> Any:
        marker = set_delete_marker(self, bucket_name, key_name)
        moto.s3.notifications.send_event(
            self.account_id,
            moto.s3.notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT,
            self.get_bucket(bucket_name),
            marker,
        )
        return marker

    S3Backend._set_delete_marker = _set_delete_marker_and_notify  # type: ignore[method-assign]

    # A bucket whose versioning is suspended is read as unversioned: deleting one of its keys drops every
    # version, disposing of each, and a delete marker has nothing to dispose of (AttributeError: HTTP 500).
    # `terraform destroy` suspends versioning before it empties a force_destroy bucket, so one delete marker
    # made the destroy retry that 500 for the provider's whole timeout.
    if not hasattr(FakeDeleteMarker, "dispose"):
        FakeDeleteMarker.dispose = lambda _self, garbage=False: None  # type: ignore[attr-defined]


def serve(port: int) -> None:
    _close_moto_gaps()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # it logs every request at INFO
    server = ThreadedMotoServer(ip_address=LOCAL_HOST, port=port, verbose=False)
    server.start()
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, request_stop)
    print(f"emulator ready on http://{LOCAL_HOST}:{port}", flush=True)
    stop.wait()
    server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    serve(parser.parse_args(argv).port)


if __name__ == "__main__":
    main()
