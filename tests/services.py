"""What a test needs from the machine (a server, a tool): skipped with the reason when absent, a failure under CI."""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip with a visible reason when a service or tool is absent; under CI=true its absence is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)
