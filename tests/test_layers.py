"""The layers hold (import-linter, as `make lint` runs it), and the contract really guards them."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["portal", "members", "trainings", "resources", "community", "api"]
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    # S603: the virtualenv's own lint-imports, with fixed arguments.
    return subprocess.run(  # noqa: S603
        [LINT_IMPORTS, "--no-cache", "--config", "pyproject.toml"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_imports_run_one_way():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def lint_imports_with(tmp_path: Path, module: str, code: str) -> subprocess.CompletedProcess:
    """lint-imports on a copy of the project with one more module."""
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / module).write_text(code)
    return lint_imports(tmp_path)


def test_the_kernel_importing_a_domain_app_breaks_the_contract(tmp_path):
    result = lint_imports_with(tmp_path, "portal/layer_probe.py", "from trainings import models\n")

    assert result.returncode != 0
    assert "portal is not allowed to import trainings" in result.stdout
    assert "portal.layer_probe -> trainings.models" in result.stdout


def test_a_domain_app_importing_the_top_layer_breaks_the_contract(tmp_path):
    result = lint_imports_with(
        tmp_path, "members/layer_probe.py", "from community import services\n"
    )

    assert result.returncode != 0
    assert "members is not allowed to import community" in result.stdout


def test_community_importing_the_api_breaks_the_contract(tmp_path):
    result = lint_imports_with(tmp_path, "community/layer_probe.py", "from api import services\n")

    assert result.returncode != 0
    assert "community is not allowed to import api" in result.stdout
