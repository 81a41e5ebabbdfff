"""Internal links, #anchors and raw-HTML images in article bodies that lead nowhere."""
from __future__ import annotations

from check.conftest import check, found, write

FM = "---\ntitle: Bài kiểm tra liên kết\ndate: 2024-02-01 08:00\nsummary: Tóm tắt.\nauthor: Phòng Truyền thông\n" \
     "source: Sở Kiểm tra\n---\n\n"          # the body starts on line 9; URL /tin-tuc/2024/02/lien-ket/
REL = "content/tin-tuc/lien-ket.md"


def plant(site, body: str) -> list:
    write(site, REL, FM + body)
    return found(check(site))


def test_working_links_and_anchors_are_not_reported(site):
    assert plant(site, "[Mục](#muc-mot) [Hội nghị](/tin-tuc/2024/01/hoi-nghi/#ket-qua-noi-bat) "
                       "[Bài](hoi-nghi/index.md#ket-qua-noi-bat) [Về đầu trang](#top) "
                       "[Địa chỉ đầy đủ](https://kiem-tra.example.gov.vn/gioi-thieu/) "
                       "[Không có gạch chéo](/gioi-thieu) [Thư](mailto:a@example.gov.vn) [RSS](/rss.xml)\n\n"
                       "## Mục một\n\nNội dung.[^1]\n\n[^1]: Chú thích cuối trang.\n") == []


def test_a_page_that_does_not_exist(site):
    assert plant(site, "Đoạn đầu.\n\nXem [tin cũ](/tin-tuc/2020/01/khong-co/).\n") == [
        (REL, 11, "body: link '/tin-tuc/2020/01/khong-co/' leads nowhere: the site has no page "
                  "/tin-tuc/2020/01/khong-co/ (check the address; a link to another article may name its file, "
                  "e.g. ../khac/bai-viet.md)", False)]


def test_a_full_address_of_the_site_itself_is_checked_too(site):
    assert plant(site, "[Cũ](https://kiem-tra.example.gov.vn/trang-cu.html)\n") == [
        (REL, 9, "body: link 'https://kiem-tra.example.gov.vn/trang-cu.html' leads nowhere: the site has no page "
                 "/trang-cu.html (check the address; a link to another article may name its file, "
                 "e.g. ../khac/bai-viet.md)", False)]


def test_a_relative_folder_link_is_resolved_from_the_article_url(site):
    # The bundle's folder is content/tin-tuc/hoi-nghi/, but a browser on /tin-tuc/2024/02/lien-ket/ goes to
    # /tin-tuc/2024/02/lien-ket/hoi-nghi/; the article's file is what to link to.
    assert plant(site, "[Đúng](hoi-nghi/index.md)\n\n[Sai](hoi-nghi/)\n") == [
        (REL, 11, "body: link 'hoi-nghi/' leads nowhere: the site has no page /tin-tuc/2024/02/lien-ket/hoi-nghi/ "
                  "(check the address; a link to another article may name its file, e.g. ../khac/bai-viet.md)",
         False)]


def test_an_anchor_missing_on_the_same_page(site):
    assert plant(site, "## Kết quả\n\nXem [phần kết quả](#ket-qua-dat-duoc).\n") == [
        (REL, 11, "body: link '#ket-qua-dat-duoc' leads nowhere: /tin-tuc/2024/02/lien-ket/ has no element with "
                  "id 'ket-qua-dat-duoc' (did you mean 'ket-qua'?)", False)]


def test_an_anchor_missing_in_another_article_with_a_suggestion(site):
    assert plant(site, "Một.\n\nHai.\n\nXem [nội dung](tap-huan.md#noi-dun).\n") == [
        (REL, 13, "body: link 'tap-huan.md#noi-dun' leads nowhere: /tin-tuc/2024/03/tap-huan/ has no element "
                  "with id 'noi-dun' (did you mean 'noi-dung'?)", False)]


def test_an_anchor_missing_behind_a_site_path_and_in_raw_html(site):
    assert plant(site, '[Lịch sử](/gioi-thieu/#lich-su)\n\n<p><a href="/tin-tuc/2024/03/tap-huan/#bai-tap">'
                       'bài tập</a></p>\n') == [
        (REL, 9, "body: link '/gioi-thieu/#lich-su' leads nowhere: /gioi-thieu/ has no element with id 'lich-su' "
                 "(a heading's id is made from its text: '## Kết quả đạt được' → #ket-qua-dat-duoc)", False),
        (REL, 11, "body: link '/tin-tuc/2024/03/tap-huan/#bai-tap' leads nowhere: /tin-tuc/2024/03/tap-huan/ has no "
                  "element with id 'bai-tap' (a heading's id is made from its text: '## Kết quả đạt được' → "
                  "#ket-qua-dat-duoc)", False)]


def test_an_anchor_behind_an_alias_follows_the_redirect(site):
    md = site / "content/tin-tuc/tap-huan.md"
    md.write_text(md.read_text("utf-8").replace("---\n\n", "aliases: [/tin-cu/tap-huan.html]\n---\n\n", 1), "utf-8")
    assert plant(site, "[Đúng](/tin-cu/tap-huan.html#noi-dung) [Sai](/tin-cu/tap-huan.html#khong-co)\n") == [
        (REL, 9, "body: link '/tin-cu/tap-huan.html#khong-co' leads nowhere: /tin-cu/tap-huan.html has no element "
                 "with id 'khong-co' (a heading's id is made from its text: '## Kết quả đạt được' → "
                 "#ket-qua-dat-duoc)", False)]


def test_raw_html_images_and_links_are_checked_against_the_built_site(site):
    # The build resolves Markdown; raw HTML is left as written, so a bundle's file it names is not published.
    assert plant(site, 'Ảnh: <img src="anh-khong-co.jpg" alt="Ảnh minh họa">\n\n'
                       '<a href="tai-lieu.pdf">Tài liệu</a> <img src="/images/quoc-huy.svg" alt="Quốc huy">\n') == [
        (REL, 9, "body: image 'anh-khong-co.jpg' leads nowhere: the site has no file "
                 "/tin-tuc/2024/02/lien-ket/anh-khong-co.jpg (put the image beside the article and write "
                 "![Chú thích](anh.jpg))", False),
        (REL, 11, "body: link 'tai-lieu.pdf' leads nowhere: the site has no page /tin-tuc/2024/02/lien-ket/tai-lieu.pdf "
                  "(check the address; a link to another article may name its file, e.g. ../khac/bai-viet.md)",
         False)]


def test_the_same_broken_link_twice_is_reported_on_each_line(site):
    assert [(line, text[:30]) for _, line, text, _ in plant(site, "[A](/x/)\n\nB.\n\n[A lần nữa](/x/)\n")] == [
        (9, "body: link '/x/' leads nowhere"), (13, "body: link '/x/' leads nowhere")]


def test_a_link_from_a_published_article_to_a_draft(site):
    write(site, "content/tin-tuc/nhap.md", "---\ntitle: Bài nháp\ndate: 2024-04-01 08:00\ndraft: true\n"
          "summary: Tóm tắt.\nauthor: Phòng Truyền thông\nsource: Sở Kiểm tra\n---\n\nChưa xong.\n")
    write(site, "content/tin-tuc/sau-nay.md", "---\ntitle: Bài hẹn giờ\ndate: 2099-01-01 08:00\n"
          "summary: Tóm tắt.\nauthor: Phòng Truyền thông\nsource: Sở Kiểm tra\n---\n\nSẽ đăng.\n")
    assert plant(site, "[Nháp](nhap.md)\n\n[Hẹn giờ](sau-nay.md)\n") == [
        (REL, 9, "body: link 'nhap.md' leads to content/tin-tuc/nhap.md, which is a draft (a build without "
                 "--drafts/--future leaves it out, and then this link fails the build)", True),
        (REL, 11, "body: link 'sau-nay.md' leads to content/tin-tuc/sau-nay.md, which is scheduled for later (a build "
                  "without --drafts/--future leaves it out, and then this link fails the build)", True)]


def test_menu_links_in_site_toml_that_lead_nowhere(site):
    toml = site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + '\n[[menu]]\ntitle = "Trang chủ"\nurl = "/"\n\n[[menu]]\n'
                    'title = "Giới thiệu"\nurl = "/gioi-thieu/"\n\n[[menu]]\ntitle = "Sơ đồ cổng"\n'
                    'url = "/so-do-cong/"\n\n[[menu]]\ntitle = "Liên hệ"\nurl = "/lien-he/"\n', "utf-8")
    assert found(check(site)) == [
        ("site.toml", 31, "link '/lien-he/' (Liên hệ) leads nowhere: the site has no page /lien-he/ (fix the url, or "
                          "write the page it names)", False)]


def test_links_to_other_sites_are_counted_but_not_fetched_by_default(site):
    write(site, REL, FM + "[Chính phủ](https://chinhphu.example/) [Lại](https://chinhphu.example/#muc) "
                          "[Khác](http://dichvucong.example/thu-tuc)\n")
    result = check(site)
    assert result.findings == []
    assert result.notes == ["2 links to other sites not checked (use --external)."]
