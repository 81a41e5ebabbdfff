"""What a body's local links and images resolve to: the contract between the Markdown renderer
(markup.py), which asks, and the content's resolver (resources.py), which answers. Kept apart from
markup.py so that a build with no body to render never imports Python-Markdown."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sitegen.model import Picture


@dataclass(frozen=True)
class Resolved:
    url: str
    width: int | None = None
    height: int | None = None
    picture: "Picture | None" = None     # a processed image: srcset, WebP/AVIF sources
    alt: str | None = None               # the front matter's alt text and credit for this photo,
    credit: str | None = None            # used by a figure of the same file in the body


@dataclass(frozen=True)
class LinkProblem:
    target: str
    field: str          # "image" or "link"
    message: str
    hint: str


class Resolver(Protocol):
    def __call__(self, target: str, is_image: bool) -> Resolved | LinkProblem | None: ...
