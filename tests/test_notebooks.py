"""The walkthrough notebooks in notebooks/ run from top to bottom and are committed clean.

Execution uses nbclient with a Python kernel started from *this* interpreter
(``sys.executable``), so the notebooks see the same samanalyse as the tests, whatever
kernelspecs are (or are not) registered on the machine.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["01_reproduce_2010.ipynb", "02_new_round.ipynb"]
CELL_TIMEOUT = 300  # seconds per cell


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_clean(name: str) -> None:
    """No outputs, no execution counts: the committed notebooks stay diff-friendly."""
    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"
    dirty = [
        k
        for k, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, f"{name}: code cells {dirty} have outputs or execution counts; clear them before committing"


def _this_python_kernel_manager():
    """A kernel manager whose ``python3`` kernel runs ``sys.executable -m ipykernel_launcher``."""
    from ipykernel.kernelspec import RESOURCES, get_kernel_dict
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME, KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class ThisInterpreter(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())

    spec = get_kernel_dict()
    assert spec["argv"][0] == sys.executable
    return AsyncKernelManager(kernel_name=NATIVE_KERNEL_NAME, kernel_spec_manager=ThisInterpreter())


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if ".ipynb_checkpoints" not in p.parts}


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name: str, tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)  # executed in memory; the file is not touched
    before = _listing(NOTEBOOKS)
    client = nbclient.NotebookClient(
        nb,
        km=_this_python_kernel_manager(),
        kernel_name=NATIVE_KERNEL_NAME,
        timeout=CELL_TIMEOUT,
        allow_errors=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},  # cwd of the kernel
    )
    try:
        # The kernel's temporary files go to tmp_path, so a failing run leaves nothing behind in /tmp.
        client.execute(env={**os.environ, "TMPDIR": str(tmp_path)})
    except CellExecutionError as err:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", str(err))  # drop the traceback's terminal colours
        pytest.fail(f"{name}: a cell raised an error\n{plain}", pytrace=False)
    assert _listing(NOTEBOOKS) == before, f"{name} wrote files into notebooks/"
    # Every code cell ran.
    assert all(c.execution_count is not None for c in nb.cells if c.cell_type == "code")
