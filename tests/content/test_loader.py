"""Walking content/: which files are read, how they are decoded, and what is refused."""
from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from sitegen.content.loader import relative, walk_content
from sitegen.errors import Report
from sitetest import to_cp1258

ARTICLE = "---\ntitle: Hội nghị\ndate: 2024-01-09\n---\n\nNội dung.\n"


def make(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return root


def walk(root: Path):
    report = Report()
    return walk_content(root, report), report


def test_files_are_found_in_a_stable_order_and_classified(tmp_path):
    make(tmp_path, {"content/tin-tuc/b.md": ARTICLE, "content/tin-tuc/a.md": ARTICLE,
                    "content/tin-tuc/_index.md": "---\ntitle: Tin\n---\n",
                    "content/tin-tuc/bai/index.md": ARTICLE, "content/tin-tuc/bai/anh.jpg": b"\xff\xd8",
                    "content/gioi-thieu.md": ARTICLE, "content/tin-tuc/bai-en/index.en.md": ARTICLE})
    found, report = walk(tmp_path)
    assert not report.items
    assert [f.content_rel for f in found] == ["gioi-thieu.md", "tin-tuc/_index.md", "tin-tuc/a.md",
                                              "tin-tuc/b.md", "tin-tuc/bai/index.md", "tin-tuc/bai-en/index.en.md"]
    by = {f.content_rel: f for f in found}
    assert by["tin-tuc/bai/index.md"].is_bundle and by["tin-tuc/bai-en/index.en.md"].is_bundle
    assert by["tin-tuc/_index.md"].is_section_index and not by["tin-tuc/_index.md"].is_bundle
    assert not by["tin-tuc/a.md"].is_bundle
    assert by["tin-tuc/a.md"].rel == "content/tin-tuc/a.md"


def test_hidden_backup_and_editor_files_are_skipped(tmp_path):
    make(tmp_path, {"content/tin-tuc/a.md": ARTICLE, "content/tin-tuc/.a.md": ARTICLE,
                    "content/tin-tuc/a.md~": ARTICLE, "content/tin-tuc/#a.md#": ARTICLE,
                    "content/.git/config.md": ARTICLE, "content/tin-tuc/ghi-chu.txt": "x"})
    found, _ = walk(tmp_path)
    assert [f.content_rel for f in found] == ["tin-tuc/a.md"]


def test_text_is_nfc_with_unix_newlines_and_no_bom(tmp_path):
    decomposed = unicodedata.normalize("NFD", ARTICLE).replace("\n", "\r\n").encode("utf-8")
    make(tmp_path, {"content/tin-tuc/a.md": b"\xef\xbb\xbf" + decomposed})
    [src], report = walk(tmp_path)
    assert not report.items
    assert src.text == ARTICLE


def test_file_that_is_not_utf8_is_reported_with_its_line(tmp_path):
    make(tmp_path, {"content/tin-tuc/a.md": to_cp1258(ARTICLE)})
    found, report = walk(tmp_path)
    assert found == []
    [err] = report.errors
    assert (err.path, err.line, err.field) == ("content/tin-tuc/a.md", 2, "encoding")
    assert "Windows-1258" in err.message


def test_binary_file_with_md_name_is_reported(tmp_path):
    make(tmp_path, {"content/tin-tuc/a.md": b"---\ntitle: x\x00\x00\n---\n"})
    found, report = walk(tmp_path)
    assert found == [] and [e.field for e in report.errors] == ["encoding"]


def test_missing_content_folder(tmp_path):
    found, report = walk(tmp_path)
    assert found == [] and report.errors and report.errors[0].path == "content"


def test_symlinks(tmp_path):
    make(tmp_path, {"content/tin-tuc/a.md": ARTICLE, "outside/b.md": ARTICLE})
    os.symlink(tmp_path / "content/tin-tuc/a.md", tmp_path / "content/tin-tuc/lien-ket-trong.md")
    os.symlink(tmp_path / "outside/b.md", tmp_path / "content/tin-tuc/lien-ket-ngoai.md")
    os.symlink(tmp_path / "outside", tmp_path / "content/thu-muc-ngoai")
    os.symlink(tmp_path / "content/khong-co.md", tmp_path / "content/tin-tuc/hong.md")
    os.symlink("vong.md", tmp_path / "content/tin-tuc/vong.md")
    found, report = walk(tmp_path)
    assert sorted(f.content_rel for f in found) == ["tin-tuc/a.md", "tin-tuc/lien-ket-trong.md"]
    errors = {e.path: e for e in report.errors}
    assert set(errors) == {"content/tin-tuc/lien-ket-ngoai.md", "content/thu-muc-ngoai",
                           "content/tin-tuc/hong.md", "content/tin-tuc/vong.md"}
    assert all(e.field == "symlink" for e in errors.values())
    assert "outside content/" in errors["content/thu-muc-ngoai"].message


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "ab", "content", "bài", ".x"]), max_size=4),
       st.lists(st.sampled_from(["a", "b", "ab", "content", "bài", ".x"]), max_size=4),
       st.booleans())
def test_relative_paths_are_pathlibs(base, rest, absolute):
    """loader.relative reads paths' text; it must answer as PurePath.relative_to, or raise as it."""
    root = Path("/" if absolute else ".")
    b, p = root.joinpath(*base), root.joinpath(*base[:1], *rest)
    try:
        want = p.relative_to(b).as_posix()
    except ValueError:
        with pytest.raises(ValueError):
            relative(p, b)
    else:
        assert relative(p, b) == want
