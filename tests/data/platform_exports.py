"""Made-up exports of one survey round, written exactly as four survey platforms write them.

:func:`write_exports` draws one set of answers (the 2010 questionnaire, today's registers: about
200 kommuner and 15 helseforetak, seeded) and writes it in each platform's shape:

- ``nettskjema_csv``: UTF-8 CSV with ``,``; a submission id and a timestamp first, the
  kommunenummer, then the question text with the grid row (``Question [row]``, ``Question - row``,
  ``Question: row``) or the item text as headers; answers as labels;
- ``questback_xlsx``: a workbook with a title row (and a blank row) above the header, the
  platform's respondent id, ``Kommunenr``, status and IP columns, ``q5a - <item text>`` headers;
- ``spss_sav``: SPSS file with variable names (some ``Q5A``-style, the matrix items ``V1..``
  named only by their variable label ``Question [row]``), value labels, and ``Vet ikke`` coded 99
  as user-missing; the respondent as a number (``301``) or the helseforetak's name;
- ``excel_csv``: Excel's Norwegian CSV: Windows-1252 and ``;``, ``Q5a_<short>`` headers, the
  respondent column ``Kommune`` holding ``0301 Oslo``.

Some kommuner answer with the number of their kommune before 2020 (e.g. 1601 for Trondheim), in
every export alike; helseforetak are written with the names respondents use (``Ahus``, case
differences). The answers a correct reader must return are :func:`expected` (today's
kommunenummer, the register's helseforetak names), computed from the draw, not by any reader.

Keys of the returned dict: the four names above for the kommune form, and the same with
``_helseforetak`` for the helseforetak form.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import yaml

from samanalyse.survey.crosswalk import kommunenummer_history
from samanalyse.survey.registers import helseforetak, helseforetak_frame, kommuner
from samanalyse.survey.rounds import load_codebook

__all__ = ["PLATFORMS", "expected", "write_exports"]

PLATFORMS = ("nettskjema_csv", "questback_xlsx", "spss_sav", "excel_csv")
YEAR = 2024
_CB = load_codebook("2010")
_TEXTS = ["Godt samarbeid om utskrivning, særlig på sykehjem.", "Uklare rutiner; «meldte» pasienter", "Må bli bedre"]


def _question_texts() -> dict[str, str]:
    raw = yaml.safe_load(Path(_CB.source).read_text(encoding="utf-8"))
    return {str(q["number"]): q["text"] for q in raw["questions"] if q.get("text")}


def _draw(n_kommuner: int, n_hf: int, seed: int) -> dict[str, pd.DataFrame]:
    """The answers (labels, ``None`` for no answer) and the respondents as written and as expected."""
    rng = np.random.default_rng(seed)
    reg = kommuner(YEAR)
    hist = kommunenummer_history(2010, YEAR)
    old = hist[(hist["delt"] != "ja") & ~hist["kommunenummer"].isin(reg.index)
               & hist["kommunenummer_2024"].isin(reg.index)]
    old = old.drop_duplicates("kommunenummer_2024")  # one old number per kommune of today
    knr = sorted(rng.choice(np.asarray(reg.index), size=n_kommuner, replace=False))
    chosen_old = old[old["kommunenummer_2024"].isin(knr)].sample(frac=0.5, random_state=seed)
    as_old = dict(zip(chosen_old["kommunenummer_2024"], chosen_old["kommunenummer"]))
    hf_reg = helseforetak(YEAR)
    hfs = sorted(rng.choice(np.asarray(helseforetak_frame(YEAR).index), size=n_hf, replace=False))
    out = {}
    for form, ids in (("kommune", knr), ("helseforetak", hfs)):
        rows = []
        for rid in ids:
            r: dict[str, object] = {"respondent": rid}
            for it in _CB.items(form):
                if it.scale is not None:
                    labels = it.scale.labels()
                    r[it.id] = None if rng.random() < 0.08 else labels[rng.integers(len(labels))]
                else:
                    r[it.id] = _TEXTS[rng.integers(len(_TEXTS))] if rng.random() < 0.3 else None
            rows.append(r)
        df = pd.DataFrame(rows)
        if form == "kommune":
            df["written"] = [as_old.get(k, k) for k in df["respondent"]]
            df["navn_written"] = [hist.loc[hist["kommunenummer"] == as_old[k], "navn"].iloc[0] if k in as_old
                                  else reg.at[k, "navn"] for k in df["respondent"]]
        else:
            alias = {n: str(a).split(";")[0].strip() for n, a in hf_reg["kjent_som"].items() if str(a).strip()}
            df["written"] = [alias.get(n, n.upper()) if i % 2 else n for i, n in enumerate(df["respondent"])]
        out[form] = df
    return out


def expected(n_kommuner: int = 200, n_hf: int = 15, seed: int = 18) -> dict[str, pd.DataFrame]:
    """The data a correct reader returns for each form: ``respondent`` (today's) and every item."""
    return {form: df[["respondent", *_CB.item_ids(form)]].reset_index(drop=True)
            for form, df in _draw(n_kommuner, n_hf, seed).items()}


def _grid_header(it, k: int, qtext: dict[str, str]) -> str:
    q = qtext.get(it.question)
    if not q:
        return it.text
    return [f"{q} [{it.text}]", f"{q} - {it.text}", f"{q}: {it.text}"][k % 3]


def _nettskjema(df: pd.DataFrame, form: str, path: Path) -> None:
    qtext = _question_texts()
    out = pd.DataFrame({"Innsendings-ID": range(900001, 900001 + len(df)), "Levert": "2024-03-01 10:15"})
    out["Kommunenummer" if form == "kommune" else "Helseforetak"] = df["written"]
    for k, it in enumerate(_CB.items(form)):
        out[_grid_header(it, k, qtext)] = df[it.id]
    out.to_csv(path, index=False, encoding="utf-8")


def _questback(df: pd.DataFrame, form: str, path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rapport"
    ws.append(["Samhandlingsundersøkelsen 2024 - eksport fra Questback"])
    ws.append([])
    resp = "Kommunenr" if form == "kommune" else "Helseforetak"
    items = _CB.items(form)
    ws.append(["Respondent", resp, "Status", "IP-adresse", *(f"{it.id} - {it.text}" for it in items)])
    for i, r in enumerate(df.to_dict("records")):
        ws.append([1000 + i, r["written"], "Fullført", f"10.0.0.{i % 250}", *(r[it.id] for it in items)])
    wb.save(path)


def _spss(df: pd.DataFrame, form: str, path: Path) -> None:
    qtext = _question_texts()
    data = pd.DataFrame({"ResponseId": [f"R_{i:05d}" for i in range(len(df))], "StartDate": "2024-03-01"})
    names, values, missing = {}, {}, {}
    resp = "knr" if form == "kommune" else "hf"
    data[resp] = df["written"].astype(int) if form == "kommune" else df["written"]
    v = 0
    for it in _CB.items(form):
        if it.scale is not None and it.question.isdigit() and int(it.question) >= 22:
            v += 1
            name, label = f"V{v}", _grid_header(it, 0, qtext)
        else:
            name, label = it.id.upper(), it.text
        if it.scale is None:
            data[name] = df[it.id].fillna("")
        else:
            codes = {c.label: (99 if c.code == 9 else c.code) for c in it.scale.categories}
            data[name] = df[it.id].map(codes).astype(float)
            values[name] = {float(codes[c.label]): ("Vet ikke" if c.code == 9 else c.label) for c in it.scale.categories}
            if 99 in codes.values():
                missing[name] = [99.0]
        names[name] = label
    pyreadstat.write_sav(data, str(path), column_labels=[names.get(c, "") for c in data.columns],
                         variable_value_labels=values, missing_ranges=missing)


def _excel(df: pd.DataFrame, form: str, path: Path) -> None:
    reg = kommuner(YEAR)
    out = pd.DataFrame()
    if form == "kommune":
        out["Kommune"] = [f"{int(w)} {n}" if i % 3 else f"{w} {n}" for i, (w, n) in
                          enumerate(zip(df["written"], df["navn_written"]))]
    else:
        out["Helseforetak"] = df["written"]
    del reg
    for it in _CB.items(form):
        out[f"{it.id[:1].upper()}{it.id[1:]}_{it.short or it.text}"] = df[it.id]
    out.to_csv(path, index=False, sep=";", encoding="cp1252")


def write_exports(folder: str | Path, n_kommuner: int = 200, n_hf: int = 15, seed: int = 18) -> dict[str, Path]:
    """Write the four platforms' exports of one made-up round into ``folder``; their paths by platform.

    ``expected(n_kommuner, n_hf, seed)`` is the data every one of them holds.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    drawn = _draw(n_kommuner, n_hf, seed)
    writers = {"nettskjema_csv": (_nettskjema, ".csv"), "questback_xlsx": (_questback, ".xlsx"),
               "spss_sav": (_spss, ".sav"), "excel_csv": (_excel, ".csv")}
    paths: dict[str, Path] = {}
    for form, df in drawn.items():
        for key, (write, suffix) in writers.items():
            name = key if form == "kommune" else f"{key}_{form}"
            path = folder / f"{name}{suffix}"
            write(df, form, path)
            paths[name] = path
    return paths
