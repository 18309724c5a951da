"""manage.py is an entry point: an operator's command (dumpdata, shell) reads every tenant."""

import sys

import manage
from core.scopes import _current


def test_dumpdata_of_a_tenant_model_works_from_manage_py(sent, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["manage.py", "dumpdata", "agreements.agreement"])
    token = _current.set(None)  # as on the command line: no scope at all
    try:
        manage.main()
    finally:
        _current.reset(token)
    assert f'"pk": {sent.pk}' in capsys.readouterr().out


def test_manage_py_starts_as_an_operator_runs_it():
    """The scope wrapper in manage.py is imported before Django is set up: it must not
    need the app registry (a model defined at import time would)."""
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=root,
        env={**os.environ, "DJANGO_DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
