"""``python -m samanalyse`` runs the command-line interface."""

from samanalyse.cli import run

run()
