"""Reports rendered from the stored history: the return check and the evidence bundle.

- `check`: what the listing showed at an order time, compared with the seller's baseline.
- `returns`: a Seller Central returns report, read and checked return by return.
- `evidence`: the facts behind a complaint, gathered from the store, and the bundle writer.
- `complaint`: the numbered facts and the case text (Japanese and English).
- `html`: the self-contained evidence page.
- `text`: terminal rendering of check results.

Everything here reads the store and never writes to it; nothing here reads credentials.
"""
