"""``countersign report face-coverage`` on a branch store with real sessions."""

import json
import os
import shutil
import subprocess
import sys


def _countersign(*args: str, home, faces) -> subprocess.CompletedProcess:
    environment = {**os.environ, "COUNTERSIGN_HOME": str(home), "COUNTERSIGN_DEMO_FACES": str(faces)}
    return subprocess.run([sys.executable, "-m", "countersign", *args], capture_output=True, text=True, env=environment, timeout=300)


def test_coverage_counts_real_sessions(provisioned_branch, tmp_path, faces_dir):
    home = tmp_path / "branch"
    shutil.copytree(provisioned_branch, home)
    assert _countersign("demo", home=home, faces=faces_dir).returncode == 0
    assert _countersign("demo", "--scenario", "mismatch", home=home, faces=faces_dir).returncode == 1

    result = _countersign("report", "face-coverage", "--json", home=home, faces=faces_dir)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["transactions"] == 2
    assert payload["by_status"]["passed"] == 1
    assert payload["by_status"]["failed"] == 1
    assert payload["rate"] == 1.0


def test_since_in_the_future_counts_nothing_and_fails_target(provisioned_branch, tmp_path, faces_dir):
    home = tmp_path / "branch"
    shutil.copytree(provisioned_branch, home)
    _countersign("demo", home=home, faces=faces_dir)
    result = _countersign("report", "face-coverage", "--json", "--since", "2999-01-01", home=home, faces=faces_dir)
    assert result.returncode == 1
    assert json.loads(result.stdout)["transactions"] == 0


def test_bad_since_is_a_usage_error(provisioned_branch, tmp_path, faces_dir):
    home = tmp_path / "branch"
    shutil.copytree(provisioned_branch, home)
    result = _countersign("report", "face-coverage", "--since", "yesterday", home=home, faces=faces_dir)
    assert result.returncode == 2
    assert "not an ISO 8601 date" in result.stderr
