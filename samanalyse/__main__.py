"""``python -m samanalyse`` runs the command-line interface."""

from samanalyse.cli import main

raise SystemExit(main())
