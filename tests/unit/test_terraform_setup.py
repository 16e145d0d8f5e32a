"""How imgpipe finds Terraform and its AWS provider: the user's CLI configuration, else a local mirror, else
the registry; and one line naming what is missing when nothing works."""

from __future__ import annotations

from pathlib import Path

import pytest

from imgpipe import terraform
from imgpipe.terraform import Terraform, TerraformError, cli_environment, find_mirror, find_terraform


def mirror_with(root: Path, version: str) -> Path:
    platform_dir = root / terraform.PROVIDER / version / terraform._platform()
    platform_dir.mkdir(parents=True)
    (platform_dir / f"terraform-provider-aws_v{version}_x5").write_bytes(b"")
    return root


def test_a_mirror_is_used_only_with_a_provider_the_constraint_admits(tmp_path: Path) -> None:
    old = mirror_with(tmp_path / "old", "4.67.0")
    good = mirror_with(tmp_path / "good", "5.100.0")
    assert find_mirror({terraform.MIRROR_ENV: str(old)}) is None
    assert find_mirror({terraform.MIRROR_ENV: str(good)}) == good
    assert find_mirror({terraform.MIRROR_ENV: str(tmp_path / "missing")}) is None


def test_a_found_mirror_gets_a_cli_configuration_for_the_aws_provider_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(terraform, "BUILD", tmp_path / "build")
    mirror = mirror_with(tmp_path / "mirror", "5.100.0")
    # GIVEN no CLI configuration of the user's (a configured file that does not exist counts as none)
    environ = {terraform.MIRROR_ENV: str(mirror), "TF_CLI_CONFIG_FILE": str(tmp_path / "missing.tfrc")}
    env = cli_environment(environ)
    config = Path(env["TF_CLI_CONFIG_FILE"]).read_text()
    assert f'path    = "{mirror}"' in config
    assert f'include = ["{terraform.PROVIDER}"]' in config
    assert f'exclude = ["{terraform.PROVIDER}"]' in config  # anything else still comes from the registry
    assert env["TF_PLUGIN_CACHE_DIR"] == str(tmp_path / "build" / "plugin-cache")


def test_the_users_own_cli_configuration_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(terraform, "BUILD", tmp_path / "build")
    own = tmp_path / "own.tfrc"
    own.write_text('plugin_cache_dir = "/somewhere"\n')
    mirror = mirror_with(tmp_path / "mirror", "5.100.0")
    env = cli_environment({"TF_CLI_CONFIG_FILE": str(own), terraform.MIRROR_ENV: str(mirror)})
    assert env["TF_CLI_CONFIG_FILE"] == str(own)


def test_without_a_mirror_the_registry_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(terraform, "BUILD", tmp_path / "build")
    env = cli_environment(
        {terraform.MIRROR_ENV: str(tmp_path / "none"), "TF_CLI_CONFIG_FILE": str(tmp_path / "x")}
    )
    assert "TF_CLI_CONFIG_FILE" not in env


def test_no_terraform_or_an_old_one_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(TerraformError, match=r"^terraform >= 1\.10\.0 not found on PATH: install it"):
        find_terraform({"PATH": str(tmp_path)})
    old = tmp_path / "terraform"
    old.write_text('#!/bin/sh\necho \'{"terraform_version": "1.5.7"}\'\n')
    old.chmod(0o755)
    with pytest.raises(
        TerraformError, match=r"^terraform >= 1\.10\.0 is required; found only: .*\(1\.5\.7\)$"
    ):
        find_terraform({"PATH": str(tmp_path)})


def test_init_without_any_provider_source_names_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a root that needs the AWS provider, no mirror, and a registry that cannot be reached
    monkeypatch.setattr(terraform, "BUILD", tmp_path / "build")
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n'
    )
    config = tmp_path / "offline.tfrc"
    config.write_text(
        'provider_installation {\n  network_mirror {\n    url = "https://127.0.0.1:9/"\n  }\n}\n'
    )
    environ = {
        "PATH": str(Path(find_terraform()).parent),
        "TF_CLI_CONFIG_FILE": str(config),
        "HOME": str(tmp_path),
    }
    # WHEN init runs THEN it fails with one line that says the provider could not be installed and what to do
    with pytest.raises(TerraformError) as failure:
        Terraform(root, data_dir=tmp_path / "data", environ=environ).init()
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith("terraform init in ")
    assert terraform.MIRROR_ENV in message and "registry.terraform.io" in message
