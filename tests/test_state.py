"""lca.state: the project state file, through the public methods the set-up, integrity and imports use."""
import json

import pytest

import lca
from lca.state import ProjectState


def test_state_reads_writes_and_counts_writes(tmp_path):
    st = ProjectState(tmp_path / "green-lca.json")
    assert not st.exists() and st.read() == {} and st.generation is None and st.pending() == []
    st.bump(setup_complete=True)
    st.bump()
    on_disk = json.loads((tmp_path / "green-lca.json").read_text(encoding="utf-8"))
    assert on_disk == {"setup_complete": True, "generation": 2}
    st.set("background_swap", {"tmp": "x.importing"})  # no generation bump
    assert st.generation == 2 and st.get("background_swap") == {"tmp": "x.importing"}
    st.set("background_swap", None)
    assert "background_swap" not in st.read()


def test_pending_marks_are_a_list_and_each_change_bumps_the_generation(tmp_path):
    st = ProjectState(tmp_path / "s.json")
    st.set_pending("a", True)
    st.set_pending("b", True)
    st.set_pending("a", True)  # once only
    assert st.pending() == ["b", "a"] and st.generation == 3
    st.set_pending("a", False)
    st.set_pending("b", False)
    assert st.pending() == [] and st.read()["pending"] is None and st.generation == 5
    st.write({"pending": "c"})  # an old state file's single name
    assert st.pending() == ["c"]


def test_an_unreadable_state_file_is_refused_naming_the_fix(tmp_path):
    (tmp_path / "s.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(lca.IntegrityError, match="s.json is unreadable.*lca init"):
        ProjectState(tmp_path / "s.json").read()


def test_a_project_exposes_its_state_and_no_private_state_protocol(tmp_path):
    proj = lca.open_project(tmp_path / "p", setup=False)
    assert isinstance(proj.state, ProjectState) and proj.state.path == proj.state_path
    for gone in ("_state", "_save_state", "_bump", "_pending", "_set_pending", "_forget", "_rebuild",
                 "_journal_path", "_check_integrity", "_setup"):
        assert not hasattr(proj, gone), gone
