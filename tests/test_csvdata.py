"""The one CSV reader of inventories/ (lca.csvdata): comments and blank lines skipped, rows numbered by file line."""
from __future__ import annotations

import pytest

from lca import csvdata, inventory, vocabulary
from lca.background import mapping
from lca.errors import InputError


def test_comments_and_blank_lines_are_skipped_and_rows_keep_their_line(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("# a comment before the header\n\ncode,factor\n  # an indented comment\na,1\n\nb,\"2,5\"\n"
                 "# last\n", encoding="utf-8")
    fieldnames, rows = csvdata.read(p)
    assert fieldnames == ["code", "factor"]
    assert rows == [(5, {"code": "a", "factor": "1"}), (7, {"code": "b", "factor": "2,5"})]
    assert csvdata.rows(p) == [{"code": "a", "factor": "1"}, {"code": "b", "factor": "2,5"}]
    empty = tmp_path / "empty.csv"
    empty.write_text("# nothing but a comment\n", encoding="utf-8")
    assert csvdata.read(empty) == ([], [])


def test_a_mapping_error_names_the_file_line_after_comments(tmp_path):
    p = tmp_path / "ecoinvent-9.9-cutoff.csv"
    p.write_text("# source: test\n# second comment\ncode,activity,product,locations,unit,factor,note\n"
                 "ok,act,prod,CN,kilogram,1,\n\n# between\nbad,act,prod,CN,kilogram,-3,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 7, column factor: '-3'"):
        mapping.read_mapping(p)


def test_the_shipped_tables_read_through_it():
    # flows.csv: every alias and gas code of the file (counted here from the raw text, not the reader)
    lines = [ln for ln in (inventory.inventories_dir() / "flows.csv").read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    header = lines[0].split(",")
    aliases = {ln.split(",")[header.index("alias")] for ln in lines[1:]}
    assert aliases and aliases <= set(inventory.flows())
    # a shipped mapping with comment lines at its top: its first data row has the line number after them
    shipped = sorted(mapping.mappings_dir().glob("ecoinvent-*.csv"))[0]
    text = shipped.read_text(encoding="utf-8").splitlines()
    first_data = next(i for i, ln in enumerate(text, 1) if ln.strip() and not ln.lstrip().startswith("#")) + 1
    rows = mapping.read_mapping(shipped)
    assert min(r.line for r in rows.values()) == first_data
    assert len(vocabulary.table("units")) == len(csvdata.rows(vocabulary.vocabulary_dir() / "units.csv")) > 5


def test_a_flow_map_saved_by_a_spreadsheet_reads_and_a_bad_line_is_named(tmp_path):
    from lca.background import flows

    p = tmp_path / "map.csv"
    # Excel's "CSV UTF-8" starts with a byte-order mark; the header must still be recognized
    p.write_bytes("release_uuid,ecoinvent_uuid,note\r\n# from the change report\r\nr-1,e-1,renamed\r\n"
                  .encode("utf-8-sig"))
    assert flows.read_flow_map(p) == {"r-1": "e-1"}
    p.write_text("release_uuid,ecoinvent_uuid\nr-1,e-1\n\nr-2,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"map\.csv, line 4: give both"):
        flows.read_flow_map(p)
