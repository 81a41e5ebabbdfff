"""Files an article refers to (photos, inline images, attachments): checked, sized, given a URL."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitegen.content.links import LinkProblem, Resolved
from sitegen.content.schema import Document
from sitegen.media import ImagePlan, ImageProblem, MediaPipeline, SvgPlan, Use

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg"}
# Links to these files in content/ publish the processed photo, never the original (which may
# carry GPS and camera data).
RASTER_EXTS = {".jpg", ".jpeg", ".jpe", ".png", ".gif", ".webp", ".avif", ".tif", ".tiff", ".bmp"}
# SVG drawings in content/ (photos, inline images, links) are published sanitised (sitegen/media/svg.py):
# opened on its own, an SVG is a document that may run scripts.
PROCESSED_EXTS = RASTER_EXTS | {".svg"}
_EXTERNAL = ("http", "https", "mailto", "tel", "data", "ftp")


@lru_cache(maxsize=4096)
def image_size(path: Path, mtime_ns: int) -> tuple[int, int] | None:
    """Width and height from the file's header (Pillow reads no pixels here)."""
    if path.suffix.lower() == ".svg":
        return None
    from PIL import Image      # here: builds that look at no image skip importing Pillow
    try:
        with Image.open(path) as im:
            return im.size
    except Exception:   # a broken image is reported by the image pipeline, not here
        return None


@dataclass
class ArticleResolver:
    """Resolves the local references of one article; remembers files to publish."""

    doc: Document
    article_url: str
    content_dir: Path
    static_dir: Path
    md_urls: dict[str, str]                       # content-relative .md path → its URL
    media: MediaPipeline | None = None            # None: images are published as they are
    files: dict[str, Path] = field(default_factory=dict)   # output URL → source file
    images: list[tuple[str, Path, str]] = field(default_factory=list)   # (target, file, image|link) processed
    described: dict[Path, tuple[str, str | None]] = field(default_factory=dict)   # front-matter alt, credit
    realpaths: dict[Path, Path] = field(default_factory=dict)   # Path.resolve() answers, shared within a build
    answers: dict[tuple, tuple] = field(default_factory=dict)   # site-path answers, shared within a build

    def _real(self, path: Path) -> Path:
        real = self.realpaths.get(path)
        if real is None:
            real = self.realpaths[path] = path.resolve()
        return real

    def _inside(self, path: Path, folder: Path) -> bool:
        return self._real(path).is_relative_to(self._real(folder))

    def __call__(self, target: str, is_image: bool) -> Resolved | LinkProblem | None:
        if not target or target.startswith("#"):
            return None
        if target[0] == "/" and self.answers:     # a site path answered before (see below)
            known = self.answers.get((target, is_image, tuple(self.described.items()) if self.described else ()))
            if known is not None:
                self.images.extend(known[1])
                return known[0]
        kind = "image" if is_image else "link"
        parts = urlsplit(target)
        if parts.scheme or target.startswith("//"):
            if parts.scheme.lower() not in _EXTERNAL:
                return None   # javascript: and friends are removed by the sanitiser
            return None
        path = unquote(parts.path)
        suffix = ("?" + parts.query if parts.query else "") + ("#" + parts.fragment if parts.fragment else "")
        if "\\" in path or "\x00" in path:
            return LinkProblem(target, kind, "is not a valid path", "use forward slashes: anh/quang-canh.jpg")
        if path.startswith("/"):
            # A site path names the same file for every article: answer it once per build (the
            # answer differs only by the alt text and credit this article's photos give the file).
            key = (target, is_image, tuple(self.described.items()) if self.described else ())
            known = self.answers.get(key)
            if known is None:
                n = len(self.images)
                res = self._site_path(target, path, suffix, is_image, kind)
                self.answers[key] = (res, tuple(self.images[n:]))
                return res
            self.images.extend(known[1])
            return known[0]
        return self._relative(target, path, suffix, is_image, kind)

    def _site_path(self, target, path, suffix, is_image, kind):
        rel = os.path.normpath(path.lstrip("/"))
        if rel.startswith("..") or os.path.isabs(rel):
            return LinkProblem(target, kind, "leaves the site", "paths starting with / name files in static/")
        if not is_image and Path(path).suffix.lower() not in IMAGE_EXTS | {".pdf", ".doc", ".docx", ".xls",
                                                                         ".xlsx", ".zip", ".rar", ".txt"}:
            return None   # a page URL of the site: checked by `sitegen check`, not here
        file = self.static_dir / rel
        if not self._inside(file, self.static_dir):
            return LinkProblem(target, kind, "leaves the static/ folder through a link",
                               "copy the file into static/")
        if not file.is_file():
            if path.startswith("/theme/"):
                return None
            return LinkProblem(target, kind, f"does not exist (looked for static/{rel})",
                               "check the file name, or put the file in static/")
        if is_image:
            processed = self._processed(target, file, kind)
            if processed is not None:
                return processed
        return self._sized(path + suffix, file, is_image)

    def _relative(self, target, path, suffix, is_image, kind):
        folder = self.doc.source.folder
        lexical = Path(os.path.normpath(folder / path))
        if not lexical.is_relative_to(self.content_dir) or not self._inside(lexical, self.content_dir):
            return LinkProblem(target, kind, "leaves the content folder",
                               "keep photos and files next to the article, in content/")
        if path.endswith("/") or lexical.is_dir():
            return None
        if lexical.suffix == ".md":
            rel = lexical.relative_to(self.content_dir).as_posix()
            if rel in self.md_urls:
                return Resolved(self.md_urls[rel] + suffix)
            return LinkProblem(target, kind, "links to an article that does not exist or is not published",
                               "check the file name")
        if not lexical.is_file():
            return LinkProblem(target, kind, f"does not exist (looked for {lexical.relative_to(self.content_dir.parent).as_posix()})",
                               "check the file name and that the file is next to the article")
        if is_image or lexical.suffix.lower() in PROCESSED_EXTS:
            processed = self._processed(target, lexical, kind)
            if processed is not None:
                return processed
        return self._sized(self.publish(lexical) + suffix, lexical, is_image)

    def _processed(self, target: str, file: Path, kind: str) -> Resolved | LinkProblem | None:
        """The image pipeline's largest rendition (None: publish the file as it is)."""
        if self.media is None:
            return None
        plan = self.media.plan(file)
        if isinstance(plan, ImageProblem):
            return LinkProblem(target, kind, plan.message, plan.hint)
        if isinstance(plan, SvgPlan):
            use = self._use(target, kind)
            if use.field == "body":
                self.images.append((target, file, kind))   # the build records it with its line
            else:
                self.media.use(file, use)                 # a front-matter photo (no Picture to plan)
            return Resolved(plan.url, plan.width, plan.height)
        if not isinstance(plan, ImagePlan):
            return None   # animated: published unchanged
        self.images.append((target, file, kind))
        pic = plan.picture("full")
        alt, credit = self.described.get(self._real(file), (None, None))
        return Resolved(pic.url, pic.width, pic.height, picture=pic, alt=alt, credit=credit)

    def _use(self, target: str, kind: str) -> Use:
        """Who uses a file, for the image pipeline's errors: a front-matter photo or the body."""
        for i, ref in enumerate(self.doc.photos):
            if ref.src == target:
                fld = f"photos[{i}].src"
                return Use(self.doc.rel, self.doc.line(fld) or ref.line, fld, "photo", target)
        return Use(self.doc.rel, None, "body", kind, target)

    def publish(self, file: Path) -> str:
        """The URL a content file is published at: next to a bundle's page, else mirroring content/."""
        if self.doc.source.is_bundle and file.is_relative_to(self.doc.source.folder):
            url = self.article_url + file.relative_to(self.doc.source.folder).as_posix()
        else:
            url = "/" + file.relative_to(self.content_dir).as_posix()
        self.files[url] = file
        return url

    def _sized(self, url: str, file: Path, is_image: bool) -> Resolved:
        if is_image:
            size = image_size(file, file.stat().st_mtime_ns)
            if size:
                return Resolved(url, *size)
        return Resolved(url)

