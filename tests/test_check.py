"""`sitegen check` from the command line: the clean sample site, exit codes 0/1/2 with and without
--strict, findings grouped by file and counted. Each kind of finding is tested in tests/check/."""
from __future__ import annotations

import re

from check.conftest import NOW, make_site, write
from sitegen.check.findings import format_finding
from sitegen.check.options import CheckOptions
from sitegen.check.runner import run_check
from sitetest import REPO, copy_site

LINE = re.compile(r"^(?:warning: )?(?P<path>[^:\s]+)(?::(?P<line>\d+))?: (?P<text>.+)$")


def test_the_sample_site_has_nothing_to_report(cli):
    run = cli("check", "--site", str(REPO), "--strict")
    assert run.code == 0, run.out
    lines = run.out.strip().splitlines()
    assert lines[-1] == "No problems found."
    assert all(not LINE.match(line) for line in lines), run.out
    result = run_check(CheckOptions(site=REPO))
    assert result.findings == [] and result.built


def test_a_clean_site_exits_0_even_with_strict(tmp_path, cli):
    site = make_site(tmp_path / "site")
    for args in ((), ("--strict",)):
        run = cli("check", "--site", str(site), *args)
        assert run.code == 0, run.out
        assert run.out.strip().splitlines()[-1] == "No problems found."


def test_warnings_exit_0_and_1_with_strict(tmp_path, cli):
    site = make_site(tmp_path / "site")
    md = site / "content/tin-tuc/tap-huan.md"
    md.write_text(md.read_text("utf-8").replace("author: Phòng Tổ chức\n", ""), "utf-8")
    run = cli("check", "--site", str(site))
    assert run.code == 0, run.out
    assert ("warning: content/tin-tuc/tap-huan.md:1: author: is missing (portal rules require the author, "
            "e.g. author: Phòng Truyền thông)") in run.out.splitlines()
    assert run.out.strip().splitlines()[-1] == "0 errors and 1 warning in 1 file."
    assert cli("check", "--site", str(site), "--strict").code == 1


def test_errors_exit_1_grouped_by_file_and_counted(tmp_path, cli):
    site = make_site(tmp_path / "site")
    write(site, "content/tin-tuc/lien-ket.md", "---\ntitle: Bài có liên kết hỏng\ndate: 2024-02-01 08:00\n"
          "summary: Tóm tắt.\nauthor: Phòng Truyền thông\n---\n\nXem [trang cũ](/trang-cu/).\n")
    md = site / "content/tin-tuc/tap-huan.md"
    md.write_text(md.read_text("utf-8").replace("summary: Sở Kiểm tra mở lớp tập huấn nghiệp vụ văn thư cho "
                                                "công chức.\n", ""), "utf-8")
    run = cli("check", "--site", str(site))
    assert run.code == 1
    assert run.out.splitlines() == [
        "warning: content/tin-tuc/lien-ket.md:1: source: is missing (portal rules require the source, e.g. "
        "source: Cổng TTĐT Bộ Nội vụ, or source: {name: ..., url: https://...})",
        "content/tin-tuc/lien-ket.md:8: body: link '/trang-cu/' leads nowhere: the site has no page /trang-cu/ "
        "(check the address; a link to another article may name its file, e.g. ../khac/bai-viet.md)",
        "",
        "warning: content/tin-tuc/tap-huan.md:1: summary: is missing (write the sapo: one or two sentences "
        "shown in bold under the title)",
        "",
        "1 error and 2 warnings in 2 files.",
    ]


def test_build_errors_are_findings_and_links_wait_for_a_good_build(tmp_path, cli):
    site = make_site(tmp_path / "site")
    md = site / "content/tin-tuc/tap-huan.md"
    md.write_text(md.read_text("utf-8").replace("date: 2024-03-05 10:00", "date: 31/02/2024 10:00")
                  + "\n[Hỏng](/khong-co/)\n", "utf-8")
    result = run_check(CheckOptions(site=site, now=NOW))
    assert not result.built
    errors = [format_finding(e) for e in result.errors]
    assert ("content/tin-tuc/tap-huan.md:3: date: '31/02/2024 10:00' is not a real date: 02/2024 has 29 days "
            "(write it as 2024-01-09 14:18 or 09/01/2024 14:18)") in errors
    assert not any("/khong-co/" in e for e in errors)
    run = cli("check", "--site", str(site))
    assert run.code == 1
    assert "Links and anchors were not checked because the build failed: fix its errors first." in run.out


def test_usage_errors_exit_2(tmp_path, cli):
    assert cli("check", "--site", str(tmp_path / "nowhere")).code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    run = cli("check", "--site", str(empty))
    assert run.code == 2 and "no site.toml" in run.err
    site = make_site(tmp_path / "site")
    assert cli("check", "--site", str(site), "--max-photo-mb", "0").code == 2
    assert cli("check", "--site", str(site), "--bogus").code == 2


def test_an_invalid_site_toml_is_reported_and_nothing_else(tmp_path, cli):
    site = make_site(tmp_path / "site")
    toml = site / "site.toml"
    toml.write_text(toml.read_text("utf-8").replace('title = "', 'titel = "', 1), "utf-8")
    run = cli("check", "--site", str(site))
    assert run.code == 1
    assert "site.toml:1: titel: unknown setting (did you mean 'title'?)" in run.out.splitlines()
    assert "Nothing else was checked: fix site.toml first." in run.out


def test_python_m_sitegen_check(tmp_path):
    import os
    import subprocess
    import sys
    site = make_site(tmp_path / "site")
    run = subprocess.run([sys.executable, "-m", "sitegen", "check", "--site", str(site)], capture_output=True,
                         text=True, env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip() == "No problems found."


def test_a_check_leaves_no_build_cache_behind(tmp_path):
    site = copy_site("basic", tmp_path)
    for _ in range(2):
        run_check(CheckOptions(site=site))
    folder = site / ".cache" / "build"       # each check builds into a new temporary folder
    assert not folder.exists() or sorted(p.name for p in folder.iterdir()) == []
