"""Where observations come from.

A source turns a list of ASINs into one `Observation` per ASIN, and fetches image bytes by
link. Two implementations: `replay.ReplaySource` reads a recorded scenario straight from
disk (fast tests), and `spapi.SpApiSource` talks to the SP-API over HTTP (production, and
the demo through the bundled fake server).
"""

from __future__ import annotations

from typing import Iterator, Protocol, Sequence

from ..model import Observation


class Source(Protocol):
    marketplace_id: str

    def observe(self, asins: Sequence[str], with_offers: bool = True) -> Iterator[Observation]:
        """Yield exactly one observation per ASIN, in any order. Never raise for one ASIN.

        `with_offers=False` skips the offers call (variation parents are not for sale).
        """
        ...

    def fetch_image(self, link: str) -> bytes:
        """The image at `link`. Raises `ImageError` when it cannot be had."""
        ...

    def close(self) -> None: ...
