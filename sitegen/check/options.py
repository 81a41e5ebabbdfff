"""What a check run is asked to do (light to import: the command line reads the defaults)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sitegen.check.external import ClientOptions


@dataclass(frozen=True)
class Limits:
    max_mb: float = 8.0       # an original photo larger than this (bytes on disk)…
    max_px: int = 6000        # …or wider or taller than this is reported


@dataclass(frozen=True)
class CheckOptions:
    site: Path
    external: bool = False               # check links to other sites over the network
    limits: Limits = Limits()            # oversized original photos
    client: ClientOptions = ClientOptions()
    now: datetime | None = None          # "now" for drafts and scheduled articles; tests pin it
