"""lca.files: the one atomic writer, and the staged write a store commits after another step."""
import pytest

from lca import files


def test_a_failing_write_leaves_the_old_content_and_no_temporary(tmp_path):
    target = tmp_path / "state.json"
    files.atomic_write_text(target, "old")

    def half(tmp):
        tmp.write_text("ha")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        files.atomic_write(target, half)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_write_beside_stages_a_hidden_file_the_caller_moves_in(tmp_path):
    final = tmp_path / "sub" / "ACME.json"
    tmp = files.write_beside(final, lambda t: t.write_text("{}"))
    assert tmp.parent == final.parent and tmp.name.startswith(".") and tmp.read_text() == "{}"
    assert not final.exists()  # not moved in yet
    tmp.replace(final)
    assert final.read_text() == "{}" and not tmp.exists()
    with pytest.raises(ValueError):
        files.write_beside(final, lambda t: (t.write_text("x"), int("x")))
    assert sorted(p.name for p in final.parent.iterdir()) == ["ACME.json"]  # no temporary left


def test_file_stamp_changes_when_a_file_is_replaced_even_with_the_same_size_and_time(tmp_path):
    import os

    path = tmp_path / "clients.json"
    assert files.file_stamp(path) is None
    files.atomic_write_text(path, "aaaa")
    before = files.file_stamp(path)
    st = os.stat(path)
    files.atomic_write_text(path, "bbbb")  # same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime
    assert files.file_stamp(path) != before  # a new inode
    d = files.file_stamp(tmp_path)
    (tmp_path / "new.json").write_text("{}")
    assert files.file_stamp(tmp_path) != d  # an entry added to a directory
