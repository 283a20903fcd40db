"""Command-line interface: ``samanalyse <command> ...`` (also ``python -m samanalyse``).

Exit codes: 0 success, 1 the input is invalid or a check failed, 2 usage error,
3 the command is not available yet in this version.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from samanalyse import __version__
from samanalyse.errors import SamanalyseError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_NOT_AVAILABLE = 0, 1, 2, 3


def _not_available(what: str, issue: str) -> int:
    print(
        f"samanalyse: '{what}' is not available yet in version {__version__} ({issue}). "
        "Nothing was done.",
        file=sys.stderr,
    )
    return EXIT_NOT_AVAILABLE


def _cmd_report(args: argparse.Namespace) -> int:
    from samanalyse.report.build import build_report

    say = (lambda s: None) if args.quiet else (lambda s: print(s, flush=True))
    out = args.out or f"reports/{args.round}"
    result = build_report(args.round, out, progress=say)
    if not args.quiet:
        print(f"Wrote {len(result.files)} files to {result.out}/:")
        for f in result.files:
            print(f"  {f}")
        sc = result.scorecard
        print(f"Published numbers matched: {sc.get('matched', 0)} of {sum(sc.values())} "
              f"(impossible per audit: {sc.get('impossible', 0)}, unmet: {sc.get('unmet', 0)}).")
    return EXIT_OK


def _cmd_reproduce(args: argparse.Namespace) -> int:
    """Scorecard of regenerated vs published numbers; exit 1 if a possible number is unmet."""
    from samanalyse.published.scorecard import scorecard

    card = scorecard(args.round)
    print(card.summary())
    if args.csv:
        from samanalyse.io.atomic import write_table_csv

        write_table_csv(card.cells, args.csv)
        print(f"Cell-by-cell comparison written to {args.csv}")
    return EXIT_OK if card.ok else EXIT_INVALID


def _cmd_audit(args: argparse.Namespace) -> int:
    from samanalyse.published.audit import audit_round, findings_frame, format_text

    result = audit_round(args.round)
    if args.format == "csv":
        findings_frame(result).to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        sys.stdout.write(format_text(result))
    return EXIT_OK  # findings are the output, not a failure


def _cmd_validate(args: argparse.Namespace) -> int:
    """Check a survey export; print errors, warnings and a summary. Exit 0 valid, 1 invalid, 2 usage."""
    from pathlib import Path

    from samanalyse.io.responses import ResponsesNotFoundError, validate_responses
    from samanalyse.survey.rounds import available_rounds, load_round

    path = Path(args.file)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        print(f"samanalyse validate: {path} {what}. Nothing was checked.", file=sys.stderr)
        return EXIT_USAGE
    try:
        rnd = load_round(args.round)
    except FileNotFoundError:
        print(
            f"samanalyse validate: unknown round {args.round!r}; the rounds are: "
            f"{', '.join(available_rounds()) or 'none'}. Nothing was checked.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    mapping = {name: None for name in (args.ignore or [])}
    try:
        report = validate_responses(path, rnd.codebook, args.form, sheet=args.sheet, mapping=mapping or None,
                                    round=rnd.name)
    except ResponsesNotFoundError as exc:
        print(f"samanalyse validate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(report.format())
    return EXIT_OK if report.ok else EXIT_INVALID


def _cmd_reconstruct(args: argparse.Namespace) -> int:
    """Rebuild a round's reconstructed response files and constraint report."""
    from samanalyse.published.reconstruction import reconstruct, write_reconstruction

    result = reconstruct(args.round, seed=args.seed)
    if args.check:
        # compare with the files in place instead of writing
        import tempfile
        from pathlib import Path

        from samanalyse.survey.rounds import load_round

        with tempfile.TemporaryDirectory() as tmp:
            written = write_reconstruction(result, args.round, out=tmp)
            folder = load_round(args.round).path
            differ = [p.name for p in written if not (folder / p.name).exists()
                      or (folder / p.name).read_bytes() != Path(p).read_bytes()]
        if not args.quiet:
            print(result.summary())
        if differ:
            print(f"Differs from the committed files: {', '.join(differ)}", file=sys.stderr)
            return EXIT_INVALID
        if not args.quiet:
            print("The committed files are exactly what the spec and seed produce.")
        return EXIT_OK
    written = write_reconstruction(result, args.round, out=args.out)
    if not args.quiet:
        print("RECONSTRUCTED data (not the original survey responses):")
        print(result.summary())
        for p in written:
            print(f"  wrote {p}")
    pub = result.report[result.report["kind"] == "published"]
    return EXIT_INVALID if (pub["status"] == "unmet").any() and args.strict else EXIT_OK  # proven ones are not "unmet"


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``samanalyse`` command."""
    p = argparse.ArgumentParser(
        prog="samanalyse",
        description=(
            "Analyse the KS survey on samhandling between kommuner and helseforetak. "
            "Reproduces PwC for KS (2010) 'I gode og onde dager'; the 2010 respondent "
            "data is a reconstruction consistent with the published tables."
        ),
    )
    p.add_argument("--version", action="version", version=f"samanalyse {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help: str, fn: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(func=fn)
        return sp

    sp = add("report", "Regenerate a round's report (tables, figures, HTML, XLSX) into a folder.", _cmd_report)
    sp.add_argument("--round", default="2010", help="survey round (default: 2010)")
    sp.add_argument("--out", default=None, help="output folder (default: reports/<round>)")
    sp.add_argument("--quiet", action="store_true", help="print nothing but errors")

    sp = add("reproduce", "Score the regenerated numbers against the published ones.", _cmd_reproduce)
    sp.add_argument("--round", default="2010")
    sp.add_argument("--csv", default=None, metavar="FILE", help="also write the cell-by-cell comparison as CSV")

    sp = add("audit", "Check the published numbers of a round for internal consistency.", _cmd_audit)
    sp.add_argument("--round", default="2010", help="survey round (default: 2010)")
    sp.add_argument("--format", choices=["text", "csv"], default="text",
                    help="text: readable summary (default); csv: one finding per row on standard output")

    sp = add("validate", "Validate a survey export (CSV, XLSX, SAV) against a round's codebook.", _cmd_validate)
    sp.add_argument("file")
    sp.add_argument("--round", default="2010")
    sp.add_argument("--form", choices=["kommune", "helseforetak"], required=True)
    sp.add_argument("--sheet", default=None, help="Excel sheet to read (default: the first)")
    sp.add_argument("--ignore", action="append", metavar="COLUMN",
                    help="ignore this column of the file (may be given several times)")

    sp = add("reconstruct", "Reconstruct respondent-level data consistent with the published numbers.", _cmd_reconstruct)
    sp.add_argument("--round", default="2010")
    sp.add_argument("--seed", type=int, default=None, help="override the spec's seed")
    sp.add_argument("--out", default=None, help="folder to write to (default: the round's data folder)")
    sp.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if the committed files differ from a fresh reconstruction")
    sp.add_argument("--strict", action="store_true",
                    help="exit 1 if any published number that is not provably impossible is unmet")
    sp.add_argument("--quiet", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except SamanalyseError as exc:
        print(f"samanalyse: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except FileNotFoundError as exc:
        print(f"samanalyse: {exc}", file=sys.stderr)
        return EXIT_INVALID
