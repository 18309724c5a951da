"""Migrations describe the models, whatever the machine: no change to make, no tzdata baked in."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_models_need_no_new_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits 1 on a change


def test_a_machine_with_other_tzdata_needs_no_new_migration(tmp_path):
    """Another tzdata (here: one zone fewer and one unknown to ours) changes nothing.
    Libraries load zones of their own at import (pyHanko: Europe/Brussels), so the copy
    keeps the rest."""
    zones = tmp_path / "zoneinfo"
    shutil.copytree("/usr/share/zoneinfo", zones, symlinks=True)
    (zones / "America" / "Nuuk").unlink()
    (zones / "Mars").mkdir()
    shutil.copy("/usr/share/zoneinfo/UTC", zones / "Mars" / "Olympus_Mons")
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_DEBUG": "1",
        "PYTHONTZPATH": str(zones),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
