"""Variant specs: the presets docs/architecture.md fixes, JSON validation naming the field, the signature."""

import json

import pytest

from image_processor.engine import PRESETS, SpecError, VariantSpec, load_variants, variants_signature


def test_default_preset_is_the_five_classic_variants() -> None:
    # GIVEN the default preset WHEN it is loaded by name
    specs = load_variants("default")
    # THEN it is exactly the five classic variants, all but the thumbnail at the original size
    assert [(s.name, s.suffix, s.format, s.quality, s.width, s.height, s.scale) for s in specs] == [
        ("compressed", "compressed", "jpeg", 85, None, None, None),
        ("low_quality", "low_quality", "jpeg", 50, None, None, None),
        ("webp", "converted", "webp", None, None, None, None),
        ("png", "converted", "png", None, None, None, None),
        ("thumbnail", "thumbnail", "jpeg", None, 150, 150, None),
    ]


def test_half_preset_is_one_variant_at_half_scale_in_the_original_format() -> None:
    assert load_variants("half") == (VariantSpec(name="half", suffix="half", format="original", scale=0.5),)


def test_web_preset_has_each_width_in_webp_and_jpeg() -> None:
    specs = load_variants(" web ")
    assert [(s.suffix, s.format, s.width, s.height) for s in specs] == [
        ("thumbnail", "webp", 150, 150),
        ("thumbnail", "jpeg", 150, 150),
        ("w640", "webp", 640, None),
        ("w640", "jpeg", 640, None),
        ("w1280", "webp", 1280, None),
        ("w1280", "jpeg", 1280, None),
        ("w1920", "webp", 1920, None),
        ("w1920", "jpeg", 1920, None),
    ]
    assert len({s.name for s in specs}) == len(specs)


def test_a_json_list_is_validated_into_specs_with_defaults() -> None:
    # GIVEN a JSON list using every field
    text = json.dumps(
        [
            {"name": "card", "format": "webp", "width": 400, "height": 300, "fit": "cover", "quality": 70},
            {"name": "big", "suffix": "xl", "format": "PNG", "scale": 0.75, "options": {"compress_level": 6}},
        ]
    )
    # WHEN it is loaded
    card, big = load_variants(text)
    # THEN fields are kept, suffix defaults to the name, format is case-insensitive, fit defaults to contain
    assert card == VariantSpec(
        name="card", suffix="card", format="webp", width=400, height=300, fit="cover", quality=70
    )
    assert (big.suffix, big.format, big.scale, big.fit, dict(big.options)) == (
        "xl",
        "png",
        0.75,
        "contain",
        {"compress_level": 6},
    )


def test_every_preset_survives_a_round_trip_through_its_canonical_json() -> None:
    for specs in PRESETS.values():
        assert load_variants(json.dumps([s.to_dict() for s in specs])) == specs


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        ("mini", "variants: unknown preset 'mini'; use one of default, half, web or a JSON list"),
        ("[", "variants: invalid JSON: Expecting value at line 1 column 2"),
        ("[]", "variants: must be a non-empty JSON list of variant objects"),
        ('["x"]', "variants[0]: must be a JSON object"),
        ('[{"format": "jpeg"}]', "variants[0].name: required, 1-64 characters of A-Z a-z 0-9 . _ -"),
        (
            '[{"name": "a/b", "format": "jpeg"}]',
            "variants[0].name: required, 1-64 characters of A-Z a-z 0-9 . _ -",
        ),
        (
            '[{"name": "a", "format": "gif"}]',
            "variants[0].format: must be one of jpeg, webp, png, avif, original",
        ),
        ('[{"name": "a", "format": "jpeg", "colour": 1}]', "variants[0].colour: unknown field (allowed: "),
        (
            '[{"name": "a", "format": "jpeg", "width": 0}]',
            "variants[0].width: must be an integer from 1 to 16384",
        ),
        ('[{"name": "a", "format": "jpeg", "height": 1.5}]', "variants[0].height: must be an integer from 1"),
        ('[{"name": "a", "format": "jpeg", "scale": 2}]', "variants[0].scale: must be a number > 0 and <= 1"),
        (
            '[{"name": "a", "format": "jpeg", "scale": 0.5, "width": 9}]',
            "variants[0].scale: give either scale",
        ),
        (
            '[{"name": "a", "format": "jpeg", "quality": 101}]',
            "variants[0].quality: must be an integer from 1 to 100",
        ),
        (
            '[{"name": "a", "format": "jpeg", "quality": true}]',
            "variants[0].quality: must be an integer from 1",
        ),
        ('[{"name": "a", "format": "jpeg", "options": []}]', "variants[0].options: must be a JSON object"),
        (
            '[{"name": "a", "format": "webp", "options": {"method": 9}}]',
            "variants[0].options.method: must be from 0 to 6",
        ),
        (
            '[{"name": "a", "format": "jpeg", "options": {"exif": "x"}}]',
            "variants[0].options.exif: not an option for jpeg",
        ),
        (
            '[{"name": "a", "format": "png", "options": {"optimize": 1}}]',
            "variants[0].options.optimize: must be true or false",
        ),
    ],
)
def test_invalid_specs_name_the_field(variants: str, message: str) -> None:
    # GIVEN an invalid VARIANTS value WHEN it is loaded THEN the error starts with the field's path
    with pytest.raises(SpecError) as caught:
        load_variants(variants)
    assert str(caught.value).startswith(message)


def test_the_third_variant_with_a_bad_fit_is_named() -> None:
    specs = [{"name": n, "format": "jpeg"} for n in ("a", "b")] + [
        {"name": "c", "format": "jpeg", "fit": "fill"}
    ]
    with pytest.raises(SpecError, match=r"^variants\[2\]\.fit: must be contain or cover$"):
        load_variants(json.dumps(specs))


def test_cover_needs_a_box() -> None:
    with pytest.raises(SpecError, match=r"^variants\[0\]\.fit: cover needs both width and height$"):
        load_variants('[{"name": "a", "format": "jpeg", "width": 10, "fit": "cover"}]')


def test_duplicate_names_and_colliding_outputs_are_refused() -> None:
    with pytest.raises(SpecError, match=r"^variants\[1\]\.name: duplicate name 'a'$"):
        load_variants('[{"name": "a", "format": "jpeg"}, {"name": "a", "format": "png"}]')
    # same suffix, same format: both would write <stem>_s.jpg
    with pytest.raises(
        SpecError, match=r"^variants\[1\]\.suffix: 's' with format jpeg would overwrite variant 'a'$"
    ):
        load_variants(
            '[{"name": "a", "suffix": "s", "format": "jpeg"}, {"name": "b", "suffix": "s", "format": "jpeg"}]'
        )
    # `original` may become jpeg: it cannot share a suffix with anything
    with pytest.raises(SpecError, match=r"^variants\[1\]\.suffix: 'a' with format original"):
        load_variants('[{"name": "a", "format": "webp"}, {"name": "b", "suffix": "a", "format": "original"}]')


def test_signature_is_stable_short_and_changes_with_the_specs() -> None:
    default = variants_signature(load_variants("default"))
    assert default == variants_signature(load_variants(json.dumps([s.to_dict() for s in PRESETS["default"]])))
    assert len(default) == 16
    assert int(default, 16) >= 0
    assert default != variants_signature(load_variants("web"))
    changed = [s.to_dict() for s in PRESETS["default"]]
    changed[0]["quality"] = 86
    assert default != variants_signature(load_variants(json.dumps(changed)))
