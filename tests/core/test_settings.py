import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_has_no_warnings_with_debug_off_and_a_secret_key(tmp_path):
    keys = _manage("signing_key", str(tmp_path / "keys"), DJANGO_DEBUG="1")
    assert keys.returncode == 0, keys.stderr
    paths = dict(line.split("=", 1) for line in keys.stdout.split())
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="k3y-" + "x9Qz!" * 12,
        DJANGO_ALLOWED_HOSTS="lastmile.example.com",
        LASTMILE_SIGNING_DEV_KEY="0",
        **paths,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_a_signing_key():
    result = _manage(
        "check",
        "--deploy",
        DJANGO_SECRET_KEY="k3y-" + "x9Qz!" * 12,
        DJANGO_ALLOWED_HOSTS="lastmile.example.com",
        LASTMILE_SIGNING_DEV_KEY="0",
        LASTMILE_SIGNING_KEY="",
        LASTMILE_SIGNING_CERT="",
    )
    assert "lastmile.W001" in result.stderr + result.stdout


def test_production_without_a_secret_key_refuses_to_start():
    result = _manage("check")
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_embedded_defaults_need_nothing_set():
    result = _manage("check", DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr


def _our_commands() -> list[str]:
    apps = ("core", "accounts", "partnerships", "events", "agreements")
    return sorted(
        path.stem
        for app in apps
        for path in (ROOT / app / "management" / "commands").glob("*.py")
        if not path.stem.startswith("_")
    )


def test_every_command_shows_its_help_on_a_fresh_clone():
    """No DJANGO_SECRET_KEY, no DJANGO_DEBUG: --help must still answer."""
    assert "signing_key" in _our_commands()
    for command in _our_commands():
        result = _manage(command, "--help")
        assert result.returncode == 0, f"{command}: {result.stderr}"
        assert "usage:" in result.stdout, command
    listing = _manage("help")
    assert listing.returncode == 0, listing.stderr
    assert "signing_key" in listing.stdout


def test_the_web_process_refuses_to_start_without_a_secret_key():
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_the_worker_and_beat_refuse_to_start_without_a_secret_key(settings):
    """Connected to Celery's worker_init and beat_init."""
    import pytest

    from config.celery import _refuse_to_start_without_a_secret_key as on_start

    on_start()  # the tests' key is set
    settings.SECRET_KEY = ""
    with pytest.raises(SystemExit, match="Set DJANGO_SECRET_KEY"):
        on_start()
