"""The checkov gate fails on a broken copy: an unencrypted bucket, and a skip without a reason.

One checkov run (a few seconds per environment); `make lint` runs the gate itself on the real tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.terraform.tree import REPO, append, copy_tree

HERE = Path(__file__).resolve().parent

CHECKOV = Path(os.environ.get("IMGPIPE_CHECKOV") or REPO / ".venv-checkov/bin/checkov")

BROKEN_BUCKET = """
resource "aws_s3_bucket" "unencrypted" {
  #checkov:skip=CKV_AWS_18
  #checkov:skip=CKV_AWS_144: replication is not wanted for this test bucket
  bucket = "imgpipe-gate-test"
}
"""


@pytest.mark.checkov
@pytest.mark.xdist_group("checkov")
def test_gate_fails_on_unencrypted_bucket_and_unexplained_skip(tmp_path: Path) -> None:
    assert CHECKOV.exists(), f"no checkov at {CHECKOV}: run `make setup`"
    # GIVEN a copy of the tree whose dev root adds a bucket without encryption, and a skip without reason
    root = copy_tree(tmp_path / "tree")
    main = root / "environments/dev/main.tf"
    line = append(main, BROKEN_BUCKET) + 1
    # WHEN the gate runs on that environment
    result = subprocess.run(
        [sys.executable, str(HERE / "checkov_gate.py"), "--root", str(root), str(root / "environments/dev")],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "IMGPIPE_CHECKOV": str(CHECKOV)},
    )
    out = result.stdout.splitlines()
    # THEN it fails, naming the KMS check on that bucket and the unexplained skip, and nothing else
    assert result.returncode == 1, result.stdout + result.stderr
    where = f"aws_s3_bucket.unencrypted environments/dev/main.tf:{line}"
    assert f"FAILED CKV_AWS_145 {where} (Ensure that S3 buckets are encrypted with KMS by default)" in out
    assert f"SKIP-WITHOUT-REASON CKV_AWS_18 {where} (write #checkov:skip=ID:reason)" in out
    problems = [o for o in out if not o.startswith("checkov ")]
    assert all(where in o for o in problems), "\n".join(problems)
    assert not any("CKV_AWS_144" in o for o in out)  # that skip has its reason
    summary = next(o for o in out if o.startswith("checkov dev: "))
    assert summary.endswith("skipped (1 without a reason): FAIL"), summary
