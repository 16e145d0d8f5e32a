"""`imgpipe render` and `imgpipe presets` through click: files written, exit status 0/1/2, --json shape."""

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

from image_processor.engine import Limits
from imgpipe.cli import main
from imgpipe.ops import render as render_ops
from imgpipe.ops.errors import UsageProblem
from tests import fixtures_images as fx


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "photo.jpg").write_bytes(fx.photo_jpeg((400, 300)))
    (folder / "logo.png").write_bytes(fx.rgba_png())
    (folder / "broken.jpg").write_bytes(fx.truncated_jpeg())
    return folder


def test_render_writes_every_variant_of_the_default_preset(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    # GIVEN a photo WHEN rendered with the default preset
    result = CliRunner().invoke(main, ["render", str(inputs / "photo.jpg"), "--out", str(out)])
    # THEN exit 0, and DIR/<stem>_<suffix>.<ext> for the five classic variants
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "photo_compressed.jpg",
        "photo_converted.png",
        "photo_converted.webp",
        "photo_low_quality.jpg",
        "photo_thumbnail.jpg",
    ]
    assert "1 of 1 inputs processed" in result.stdout
    assert result.stderr == ""


def test_a_rejected_input_prints_one_line_and_exits_1(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "render",
            str(inputs / "photo.jpg"),
            str(inputs / "broken.jpg"),
            "--out",
            str(out),
            "--preset",
            "half",
        ],
    )
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"rejected: {inputs / 'broken.jpg'}: truncated or corrupt image data: ")
    assert sorted(p.name for p in out.iterdir()) == ["photo_half.jpg"]
    assert "Traceback" not in result.output


def test_an_unreadable_input_is_rejected_with_the_reason_and_the_json_shape_holds(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an input that cannot be read (as root, permissions do not stop reads: fail the read itself)
    unreadable = inputs / "logo.png"
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == unreadable:
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    # WHEN it is rendered beside a good photo, as JSON
    result = CliRunner().invoke(
        main, ["render", str(inputs / "photo.jpg"), str(unreadable), "--out", str(tmp_path / "o"), "--json"]
    )
    # THEN it is REJECTED (the only statuses are PROCESSED and REJECTED), one line on stderr, exit 1
    assert result.exit_code == 1
    assert result.stderr == f"rejected: {unreadable}: cannot read: Permission denied\n"
    assert [(o["status"], o["reason"]) for o in json.loads(result.stdout)] == [
        ("PROCESSED", None),
        ("REJECTED", "cannot read: Permission denied"),
    ]


def test_an_unwritable_out_dir_is_a_one_line_error_exit_2(inputs: Path, tmp_path: Path) -> None:
    # GIVEN an output directory where a variant's file name is taken by a directory
    out = tmp_path / "out"
    (out / "photo_compressed.jpg").mkdir(parents=True)
    # WHEN rendering there
    result = CliRunner().invoke(main, ["render", str(inputs / "photo.jpg"), "--out", str(out)])
    # THEN one line naming the file, exit 2: no input would fare better
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot write {out / 'photo_compressed.jpg'}: ")
    assert len(result.stderr.splitlines()) == 1


def test_the_render_library_reports_each_rejection_as_it_happens_and_refuses_bad_usage(
    inputs: Path, tmp_path: Path
) -> None:
    # GIVEN the library behind `imgpipe render`, without click WHEN it renders a folder
    heard: list[render_ops.FileResult] = []
    specs = render_ops.load_specs("half", None)
    outcomes = render_ops.render_inputs([inputs], tmp_path / "out", specs, Limits(), on_rejected=heard.append)
    # THEN one outcome per file in folder order, and the rejection was reported on its own
    assert [(Path(o.input).name, o.status) for o in outcomes] == [
        ("broken.jpg", "REJECTED"),
        ("logo.png", "PROCESSED"),
        ("photo.jpg", "PROCESSED"),
    ]
    assert heard == [outcomes[0]]
    with pytest.raises(UsageProblem, match=r"^give --preset or --variants, not both$"):
        render_ops.load_specs("half", tmp_path / "variants.json")


def test_json_output_shape(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    # GIVEN a folder with a photo, an RGBA PNG and a truncated JPEG WHEN rendered with --json
    result = CliRunner().invoke(
        main, ["render", str(inputs), "--out", str(out), "--preset", "half", "--json"]
    )

    def processed(name: str, output: str, fmt: str, width: int, height: int) -> dict[str, Any]:
        """The entry of an input rendered to its one `half` variant."""
        return {
            "input": str(inputs / name),
            "status": "PROCESSED",
            "reason": None,
            "variants": [
                {
                    "name": "half",
                    "path": str(out / output),
                    "format": fmt,
                    "width": width,
                    "height": height,
                    "bytes": (out / output).stat().st_size,
                }
            ],
        }

    # THEN stdout is exactly the documented JSON, in input order (sorted folder listing)
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "input": str(inputs / "broken.jpg"),
            "status": "REJECTED",
            "reason": "truncated or corrupt image data: image file is truncated (3 bytes not processed)",
            "variants": [],
        },
        processed("logo.png", "logo_half.png", "png", 16, 8),
        processed("photo.jpg", "photo_half.jpg", "jpeg", 200, 150),
    ]


def test_variants_file_is_the_variants_json(inputs: Path, tmp_path: Path) -> None:
    variants = tmp_path / "variants.json"
    variants.write_text('[{"name": "square", "format": "webp", "width": 64, "height": 64, "fit": "cover"}]')
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["render", str(inputs / "photo.jpg"), "--out", str(out), "--variants", str(variants), "--json"]
    )
    assert result.exit_code == 0
    (item,) = json.loads(result.stdout)
    assert [(v["name"], v["format"], v["width"], v["height"]) for v in item["variants"]] == [
        ("square", "webp", 64, 64)
    ]
    assert (out / "photo_square.webp").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--preset", "tiny"], "error: --preset: variants: unknown preset 'tiny'"),
        (["--preset", "half", "--variants", "VARIANTS"], "error: give --preset or --variants, not both"),
        (["--variants", "VARIANTS"], "error: VARIANTS: variants[0].fit: must be contain or cover"),
    ],
)
def test_configuration_errors_are_one_line_and_exit_2(
    inputs: Path, tmp_path: Path, extra: list[str], message: str
) -> None:
    variants = tmp_path / "variants.json"
    variants.write_text('[{"name": "a", "format": "jpeg", "fit": "stretch"}]')
    args = [str(variants) if a == "VARIANTS" else a for a in extra]
    result = CliRunner().invoke(
        main, ["render", str(inputs / "photo.jpg"), "--out", str(tmp_path / "o"), *args]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(message.replace("VARIANTS", str(variants)))
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_a_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["render", str(tmp_path / "nope.jpg"), "--out", str(tmp_path)], prog_name="imgpipe"
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: Invalid value for 'INPUTS...': Path '{tmp_path / 'nope.jpg'}' does not exist."
        " (see 'imgpipe render --help')\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "error: No such option '--bogus'"),
        (["nope"], "error: No such command 'nope'."),
        (["dlq", "nope"], "error: No such command 'nope'."),
        (["render", "--out", "x"], "error: Missing argument 'INPUTS...'."),
        (["metadata", "query", "--since", "someday"], "error: Invalid value for '--since': not a time"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    # GIVEN a command line click refuses WHEN it runs THEN one `error:` line on stderr and exit status 2
    result = CliRunner().invoke(main, args, prog_name="imgpipe")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(message), result.stderr


def test_no_command_still_prints_the_help() -> None:
    result = CliRunner().invoke(main, [], prog_name="imgpipe")
    assert result.stderr.startswith("Usage: imgpipe [OPTIONS] COMMAND [ARGS]...")
    assert "render" in result.stderr


def test_inputs_sharing_a_stem_do_not_overwrite_each_other(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x.gif").write_bytes(fx.animated_gif())
    (folder / "x.png").write_bytes(fx.rgba_png())
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(folder), "--out", str(out), "--preset", "half"])
    assert result.exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["x-gif_half.png", "x-png_half.png"]


def test_presets_lists_every_preset() -> None:
    result = CliRunner().invoke(main, ["presets", "--json"])
    assert result.exit_code == 0
    presets = json.loads(result.stdout)
    assert list(presets) == ["default", "half", "web"]
    assert [v["name"] for v in presets["default"]] == [
        "compressed",
        "low_quality",
        "webp",
        "png",
        "thumbnail",
    ]
    assert presets["half"] == [
        {"name": "half", "suffix": "half", "format": "original", "scale": 0.5, "fit": "contain"}
    ]
    human = CliRunner().invoke(main, ["presets"])
    assert human.exit_code == 0
    assert "low_quality" in human.stdout


def test_an_iphone_heic_renders_upright_without_gps(tmp_path: Path) -> None:
    # GIVEN an iPhone-style HEIC (stored rotated, EXIF orientation 6, GPS)
    source = tmp_path / "IMG_0001.HEIC"
    source.write_bytes(fx.iphone_heic())
    out = tmp_path / "out"
    # WHEN `imgpipe render` renders it with the default preset
    result = CliRunner().invoke(main, ["render", str(source), "--out", str(out), "--json"])
    # THEN every variant is written upright (landscape, as the phone showed it) and carries no GPS
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["status"] == "PROCESSED"
    assert sorted(Path(variant["path"]).name for variant in report["variants"]) == [
        "IMG_0001_compressed.jpg",
        "IMG_0001_converted.png",
        "IMG_0001_converted.webp",
        "IMG_0001_low_quality.jpg",
        "IMG_0001_thumbnail.jpg",
    ]
    for path in out.iterdir():
        with Image.open(path) as image:
            assert image.width > image.height, path.name
            assert not image.getexif().get_ifd(0x8825), path.name
        assert b"GPS" not in path.read_bytes(), path.name
