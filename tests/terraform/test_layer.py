"""The Lambda layer built by `layers/build.py` (`make layer ARCH=...`).

For each architecture the zip holds `python/` with Pillow's and pillow-heif's compiled extensions for
Lambda's Python (3.12) and that platform, within Lambda's limits (50 MB zipped for a direct upload, 250 MB
unzipped). A build for the running Python, unpacked alone, imports Pillow, pillow-heif, Powertools and the
X-Ray SDK in an isolated interpreter.
Needs the package registries (pip's cache makes reruns quick).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.terraform.tree import REPO

BUILD = REPO / "layers/build.py"
LAMBDA_PYTHON = "312"  # the runtime the function module deploys (python3.12)
PLATFORM = {"x86_64": "x86_64", "arm64": "aarch64"}  # Lambda architecture -> glibc platform in the .so name
MAX_ZIP = 50 * 1024 * 1024
MAX_UNZIPPED = 250 * 1024 * 1024

pytestmark = [
    pytest.mark.network,
    pytest.mark.xdist_group("layer"),  # one build at a time: they share build/ and pip's cache
]


def build(*args: str, out: Path) -> Path:
    """Run the build into `out` (tmp: build/ may be in use by other tests); returns `out`."""
    command = [sys.executable, str(BUILD), *args, "--output", str(out)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    assert out.is_file(), f"{' '.join(command)} did not write {out}"
    return out


@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
def test_layer_zip_for_architecture(arch: str, tmp_path: Path) -> None:
    # WHEN the layer is built for the architecture
    zip_path = build("--arch", arch, out=tmp_path / f"layer-{arch}.zip")
    # THEN it holds Pillow's extension for Lambda's Python on that platform
    with zipfile.ZipFile(zip_path) as zf:
        infos = zf.infolist()
    names = {i.filename for i in infos}
    extension = f"python/PIL/_imaging.cpython-{LAMBDA_PYTHON}-{PLATFORM[arch]}-linux-gnu.so"
    assert extension in names, sorted(n for n in names if "_imaging" in n)
    # AND pillow-heif's, with the HEVC decoder its libheif loads
    heif_extension = f"python/_pillow_heif.cpython-{LAMBDA_PYTHON}-{PLATFORM[arch]}-linux-gnu.so"
    assert heif_extension in names, sorted(n for n in names if "heif" in n)
    assert [n for n in names if n.startswith("python/pillow_heif.libs/libde265")], sorted(names)
    assert all(n.startswith("python/") for n in names), sorted(
        n for n in names if not n.startswith("python/")
    )
    other = {"x86_64": "aarch64", "arm64": "x86_64"}[arch]
    assert not [n for n in names if n.endswith(".so") and f"-{other}-" in n]
    assert not [n for n in names if ".cpython-" in n and f".cpython-{LAMBDA_PYTHON}-" not in n]
    # AND it is within Lambda's limits
    assert zip_path.stat().st_size < MAX_ZIP
    assert sum(i.file_size for i in infos) < MAX_UNZIPPED


def test_local_layer_imports_alone(tmp_path: Path) -> None:
    # GIVEN a layer built for the running Python, unpacked on its own
    zip_path = build("--local", out=tmp_path / "layer-local.zip")
    unpacked = tmp_path / "layer"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(unpacked)
    site = unpacked / "python"
    # WHEN a fresh interpreter imports from it with no site-packages (-S), no user site (-s), not the working
    # directory (-P) and an environment of PYTHONPATH alone: the layer is all there is before the stdlib
    probe = (
        "import json, sys\n"
        "import PIL, PIL.Image, aws_lambda_powertools, aws_xray_sdk, pillow_heif\n"
        "from PIL import features\n"
        "modules = (PIL, PIL.Image, aws_lambda_powertools, aws_xray_sdk, pillow_heif)\n"
        "report = {m.__name__: m.__file__ for m in modules}\n"
        "heif = sorted(pillow_heif.libheif_info()['decoders'])\n"
        "print(json.dumps(report | {'path': sys.path, 'jpeg': features.check('jpg'), 'heif': heif}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-s", "-P", "-c", probe],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"PYTHONPATH": str(site)},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # THEN every module came from the layer, and nothing from any site-packages
    for module in ("PIL", "PIL.Image", "aws_lambda_powertools", "aws_xray_sdk", "pillow_heif"):
        assert Path(report[module]).is_relative_to(site), (module, report[module])
    assert not [p for p in report["path"] if "site-packages" in p], report["path"]
    assert report["jpeg"] is True
    assert report["heif"] == ["libde265"]
