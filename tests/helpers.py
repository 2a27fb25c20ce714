"""Builders shared by the pipeline, alert and CLI tests: snapshots and real images."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Iterator, Sequence

from PIL import Image, ImageDraw

from watcher.errors import ImageError
from watcher.model import BrowseNode, Catalog, MainImage, Observation, Offer, Offers, Snapshot

ME = "A2DEMOSELLER01"


def product_image(colour: tuple[int, int, int] = (200, 30, 30), size: int = 1000, shape: str = "bag") -> bytes:
    """A product on white: a body and a handle, like a bag photo. Real JPEG bytes."""
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    s = size / 100
    if shape == "bag":
        draw.rounded_rectangle((20 * s, 35 * s, 80 * s, 90 * s), radius=int(6 * s), fill=colour)
        draw.arc((32 * s, 10 * s, 68 * s, 50 * s), 180, 360, fill=colour, width=int(4 * s))
        draw.rectangle((45 * s, 55 * s, 55 * s, 62 * s), fill=(240, 220, 120))
    else:  # a pen: long and thin, diagonal
        draw.line((15 * s, 85 * s, 85 * s, 15 * s), fill=colour, width=int(7 * s))
        draw.ellipse((78 * s, 10 * s, 90 * s, 22 * s), fill=(40, 40, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def catalog(
    title: str = "本革 ショルダーバッグ レディース 赤",
    image_id: str = "61RedBag001",
    node: tuple[str, str] = ("2221077051", "ショルダーバッグ"),
    parents: tuple[str, ...] = (),
    brand: str = "ミナト革工房",
    product_type: str = "HANDBAG",
) -> Catalog:
    return Catalog(
        title=title,
        brand=brand,
        browse_node=BrowseNode(node[0], node[1], ("ファッション", node[1])),
        product_type=product_type,
        item_classification="BASE_PRODUCT",
        main_image=MainImage(f"https://m.media-amazon.com/images/I/{image_id}._AC_SL1000_.jpg", image_id, 1000, 1000),
        gallery_image_ids=("51Gal000001",),
        parent_asins=parents,
        sales_rank_ids=("2221077051",),
    )


def offers(*others: str, buybox: str = ME) -> Offers:
    mine = Offer(ME, "AFN", buybox=buybox == ME, mine=True)
    rest = tuple(Offer(s, "MFN", buybox=buybox == s) for s in others)
    return Offers(offers=(mine, *rest), total=1 + len(rest))


def ok(asin: str, cat: Catalog, off: Offers | None = None) -> Observation:
    return Observation(Snapshot(asin, "ok", catalog=cat, offers=off if off is not None else offers()),
                       raw_catalog={"asin": asin, "summaries": [{"itemName": cat.title}]},
                       raw_offers={"ASIN": asin})


def failed(asin: str) -> Observation:
    return Observation(Snapshot(asin, "fetch_failed", error="HTTP 503 after 5 tries"))


def not_found(asin: str) -> Observation:
    return Observation(Snapshot(asin, "not_found"))


class ListSource:
    """A source that hands out prepared observations (the HTTP client has its own tests)."""

    marketplace_id = "A1VC38T7YXB528"

    def __init__(self, observations: Sequence[Observation], images: dict[str, bytes]):
        self.by_asin = {o.snapshot.asin: o for o in observations}
        self.images = images
        self.image_fetches: list[str] = []

    def observe(self, asins: Sequence[str], with_offers: bool = True) -> Iterator[Observation]:
        for asin in asins:
            obs = self.by_asin.get(asin) or not_found(asin)
            if not with_offers and obs.snapshot.catalog is not None:
                obs = replace(obs, snapshot=replace(obs.snapshot, offers=None), raw_offers=None)
            yield obs

    def fetch_image(self, link: str) -> bytes:
        self.image_fetches.append(link)
        image_id = link.rsplit("/", 1)[-1].split(".", 1)[0]
        if image_id not in self.images:
            raise ImageError(f"HTTP 404 for image {image_id}")
        return self.images[image_id]

    def close(self) -> None:
        pass


class DiesAfter(ListSource):
    """A source that hands out `n` watched ASINs, then raises `error`: a run killed midway."""

    def __init__(self, observations: Sequence[Observation], images: dict[str, bytes], n: int,
                 error: BaseException):
        super().__init__(observations, images)
        self.n, self.error = n, error

    def observe(self, asins: Sequence[str], with_offers: bool = True) -> Iterator[Observation]:
        for i, obs in enumerate(super().observe(asins, with_offers)):
            if i == self.n:
                raise self.error
            yield obs
