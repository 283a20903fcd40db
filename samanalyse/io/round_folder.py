"""A round as a folder anywhere: create it from an earlier round, and add the platform's exports to it.

``init_round`` copies the questionnaire (codebook), the table catalogue and the analysis plan of an
existing round into a new folder, writes a ``round.yaml`` on today's registers (the latest register
year shipped, its latest population as the size-class reference, its centrality column, and the default
disclosure rules, commented in bokmål: a new round is protected unless its owner says otherwise) and a short
README in bokmål with the next steps. ``add_export`` validates an export and records it, byte for
byte unchanged, in the round's folder. Nothing is ever written inside the installed package, and a
folder that already holds files is never written into.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from samanalyse.errors import DataError, OutputError
from samanalyse.io.atomic import atomic_dir, atomic_file, default_mode
from samanalyse.io.read import validate_responses
from samanalyse.io.report import ValidationReport
from samanalyse.survey.disclosure import DisclosureRules
from samanalyse.survey.paths import data_dir
from samanalyse.survey.registers import available_years, kommuner, ordinal_columns
from samanalyse.survey.rounds import Round, load_round

__all__ = ["add_export", "init_round", "read_mapping", "round_yaml_text"]

_COPIED = ("codebook.yaml", "tables.yaml", "plan.yaml")


def _check_outside_package(folder: Path) -> None:
    pkg = data_dir().resolve()
    target = folder.resolve()
    if target == pkg or pkg in target.parents:
        raise OutputError(f"{folder} is inside samanalyse's own data folder ({pkg}); a round folder belongs "
                          "somewhere of your own, e.g. samanalyse init ~/samhandling/ny-runde --from <an existing round>.")


def _check_new_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file, not a folder; choose a new folder for the round.")
    if folder.is_dir():
        names = sorted(p.name for p in folder.iterdir())
        if names:
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            raise OutputError(f"{folder} already holds files ({shown}); nothing was written. Choose a new or empty "
                              "folder for the round.")


def _todays_register(year: int | None) -> tuple[int, str, str]:
    """The register year, its latest population column and its centrality column."""
    years = available_years("kommuner")
    year = max(years) if year is None else year
    if year not in years:
        raise DataError(f"No kommune register for {year}; registers ship for {', '.join(map(str, years))}.")
    cols = [c for c in kommuner(year).columns if re.fullmatch(r"folkemengde_\d{4}", c)]
    population = max(cols)
    central = [o.column for o in ordinal_columns(year).values() if o.concept == "sentral"]
    return year, population, (central[0] if central else "sentralitet")


def round_yaml_text(name: str, source: Round, year: int, population: str, central: str,
                    responses: dict[str, str] | None = None, mappings: dict[str, str] | None = None) -> str:
    """The ``round.yaml`` of a new round (with comments in bokmål), ending in the default ``disclosure:`` rules."""
    classes = [{k: v for k, v in c.items() if k in ("label", "max")} for c in source.meta["size_classes"]["classes"]]
    body: dict[str, Any] = {
        "round": name,
        "title": name,
        "fielded": "",
        "codebook": "codebook.yaml",
        "tables": "tables.yaml",
        "plan": "plan.yaml",
        "register_year": year,
        "register_columns": {"sentralitet": central},
        "size_classes": {"population_column": population, "reference_date": f"{population[-4:]}-01-01",
                         "classes": classes},
        "responses": dict(responses or {}),
        "mappings": dict(mappings or {}),
        "reconstructed": False,
    }
    if not body["mappings"]:
        del body["mappings"]
    head = _template("round_yaml_header.txt", name=name, source=source.name)
    return head + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100) + _disclosure_block()


def _disclosure_block() -> str:
    """The ``disclosure:`` block of a new round: the default rules (:class:`DisclosureRules`), commented in bokmål."""
    rules = DisclosureRules()
    return _template("round_yaml_disclosure.txt", min_count=str(rules.min_count), min_base=str(rules.min_base),
                     min_range=str(rules.min_range), min_units_per_group=str(rules.min_units_per_group),
                     small_groups=rules.small_groups, merged_label=rules.merged_label)


def _template(template: str, **fields: str) -> str:
    """A text template of the package (``data/templates``), filled in."""
    return (data_dir() / "templates" / template).read_text(encoding="utf-8").format(**fields)


def init_round(folder: str | Path, from_round: Round | str | Path, *, register_year: int | None = None) -> Round:
    """Create a round folder from an existing round, on today's registers.

    Parameters
    ----------
    folder : str or Path
        A new or empty folder outside the package.
    from_round : Round, str or Path
        The round whose questionnaire, table catalogue and plan are copied.
    register_year : int, optional
        Register year of the new round (default: the latest shipped).

    Returns
    -------
    Round
        The new round (its files checked).

    Raises
    ------
    OutputError
        If the folder holds files, is a file, or lies inside the package.
    """
    folder = Path(folder).expanduser()
    _check_outside_package(folder)
    _check_new_folder(folder)
    source = load_round(from_round)
    year, population, central = _todays_register(register_year)
    name = folder.resolve().name
    with atomic_dir(folder) as tmp:
        for f in _COPIED:
            src = source.file(f.split(".")[0] if f != "tables.yaml" else "tables", f)
            text = src.read_text(encoding="utf-8")
            if f == "codebook.yaml":
                text = re.sub(r'(?m)^round:.*$', f'round: "{name}"', text, count=1)
            (tmp / f).write_text(text, encoding="utf-8")
        (tmp / "round.yaml").write_text(round_yaml_text(name, source, year, population, central), encoding="utf-8")
        readme = _template("round_README.md", name=name, source=source.name, folder=str(folder),
                           forms=", ".join(source.codebook.forms), register_year=str(year),
                           population_year=population[-4:])
        (tmp / "README.md").write_text(readme, encoding="utf-8")
        for p in tmp.iterdir():
            p.chmod(default_mode())
    return load_round(folder)


def add_export(file: str | Path, round: Round | str | Path, form: str, *,
               mapping: str | Path | None = None, sheet: str | int | None = None,
               replace: bool = False) -> ValidationReport:
    """Validate an export and record it, unchanged, in the round's folder (only when it is valid).

    The export is copied byte for byte to ``svar/<form><suffix>`` (a stable name, whatever the
    platform called the file) and ``round.yaml``'s ``responses`` (and ``mappings``) entry for the form
    is rewritten in place: every other line of ``round.yaml``, comments included, is kept. Both files
    are written atomically (a temporary file renamed over the old one). Adding the same file again
    changes nothing; a different export of a form that already has one is refused unless ``replace``.

    Parameters
    ----------
    file : str or Path
        The survey platform's export (CSV, XLSX or SAV) as it was written.
    round : Round, str or Path
        The round folder (``round.yaml`` is read again from it, never from a stale :class:`Round`).
    form : str
        The codebook form the export answers.
    mapping : str or Path, optional
        A CSV (``column,item``) for headers automatic matching cannot place; copied into the round too.
    sheet : str or int, optional
        Excel sheet.
    replace : bool
        Replace an earlier, different export of the same form (and its mapping).

    Returns
    -------
    ValidationReport
        The check; when ``report.ok`` the file was copied to ``svar/`` and ``round.yaml`` updated.

    Raises
    ------
    OutputError
        If the round lies inside the package, or the form has a different export and not ``replace``.
    """
    rnd = load_round(load_round(round).path)  # fresh from disk: an earlier add may have changed round.yaml
    _check_outside_package(rnd.path)
    file = Path(file)
    columns = read_mapping(Path(mapping)) if mapping is not None else None
    report = validate_responses(file, rnd, form, sheet=sheet, mapping=columns)
    if not report.ok:
        return report
    target = rnd.path / "svar" / f"{form}{file.suffix.lower() or '.csv'}"
    new_bytes = file.read_bytes()
    earlier = _recorded(rnd, "responses", form)
    mtarget = rnd.path / "svar" / f"{form}-kolonner.csv" if mapping is not None else None
    earlier_map = _recorded(rnd, "mappings", form)
    same = (earlier is not None and earlier.is_file() and earlier.read_bytes() == new_bytes
            and earlier == target and _same_mapping(earlier_map, mapping))
    if same:
        return report
    if earlier is not None and earlier.exists() and not replace:
        raise OutputError(
            f"The round {rnd.path} already has a {form} export ({earlier.relative_to(rnd.path)}), and {file} is "
            f"a different file; nothing was changed. To replace it, run the same command with --replace "
            f"(Python: replace=True).")
    text = (rnd.path / "round.yaml").read_text(encoding="utf-8")
    text = _set_block(text, "responses", {**(rnd.meta.get("responses") or {}), form: _rel(target, rnd)})
    maps = dict(rnd.meta.get("mappings") or {})
    maps.pop(form, None)
    if mtarget is not None:
        maps[form] = _rel(mtarget, rnd)
    text = _set_block(text, "mappings", maps)
    target.parent.mkdir(mode=default_mode(folder=True), exist_ok=True)
    with atomic_file(target, "wb") as fh:
        fh.write(new_bytes)
    if mtarget is not None:
        with atomic_file(mtarget, "wb") as fh:
            fh.write(Path(mapping).read_bytes())
    with atomic_file(rnd.path / "round.yaml", "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    for old in (earlier, earlier_map):
        if old is not None and old not in (target, mtarget) and old.parent == target.parent:
            old.unlink(missing_ok=True)   # the replaced export had another suffix (or its mapping is gone)
    return report


def _rel(path: Path, rnd: Round) -> str:
    return path.relative_to(rnd.path).as_posix()


def _recorded(rnd: Round, key: str, form: str) -> Path | None:
    """The file ``round.yaml`` records for ``form`` under ``key`` (``responses``/``mappings``), if any."""
    entry = (rnd.meta.get(key) or {}).get(form)
    return None if not entry else rnd.path / entry


def _same_mapping(earlier: Path | None, mapping: str | Path | None) -> bool:
    if mapping is None or earlier is None:
        return mapping is None and earlier is None
    return earlier.is_file() and earlier.read_bytes() == Path(mapping).read_bytes()


def _set_block(text: str, key: str, value: dict[str, str]) -> str:
    """``text`` (a YAML file) with its top-level ``key:`` block replaced by ``value``; other lines kept.

    An empty ``value`` removes the block (``responses`` stays, as ``responses: {}``). A key not yet in
    the file is appended at the end.
    """
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(rf"{re.escape(key)}\s*:", line)), None)
    block = yaml.safe_dump({key: dict(sorted(value.items()))}, allow_unicode=True, sort_keys=False, width=100)
    if not value and key != "responses":
        block = ""
    if start is None:
        if text and not text.endswith("\n"):
            text += "\n"
        return text + block
    end = start + 1
    while end < len(lines) and (lines[end][:1] in (" ", "\t") or not lines[end].strip()):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1   # blank lines before the next key stay where they are
    return "".join(lines[:start]) + block + "".join(lines[end:])


def read_mapping(path: str | Path) -> dict[str, str | None]:
    """A mapping file: CSV with columns ``column`` and ``item`` (empty item = leave the column out).

    Raises
    ------
    DataError
        If the file cannot be read or lacks the two columns.
    """
    import csv

    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise DataError(f"The mapping file {path} does not exist. Give a CSV file with the columns column,item "
                        "(one row per export column the automatic matching cannot place).") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"The mapping file {path} cannot be read: {exc}.") from None
    if not rows or not {"column", "item"} <= set(rows[0]):
        raise DataError(f"The mapping file {path} needs the columns column,item (one row per export column).")
    return {r["column"]: ((r["item"] or "").strip() or None) for r in rows}
