"""Reading input tables: every bad input gets a French error naming file, line and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from pydantic import BaseModel, ConfigDict, Field

from iapublique.core.tables import TableError, read_frame, read_table, write_table


class Decl(BaseModel):
    """A small record with aliases, like the customs columns."""

    model_config = ConfigDict(populate_by_name=True)
    declaration_id: str = Field(alias="Declaration ID")
    date: dt.date = Field(alias="Date")
    net_mass: float = Field(alias="Net Mass")
    count: int = Field(alias="Count")
    courier: str | None = Field(default=None, alias="Courier ID")


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


GOOD = "Declaration ID,Date,Net Mass,Count,Courier ID\nA1,2020-01-02,12.5,3,\nA2,2020-01-03,7,4,DHL\n"


def test_reads_comma_csv_with_aliases(tmp_path: Path) -> None:
    df = read_table(write(tmp_path, "d.csv", GOOD), Decl)
    assert list(df.columns) == ["declaration_id", "date", "net_mass", "count", "courier"]
    assert df["net_mass"].tolist() == [12.5, 7.0]
    assert df["count"].tolist() == [3, 4]
    assert df["courier"].tolist() == [None, "DHL"]
    assert df["date"].iloc[0] == pd.Timestamp("2020-01-02")


def test_reads_semicolon_bom_and_decimal_comma(tmp_path: Path) -> None:
    text = "\ufeffdeclaration id;date;net mass;count\nA1;2020-01-02;12,5;3\n"
    df = read_table(write(tmp_path, "d.csv", text), Decl)
    assert df["net_mass"].tolist() == [12.5]
    assert df["declaration_id"].tolist() == ["A1"]


def test_missing_column_names_header_line(tmp_path: Path) -> None:
    with pytest.raises(TableError) as exc:
        read_table(write(tmp_path, "d.csv", "Declaration ID,Date,Count\nA1,2020-01-02,3\n"), Decl)
    assert exc.value.line == 1 and exc.value.field == "Net Mass"
    assert "colonne obligatoire absente" in str(exc.value) and "d.csv" in str(exc.value)


def test_wrong_type_names_line_and_field(tmp_path: Path) -> None:
    text = GOOD + "A3,2020-01-04,abc,5,\n"
    with pytest.raises(TableError) as exc:
        read_table(write(tmp_path, "d.csv", text), Decl)
    assert (exc.value.line, exc.value.field) == (4, "Net Mass")
    assert "« abc »" in str(exc.value) and "nombre" in str(exc.value)


def test_fractional_integer_and_bad_date(tmp_path: Path) -> None:
    with pytest.raises(TableError) as exc:
        read_table(write(tmp_path, "d.csv", GOOD + "A3,2020-01-04,1,2.5,\n"), Decl)
    assert (exc.value.line, exc.value.field) == (4, "Count")
    with pytest.raises(TableError) as exc:
        read_table(write(tmp_path, "d.csv", GOOD + "A3,31/02/2020x,1,2,\n"), Decl)
    assert (exc.value.line, exc.value.field) == (4, "Date")


def test_truncated_line(tmp_path: Path) -> None:
    with pytest.raises(TableError) as exc:
        read_table(write(tmp_path, "d.csv", GOOD + "A3,2020-01-04\n"), Decl)
    assert exc.value.line == 4
    assert "incomplète" in str(exc.value)


def test_encoding_problem_names_line(tmp_path: Path) -> None:
    text = GOOD + "A3,2020-01-04,1,2,Société\n"
    with pytest.raises(TableError) as exc:
        read_table(write(tmp_path, "d.csv", text, encoding="latin-1"), Decl)
    assert exc.value.line == 4
    assert "UTF-8" in str(exc.value)


def test_missing_required_value(tmp_path: Path) -> None:
    with pytest.raises(TableError) as exc:
        read_table(write(tmp_path, "d.csv", GOOD + ",2020-01-04,1,2,\n"), Decl)
    assert (exc.value.line, exc.value.field) == (4, "Declaration ID")


def test_unsupported_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="non pris en charge"):
        read_table(write(tmp_path, "d.xlsx", GOOD), Decl)
    with pytest.raises(TableError, match="introuvable"):
        read_table(tmp_path / "absent.csv", Decl)


def test_jsonl_and_parquet_round_trip(tmp_path: Path) -> None:
    df = read_table(write(tmp_path, "d.csv", GOOD), Decl)
    for name in ("out.parquet", "out.jsonl"):
        path = write_table(df.rename(columns={"net_mass": "Net Mass"}), tmp_path / name)
        again = read_table(path, Decl)
        assert again["net_mass"].tolist() == [12.5, 7.0]
        assert again["declaration_id"].tolist() == ["A1", "A2"]
    first = '{"Declaration ID": "A", "Date": "2020-01-01", "Net Mass": 1, "Count": 1}'
    bad = write(tmp_path, "bad.jsonl", first + "\n{oops\n")
    with pytest.raises(TableError) as exc:
        read_table(bad, Decl)
    assert exc.value.line == 2


def test_csv_output_is_spreadsheet_friendly_and_atomic(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": [1.5], "b": ["é"]})
    path = write_table(df, tmp_path / "r.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"a;b" in raw
    assert not list(tmp_path.glob(".*partial"))


def test_read_frame_validates_in_memory() -> None:
    frame = pd.DataFrame({"Declaration ID": ["A"], "Date": ["2020-01-01"], "Net Mass": ["x"], "Count": [1]})
    with pytest.raises(TableError) as exc:
        read_frame(frame, Decl, name="lot API")
    assert (exc.value.file, exc.value.line, exc.value.field) == ("lot API", 1, "Net Mass")


def test_extra_columns_line_up_with_records(tmp_path: Path) -> None:
    from iapublique.core.tables import read_extra_columns

    text = "Declaration ID;Date;Net Mass;Count;Fraud;Critical Fraud\nA1;2020-01-02;1;1;1;2\nA2;2020-01-03;2;2;0;0\n"
    path = write(tmp_path, "l.csv", text)
    records = read_table(path, Decl)
    truth = read_extra_columns(path, ["fraud", "critical_fraud", "absent"])
    assert list(truth.columns) == ["fraud", "critical_fraud"]
    assert truth["fraud"].tolist() == [1, 0] and len(truth) == len(records)
