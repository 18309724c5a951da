"""Regression tests from the adversarial review of issue 7: each states the secure
behaviour an attacker broke before the fix (select them with -m attack)."""

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "attack: demonstrates a finding of the h-attack review")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/attack/" in str(item.fspath):
            item.add_marker(pytest.mark.attack)
