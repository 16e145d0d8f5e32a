"""Run real Terraform for one environment: `make plan|apply|destroy ENV=dev [ARCH=x86_64]`.

    python scripts/terraform_env.py plan|apply|destroy --env NAME [--arch x86_64|arm64] [-- TERRAFORM ARGS...]

1. Finds a real `terraform` (>= 1.10: the environments' S3 backend uses `use_lockfile`) on PATH, or the binary
   named by $IMGPIPE_TERRAFORM (an OpenTofu `tofu` works too), and the AWS provider (imgpipe.terraform: a
   configured CLI config, else a local filesystem mirror, else the registry).
2. Checks AWS credentials with STS GetCallerIdentity and prints the account it is about to change.
   With $AWS_ENDPOINT_URL set (the local emulator, see docs/deploy.md) everything goes there instead: the
   backend uses path-style S3 and the working directory's data lives in build/terraform/emulator-<env>, so
   it never mixes with the real one in environments/<env>/.terraform.
3. Builds build/function.zip, and build/layer-<arch>.zip unless one newer than layers/requirements.txt
   and layers/build.py is there (`make layer` always rebuilds it).
4. In environments/NAME: `terraform init` with the state bucket (backend.hcl next to backend.tf, or
   $IMGPIPE_STATE_BUCKET and $IMGPIPE_STATE_REGION), then plan/apply/destroy with the zip paths and the
   architecture as -var (Terraform hashes the zips with filebase64sha256). Apply and destroy ask for
   confirmation as usual; arguments after `--` go to terraform (for example `-- -auto-approve`).

Exit status: terraform's, or 2 with one line on stderr when something needed is missing.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from imgpipe.terraform import TerraformError, artifacts_lock, cli_environment, find_terraform

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ROOT / "environments"
BUILD = ROOT / "build"
ARCHITECTURES = ("x86_64", "arm64")


class SetupError(Exception):
    """Something the run needs is missing or wrong; the message is the one line shown to the user."""


def tfvars_string(env_dir: Path, name: str) -> str | None:
    """A plain string assignment in the environment's terraform.tfvars, e.g. aws_region."""
    tfvars = env_dir / "terraform.tfvars"
    if not tfvars.is_file():
        return None
    match = re.search(rf'^\s*{name}\s*=\s*"([^"]+)"', tfvars.read_text(), re.MULTILINE)
    return match[1] if match else None


def check_credentials(region: str | None) -> str:
    """The caller's ARN, or SetupError with one line saying what is wrong with the credentials."""
    try:
        identity = boto3.client("sts", region_name=region).get_caller_identity()
    except NoCredentialsError:
        raise SetupError(
            "no AWS credentials found: set AWS_PROFILE (and run `aws sso login`) "
            "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        ) from None
    except ClientError as exc:
        message = exc.response.get("Error", {}).get("Message", str(exc))
        raise SetupError(f"AWS credentials were rejected by STS: {message}") from None
    except BotoCoreError as exc:
        raise SetupError(f"could not check AWS credentials: {exc}") from None
    return f"{identity['Arn']} (account {identity['Account']})"


def backend_arguments(env_dir: Path, environ: dict[str, str]) -> list[str]:
    """-backend-config arguments: the environment's state key, then backend.hcl if present (it may set its own
    key), then IMGPIPE_STATE_BUCKET / IMGPIPE_STATE_REGION (which win)."""
    has_file = (env_dir / "backend.hcl").is_file()
    bucket = environ.get("IMGPIPE_STATE_BUCKET")
    region = environ.get("IMGPIPE_STATE_REGION")
    arguments = [f"-backend-config=key=imgpipe/{env_dir.name}/terraform.tfstate"]
    if has_file:
        arguments.append("-backend-config=backend.hcl")
    if bucket:
        arguments.append(f"-backend-config=bucket={bucket}")
    if region:
        arguments.append(f"-backend-config=region={region}")
    if not has_file and not bucket:
        raise SetupError(
            f"no state bucket configured for {env_dir.name}: set IMGPIPE_STATE_BUCKET and "
            f"IMGPIPE_STATE_REGION, or write {env_dir.relative_to(ROOT)}/backend.hcl (see docs/deploy.md)"
        )
    if bucket and not region and not has_file:
        raise SetupError(
            "IMGPIPE_STATE_BUCKET is set but IMGPIPE_STATE_REGION is not (the state bucket's Region)"
        )
    if environ.get("AWS_ENDPOINT_URL"):
        arguments.append("-backend-config=use_path_style=true")  # the emulator serves no bucket host names
    return arguments


def build_artifacts(arch: str) -> tuple[Path, Path]:
    python = sys.executable
    for command in (
        [python, str(ROOT / "scripts" / "package_function.py")],
        # An up-to-date layer is kept: the zip Terraform hashed stays the one it hashed.
        [python, str(ROOT / "layers" / "build.py"), "--arch", arch, "--if-stale"],
    ):
        with artifacts_lock():
            if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
                raise SetupError(f"build failed: {' '.join(Path(part).name for part in command[1:])}")
    return BUILD / "function.zip", BUILD / f"layer-{arch}.zip"


def terraform_commands(
    *,
    terraform: str,
    action: str,
    env_dir: Path,
    function_zip: Path,
    layer_zip: Path,
    arch: str,
    backend: list[str],
    extra: list[str],
) -> list[list[str]]:
    # Paths relative to the environment directory (terraform's working directory), so the state does not
    # record this machine's absolute paths.
    variables = [
        f"-var=function_architecture={arch}",
        f"-var=function_zip_path={os.path.relpath(function_zip, env_dir)}",
        f"-var=layer_zip_path={os.path.relpath(layer_zip, env_dir)}",
    ]
    init = [terraform, "init", "-input=false", *backend]
    # apply/destroy keep their interactive confirmation (-input=false would refuse to ask for it).
    no_input = ["-input=false"] if action == "plan" else []
    run = [terraform, action, *no_input, *variables, *extra]
    return [init, run]


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    argv = sys.argv[1:] if argv is None else argv
    extra: list[str] = []
    if "--" in argv:
        index = argv.index("--")
        argv, extra = argv[:index], argv[index + 1 :]
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=("plan", "apply", "destroy"))
    parser.add_argument("--env", required=True, help="environment directory under environments/")
    parser.add_argument(
        "--arch",
        choices=ARCHITECTURES,
        help="function and layer architecture (default: the environment's function_architecture)",
    )
    return parser.parse_args(argv), extra


def main(argv: list[str] | None = None) -> int:
    args, extra = parse_args(argv)
    env_dir = ENVIRONMENTS / args.env
    try:
        if not re.fullmatch(r"[a-z][a-z0-9]*", args.env) or not (env_dir / "main.tf").is_file():
            known = sorted(p.name for p in ENVIRONMENTS.iterdir() if (p / "main.tf").is_file())
            raise SetupError(f"unknown environment {args.env!r}; choose one of: {', '.join(known)}")
        # The layer is built for the architecture Terraform deploys: one value, from tfvars unless overridden.
        args.arch = args.arch or tfvars_string(env_dir, "function_architecture") or "x86_64"
        if args.arch not in ARCHITECTURES:
            raise SetupError(f"function_architecture {args.arch!r} must be one of {', '.join(ARCHITECTURES)}")
        terraform = find_terraform()
        environ = cli_environment()
        if os.environ.get("AWS_ENDPOINT_URL"):
            environ["TF_DATA_DIR"] = str(BUILD / "terraform" / f"emulator-{args.env}")
        caller = check_credentials(tfvars_string(env_dir, "aws_region"))
        backend = backend_arguments(env_dir, dict(os.environ))
        print(f"{args.action} {args.env} ({args.arch}) as {caller} with {terraform}", file=sys.stderr)
        function_zip, layer_zip = build_artifacts(args.arch)
    except (SetupError, TerraformError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    commands = terraform_commands(
        terraform=terraform,
        action=args.action,
        env_dir=env_dir,
        function_zip=function_zip,
        layer_zip=layer_zip,
        arch=args.arch,
        backend=backend,
        extra=extra,
    )
    for command in commands:
        returncode = subprocess.run(command, cwd=env_dir, env=environ, check=False).returncode
        if returncode != 0:
            return returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
