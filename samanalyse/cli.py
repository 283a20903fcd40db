"""Command-line interface: ``samanalyse <command> ...`` (also ``python -m samanalyse``).

Exit codes: 0 success, 1 the input is invalid, a check failed or a file could
not be read or written, 2 usage error (130/143 when stopped by Ctrl-C/SIGTERM). Anything a user can do ends in one
message on standard error (``samanalyse <command>: ...``), never a traceback;
the global ``--debug`` flag adds the traceback. A reader that closes standard
output early (``samanalyse audit --format csv | head -1``) ends the command
quietly.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from samanalyse import __version__
from samanalyse.errors import SamanalyseError

__all__ = ["main", "run", "build_parser", "EXIT_OK", "EXIT_INVALID", "EXIT_USAGE"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _load_round(args: argparse.Namespace):
    return _round(args.round)


def _round(round: str | Path):
    """The round (name or folder); imported on first use, so ``samanalyse --help`` stays fast."""
    from samanalyse.survey.rounds import load_round

    return load_round(round)


def _cmd_report(args: argparse.Namespace) -> int:
    from samanalyse.report.build import build_report

    rnd = _load_round(args)
    say = (lambda s: None) if args.quiet else (lambda s: print(s, flush=True))
    out = args.out or str(Path("reports") / rnd.name)
    settings = None
    if getattr(args, "weights", None):   # --weights (issue 15): overrides round.yaml's weights.method
        from dataclasses import replace

        from samanalyse.report.context import ReportSettings

        settings = replace(ReportSettings.from_plan(rnd.plan), weights=args.weights)
    result = build_report(rnd, out, progress=say, lang=getattr(args, "lang", "nb"),
                          compare=getattr(args, "compare", None), settings=settings,
                          workers=getattr(args, "workers", None))
    if not args.quiet:
        print(f"Wrote {len(result.files)} files to {result.out}/:")
        for f in result.files:
            print(f"  {f}")
        sc = result.scorecard
        if sc:
            print(f"Published numbers matched: {sc.get('matched', 0)} of {sum(sc.values())} "
                  f"(impossible per audit: {sc.get('impossible', 0)}, unmet: {sc.get('unmet', 0)}).")
    return EXIT_OK


def _cmd_reproduce(args: argparse.Namespace) -> int:
    """Scorecard of regenerated vs published numbers; exit 1 if a possible number is unmet."""
    from samanalyse.published.scorecard import scorecard

    card = scorecard(_load_round(args))
    print(card.summary())
    if args.csv:
        from samanalyse.io.atomic import write_table_csv

        write_table_csv(card.cells, args.csv)
        print(f"Cell-by-cell comparison written to {args.csv}")
    return EXIT_OK if card.ok else EXIT_INVALID


def _cmd_audit(args: argparse.Namespace) -> int:
    from samanalyse.published.audit import audit_round, findings_frame, format_text

    result = audit_round(_load_round(args).name)  # the name until audit_round takes a Round (it prints it)
    if args.format == "csv":
        findings_frame(result).to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        sys.stdout.write(format_text(result))
    return EXIT_OK  # findings are the output, not a failure


def _cmd_validate(args: argparse.Namespace) -> int:
    """Check a survey export; print errors, warnings and a summary. Exit 0 valid, 1 invalid, 2 usage."""
    from samanalyse.io.responses import ResponsesNotFoundError, validate_responses

    path = Path(args.file)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        print(f"samanalyse validate: {path} {what}. Nothing was checked.", file=sys.stderr)
        return EXIT_USAGE
    try:
        rnd = _load_round(args)
    except FileNotFoundError as exc:  # RoundNotFoundError: its message says how to start a new round
        print(f"samanalyse validate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.form not in rnd.forms:
        print(f"samanalyse validate: unknown form {args.form!r}; round {rnd.name} has the forms "
              f"{', '.join(rnd.forms)}. Nothing was checked.", file=sys.stderr)
        return EXIT_USAGE
    mapping = {name: None for name in (args.ignore or [])}
    if getattr(args, "mapping", None):
        from samanalyse.io.round_folder import read_mapping

        mapping = {**read_mapping(args.mapping), **mapping}
    try:
        report = validate_responses(path, rnd.codebook, args.form, sheet=args.sheet, mapping=mapping or None,
                                    round=rnd)
    except ResponsesNotFoundError as exc:
        print(f"samanalyse validate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(report.format())
    return EXIT_OK if report.ok else EXIT_INVALID


def _cmd_init(args: argparse.Namespace) -> int:
    """Create a round folder from an existing round, on today's registers."""
    from samanalyse.io.round_folder import init_round

    rnd = init_round(args.folder, args.from_round)
    print(f"Created the round {rnd.name} in {args.folder} from the round {args.from_round}: "
          f"{', '.join(sorted(p.name for p in rnd.path.iterdir()))}.")
    print(f"Next: samanalyse add EXPORT --round {args.folder} --form {rnd.forms[0]}  (one export per form: "
          f"{', '.join(rnd.forms)}); then samanalyse report --round {args.folder} --out REPORT_FOLDER. "
          f"See {Path(args.folder) / 'README.md'}.")
    return EXIT_OK


def _cmd_add(args: argparse.Namespace) -> int:
    """Validate an export and record it in a round folder. Exit 0 valid and recorded, 1 invalid, 2 usage."""
    from samanalyse.io.round_folder import add_export

    path = Path(args.file)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        print(f"samanalyse add: {path} {what}. Give the export file the survey platform wrote (CSV, XLSX or SAV). "
              "Nothing was added.", file=sys.stderr)
        return EXIT_USAGE
    rnd = _load_round(args)
    if args.form not in rnd.forms:
        print(f"samanalyse add: unknown form {args.form!r}; round {rnd.name} has the forms {', '.join(rnd.forms)}. "
              f"Give one of them with --form. Nothing was added.", file=sys.stderr)
        return EXIT_USAGE
    report = add_export(path, rnd, args.form, mapping=args.mapping, sheet=args.sheet, replace=args.replace)
    print(report.format())
    if not report.ok:
        print(f"Nothing was added to {args.round}: correct the file (or map its columns with --mapping) and run "
              "samanalyse add again.")
        return EXIT_INVALID
    recorded = _round(rnd.path).meta["responses"][args.form]
    print(f"Recorded as {recorded} in {rnd.path / 'round.yaml'}.")
    return EXIT_OK


def _cmd_reconstruct(args: argparse.Namespace) -> int:
    """Rebuild a round's reconstructed response files and constraint report."""
    from samanalyse.published.reconstruction import reconstruct, write_reconstruction

    rnd = _load_round(args)
    result = reconstruct(rnd, seed=args.seed)
    if args.check:
        return _reconstruct_check(args, rnd, result)
    written = write_reconstruction(result, rnd, out=args.out)
    if not args.quiet:
        print("RECONSTRUCTED data (not the original survey responses):")
        print(result.summary())
        for p in written:
            print(f"  wrote {p}")
    pub = result.report[result.report["kind"] == "published"]
    return EXIT_INVALID if (pub["status"] == "unmet").any() and args.strict else EXIT_OK  # proven ones are not "unmet"


def _reconstruct_check(args: argparse.Namespace, rnd, result) -> int:
    """Compare a fresh reconstruction with the files in place instead of writing."""
    import tempfile

    from samanalyse.published.reconstruction import write_reconstruction

    with tempfile.TemporaryDirectory() as tmp:
        written = write_reconstruction(result, rnd, out=tmp)
        differ = [p.name for p in written if not (rnd.path / p.name).exists()
                  or (rnd.path / p.name).read_bytes() != Path(p).read_bytes()]
    if not args.quiet:
        print(result.summary())
    if differ:
        print(f"samanalyse reconstruct: differs from the committed files: {', '.join(differ)}", file=sys.stderr)
        return EXIT_INVALID
    if not args.quiet:
        print("The committed files are exactly what the spec and seed produce.")
    return EXIT_OK


def _round_help() -> str:
    """The ``--round`` help, naming the shipped rounds: read from the data folder, so that building the parser
    (``samanalyse --help``) does not import pandas and the survey model (samanalyse.survey.rounds)."""
    from samanalyse.survey.paths import data_dir

    shipped = sorted(p.name for p in (data_dir() / "rounds").iterdir() if (p / "round.yaml").is_file())
    return f"survey round: a shipped round ({', '.join(shipped) or 'none'}) or the path of a round folder"


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``samanalyse`` command."""
    p = argparse.ArgumentParser(
        prog="samanalyse",
        description=(
            "Analyse the KS survey on samhandling between kommuner and helseforetak, one round at a time "
            "(a round folder: codebook, table catalogue, analysis plan, responses). The shipped rounds that "
            "reproduce a published study use reconstructed respondent data, consistent with its tables."
        ),
    )
    p.add_argument("--version", action="version", version=f"samanalyse {__version__}")
    p.add_argument("--debug", action="store_true", help="show the traceback of an error")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback of an error")
    common.add_argument("--round", default=None, metavar="ROUND", help=_round_help() + " (required)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help: str, fn: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help, parents=[common])
        sp.set_defaults(func=fn, subparser=sp)
        return sp

    sp = add("report", "Regenerate a round's report (tables, figures, HTML, XLSX) into a folder.", _cmd_report)
    sp.add_argument("--out", default=None,
                    help="output folder: new, empty or an earlier report (default: reports/<round>)")
    sp.add_argument("--quiet", action="store_true", help="print nothing but errors")
    sp.add_argument("--lang", choices=("nb", "en"), default="nb",
                    help="language of the report's words (default nb, bokmål); the tables are the same")
    sp.add_argument("--compare", default=None, metavar="ROUND",
                    help="an earlier round (name or folder): adds the trend section and tables/trend.csv")
    sp.add_argument("--weights", default=None, choices=("none", "poststratify", "raking", "linear", "logit"),
                    help="nonresponse weights to the frame's margins (default: round.yaml's weights, else none); "
                         "adds tables/vekter.csv and weighted results beside the unweighted")
    sp.add_argument("--workers", type=int, default=None, metavar="N",
                    help="processes the report may use (default: the CPUs available, at most 2; 1: one process); "
                         "the files are the same whatever the number")

    sp = add("reproduce", "Score the regenerated numbers against the published ones.", _cmd_reproduce)
    sp.add_argument("--csv", default=None, metavar="FILE", help="also write the cell-by-cell comparison as CSV")

    sp = add("audit", "Check the published numbers of a round for internal consistency.", _cmd_audit)
    sp.add_argument("--format", choices=["text", "csv"], default="text",
                    help="text: readable summary (default); csv: one finding per row on standard output")

    sp = add("validate", "Validate a survey export (CSV, XLSX, SAV) against a round's codebook.", _cmd_validate)
    sp.add_argument("file")
    sp.add_argument("--form", required=True, help="the form the export answers (one of the round's forms)")
    sp.add_argument("--sheet", default=None, help="Excel sheet to read (default: the first)")
    sp.add_argument("--ignore", action="append", metavar="COLUMN",
                    help="ignore this column of the file (may be given several times)")

    sp.add_argument("--mapping", default=None, metavar="MAP.CSV",
                    help="CSV with the columns column,item: which item each export column answers "
                         "(an empty item leaves the column out)")

    sp = sub.add_parser("init", help="Create a new round folder from an existing round, on today's registers.",
                        description="Create a new round folder (anywhere outside the package) with the "
                                    "questionnaire, table catalogue and analysis plan of an existing round, a "
                                    "round.yaml on today's registers and a README with the next steps.")
    sp.set_defaults(func=_cmd_init, subparser=sp, needs_round=False)
    sp.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback of an error")
    sp.add_argument("folder", metavar="DIR", help="the new round's folder (new or empty)")
    sp.add_argument("--from", dest="from_round", required=True, metavar="ROUND",
                    help="the round to start from: a shipped round's name or a round folder")

    sp = add("add", "Validate a survey export and record it, unchanged, in a round folder.", _cmd_add)
    sp.add_argument("file", metavar="FILE", help="the export as the survey platform wrote it (CSV, XLSX, SAV)")
    sp.add_argument("--form", required=True, help="the form the export answers (one of the round's forms)")
    sp.add_argument("--mapping", default=None, metavar="MAP.CSV",
                    help="CSV with the columns column,item for headers the automatic matching cannot place")
    sp.add_argument("--sheet", default=None, help="Excel sheet to read (default: the first)")
    sp.add_argument("--replace", action="store_true",
                    help="replace an earlier, different export of the same form")

    sp = add("reconstruct", "Reconstruct respondent-level data consistent with the published numbers.", _cmd_reconstruct)
    sp.add_argument("--seed", type=int, default=None, help="override the spec's seed")
    sp.add_argument("--out", default=None, help="folder to write to (default: the round's data folder)")
    sp.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if the committed files differ from a fresh reconstruction")
    sp.add_argument("--strict", action="store_true",
                    help="exit 1 if any published number that is not provably impossible is unmet")
    sp.add_argument("--quiet", action="store_true")
    return p


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace | int:
    """Parsed arguments, or the exit code of a usage error / ``--help`` (argparse has printed the message)."""
    try:
        args = parser.parse_args(argv)
        if getattr(args, "func", None) and getattr(args, "needs_round", True) and args.round is None:
            from samanalyse.survey.rounds import available_rounds

            args.subparser.error(f"--round is required: give a shipped round ({', '.join(available_rounds())}) "
                                 "or the path of a round folder")
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    return args


def _os_message(exc: OSError) -> str:
    """One sentence for a file problem, naming the file."""
    reason = exc.strerror or str(exc)
    if exc.filename is not None and exc.filename2 is not None:
        return f"{exc.filename} -> {exc.filename2}: {reason}."
    if exc.filename is not None:
        return f"{exc.filename}: {reason}."
    return f"{reason}."


def _quiet_stdout() -> None:
    """After a broken pipe: point standard output at /dev/null so the interpreter's last flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (e.g. captured in tests)
        pass


def _fail(args: argparse.Namespace, exc: BaseException, message: str, code: int) -> int:
    if getattr(args, "debug", False):
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    print(f"samanalyse {args.command}: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = _parse(build_parser(), argv)
    if isinstance(args, int):
        return args
    try:
        code = int(args.func(args))
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # the reader closed standard output: stop quietly
        _quiet_stdout()
        return EXIT_INVALID
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM while a report is written
        return _fail(args, exc, f"{str(exc) or 'interrupted'}.", 128 + getattr(exc, "signum", 2))
    except SamanalyseError as exc:
        return _fail(args, exc, str(exc), EXIT_INVALID)
    except OSError as exc:
        return _fail(args, exc, _os_message(exc), EXIT_INVALID)
    except Exception as exc:  # a bug: say so in one line; --debug shows where
        return _fail(args, exc, f"internal error ({type(exc).__name__}: {exc}). This is a bug in samanalyse "
                                f"{__version__}; run again with --debug for the traceback and report it.",
                     EXIT_INVALID)


def run(argv: Sequence[str] | None = None) -> None:
    """The ``samanalyse`` command and ``python -m samanalyse``: :func:`main`, then exit at once with its code.

    The interpreter is left without tearing it down: the handlers registered with :mod:`atexit` run
    (log handlers flushed, temporary files removed, child processes joined) and standard output and error
    are flushed, but the thousands of library modules a report loads are not freed one by one, which
    takes the better part of a second after the work is done (issue 17). :func:`main` itself returns, as
    a caller in the same process (a test, a notebook) needs. Under a profiler or tracer
    (``python -m cProfile -m samanalyse ...``, a debugger) the exit is the usual one, so that it can write.
    """
    code = main(argv)
    import atexit

    exitfuncs = getattr(atexit, "_run_exitfuncs", None)
    if exitfuncs is None or sys.getprofile() is not None or sys.gettrace() is not None:
        raise SystemExit(code)   # not CPython, or a profiler or tracer that writes when the interpreter exits
    exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError, AttributeError):   # the reader closed it, it is closed, or there is none
        _quiet_stdout()
    os._exit(code)
