"""The cache in <site>/.cache/images/: a second build decodes and writes no image; changed photos and
settings give new names and the old files are pruned; a damaged cache entry is thrown away and made
again; only images the site uses are written; the work runs in several processes."""
from __future__ import annotations

import json

import pytest
from PIL import Image

from imagetest import media_files, noise, save_jpeg
from sitegen.media.pipeline import cpu_count


def cache_state(photo_site) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in photo_site.cache.iterdir() if not p.name.startswith(".")
            and p.name != "index.json"}


def site_with_photos(photo_site, n: int = 3):
    folder = photo_site.bundle("bai-anh")
    for i in range(n):
        save_jpeg(folder / f"anh-{i}.jpg", noise(800, 600, seed=i))
    photo_site.article(photos=[{"src": f"anh-{i}.jpg", "caption": f"Ảnh {i}"} for i in range(n)])


def test_second_build_processes_nothing(photo_site, builder):
    site_with_photos(photo_site)
    first = builder(photo_site.root)
    assert first.result.images.sources == 3 and first.result.images.processed == 3
    assert first.result.images.written > 0
    before = cache_state(photo_site)
    assert len(before) == first.result.images.written

    second = builder(photo_site.root)
    assert second.result.images.processed == 0 and second.result.images.written == 0
    assert cache_state(photo_site) == before, "no cache file was rewritten"
    assert {n: p.read_bytes() for n, p in media_files(first.out).items()} == \
           {n: p.read_bytes() for n, p in media_files(second.out).items()}, "the same files, byte for byte"


def test_a_changed_photo_gets_new_names_and_the_old_files_are_pruned(photo_site, builder):
    site_with_photos(photo_site)
    first = builder(photo_site.root)
    old = set(media_files(first.out, "anh-0"))
    save_jpeg(photo_site.bundle("bai-anh") / "anh-0.jpg", noise(800, 600, seed=99))
    second = builder(photo_site.root)
    assert second.result.images.processed == 1, "only the changed photo is decoded again"
    new = set(media_files(second.out, "anh-0"))
    assert new and not new & old, "a changed photo gets new URLs (browsers cache the old ones forever)"
    assert not old & set(cache_state(photo_site)), "the old files left the cache"
    assert second.result.images.pruned == len(old)
    assert set(media_files(second.out, "anh-1")) == set(media_files(first.out, "anh-1"))


def test_a_changed_setting_gives_new_names(photo_site, builder):
    site_with_photos(photo_site, 1)
    first = set(media_files(builder(photo_site.root).out))
    photo_site.images("quality = 60")
    second = builder(photo_site.root)
    assert second.result.images.processed == 1
    assert not first & set(media_files(second.out))


def test_a_removed_photo_leaves_the_cache(photo_site, builder):
    site_with_photos(photo_site, 2)
    builder(photo_site.root)
    photo_site.article(photos=[{"src": "anh-1.jpg", "caption": "Ảnh 1"}])
    built = builder(photo_site.root)
    assert not media_files(built.out, "anh-0")
    assert not [n for n in cache_state(photo_site) if n.startswith("anh-0-")]


def test_a_damaged_cache_entry_is_discarded_and_made_again(photo_site, builder):
    site_with_photos(photo_site, 1)
    first = builder(photo_site.root)
    names = sorted(cache_state(photo_site))
    damaged, truncated, deleted = names[0], names[1], names[2]
    (photo_site.cache / damaged).write_bytes(b"not an image any more")
    data = (photo_site.cache / truncated).read_bytes()
    (photo_site.cache / truncated).write_bytes(data[: len(data) // 2])
    (photo_site.cache / deleted).unlink()
    second = builder(photo_site.root)
    assert second.result.images.processed == 1 and second.result.images.discarded == 2
    for name in (damaged, truncated, deleted):
        assert (second.out / "media" / name).read_bytes() == (first.out / "media" / name).read_bytes()
        with Image.open(second.out / "media" / name) as im:
            im.load()


def test_a_small_rendition_made_again_alone_has_the_bytes_it_had(photo_site, builder):
    """A JPEG is decoded at a reduced scale when every file made from it is small enough: chosen
    from all the image's files, not only the missing ones, or a lost small rendition came back
    decoded at 1/8 and with other bytes than a clean build's."""
    site_with_photos(photo_site, 1)
    first = builder(photo_site.root)
    smallest = min(cache_state(photo_site), key=lambda n: (photo_site.cache / n).stat().st_size)
    (photo_site.cache / smallest).unlink()
    second = builder(photo_site.root)
    assert second.result.images.processed == 1
    assert (second.out / "media" / smallest).read_bytes() == (first.out / "media" / smallest).read_bytes()


def test_a_folder_where_a_cached_file_belongs_is_discarded_and_the_file_made_again(photo_site, builder):
    """It failed the build ("could not be written to the image cache: Is a directory")."""
    site_with_photos(photo_site, 1)
    first = builder(photo_site.root)
    name = sorted(cache_state(photo_site))[0]
    (photo_site.cache / name).unlink()
    (photo_site.cache / name).mkdir()
    (photo_site.cache / name / "x").write_bytes(b"not ours")
    second = builder(photo_site.root)
    assert second.result.images.processed == 1 and second.result.images.discarded >= 1
    assert (photo_site.cache / name).is_file()
    assert (second.out / "media" / name).read_bytes() == (first.out / "media" / name).read_bytes()


def test_a_lost_or_broken_index_only_costs_time(photo_site, builder):
    site_with_photos(photo_site, 1)
    first = builder(photo_site.root)
    (photo_site.cache / "index.json").write_text("{broken", "utf-8")
    second = builder(photo_site.root)
    assert second.result.images.processed == 1
    assert {n: p.read_bytes() for n, p in media_files(first.out).items()} == \
           {n: p.read_bytes() for n, p in media_files(second.out).items()}
    [warning] = [str(w) for w in second.result.warnings if "index.json" in str(w)]   # said, once
    assert warning.startswith(".cache/images/index.json:") and "damaged" in warning
    third = builder(photo_site.root)
    assert third.result.images.processed == 0
    assert not [w for w in third.result.warnings if "index.json" in str(w)]
    (photo_site.cache / "index.json").unlink()                                       # lost: no warning
    assert not [w for w in builder(photo_site.root).result.warnings if "index.json" in str(w)]


@pytest.mark.parametrize("damage", ["sources", "entries", "probes", "probe-types", "top"])
def test_an_index_of_other_shapes_only_costs_time(photo_site, builder, damage):
    """Items of the index that are not what sitegen writes are left out, one by one (a source
    noted as a number crashed the build)."""
    site_with_photos(photo_site, 1)
    first = builder(photo_site.root)
    path = photo_site.cache / "index.json"
    data = json.loads(path.read_text("utf-8"))
    if damage == "sources":
        data["sources"] = {k: 5 for k in data["sources"]}
    elif damage == "entries":
        data["entries"] = {k: "x" for k in data["entries"]}
    elif damage == "probes":
        data["probes"] = {k: [] for k in data["probes"]}
    elif damage == "probe-types":
        data["probes"] = {k: {**v, "width": str(v["width"])} for k, v in data["probes"].items()}
    else:
        data = [data]
    path.write_text(json.dumps(data), "utf-8")
    second = builder(photo_site.root)
    assert {n: p.read_bytes() for n, p in media_files(first.out).items()} == \
           {n: p.read_bytes() for n, p in media_files(second.out).items()}
    assert builder(photo_site.root).result.images.processed == 0


def test_only_images_the_site_uses_are_written(photo_site, builder):
    folder = photo_site.bundle("bai-anh")
    save_jpeg(folder / "dung.jpg", noise(300, 200))
    save_jpeg(folder / "khong-dung.jpg", noise(300, 200, seed=2))
    photo_site.article(photos=[{"src": "dung.jpg", "caption": "Ảnh dùng"}])
    draft = photo_site.bundle("ban-nhap")
    save_jpeg(draft / "nhap.jpg", noise(300, 200, seed=3))
    photo_site.article("ban-nhap", photos=[{"src": "nhap.jpg", "caption": "Nháp"}], extra="draft: true")
    built = builder(photo_site.root)
    stems = {name.split("-")[0] for name in media_files(built.out)}
    assert stems == {"dung"}
    published = {p.name for p in built.out.rglob("*")}
    assert not published & {"dung.jpg", "khong-dung.jpg", "nhap.jpg"}
    # Inline-only photos get no thumbnail and no Open Graph copy: nothing shows them.
    assert built.result.images.outputs == len(media_files(built.out))


def test_work_runs_in_several_processes(photo_site, builder):
    site_with_photos(photo_site, 4)
    photo_site.images("workers = 2")
    built = builder(photo_site.root)
    assert built.result.images.workers == 2 and built.result.images.processed == 4


def test_workers_default_to_the_cores(photo_site, builder):
    site_with_photos(photo_site, 3)
    built = builder(photo_site.root)
    assert built.result.images.workers == min(cpu_count(), 3)


def test_a_site_folder_without_a_usable_cache_still_builds(photo_site, builder):
    site_with_photos(photo_site, 1)
    photo_site.cache.parent.write_text("a file where the cache folder would go", "utf-8")
    built = builder(photo_site.root)
    assert built.result.images.processed == 1 and media_files(built.out)
    assert photo_site.cache.parent.read_text("utf-8").startswith("a file"), "left alone"
