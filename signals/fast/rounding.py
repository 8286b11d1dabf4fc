"""round(x, 8) as Python computes it, in compiled loops."""

import math

from signals.document import PRECISION
from signals.fast.jit import compiled

SCALE = 10.0 ** PRECISION
EXACT_LIMIT = 2.0 ** 52 / SCALE  # below it, x * 10**8 has a fractional part the code below can round exactly
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitting constant


@compiled
def rounded(x: float) -> float:
    """round(x, 8) for 0 <= x < EXACT_LIMIT; NaN beyond (the caller then asks Python).

    Python rounds the exact binary value of x to 8 decimals, half to even, and reads that decimal back correctly
    rounded. Here: x * 10**8 = p + e exactly (Dekker's product; 10**8 has 27 bits, so it needs no split), the
    exact sum rounded half to even to an integer r, and r / 10**8, which IEEE division rounds correctly."""
    if not 0.0 <= x < EXACT_LIMIT:
        return math.nan
    p = x * SCALE
    c = _SPLIT * x
    high = c - (c - x)
    low = x - high
    e = (high * SCALE - p) + low * SCALE
    f = math.floor(p)
    fraction = p - f  # exact: p < 2**52
    if fraction >= 0.25:  # otherwise fraction + e is below one half (|e| <= ulp(p) / 2 <= 1/4)
        above = (fraction - 0.5) + e  # exact sign: fraction - 0.5 is exact here, and a float sum keeps the sign
        if above > 0.0 or (above == 0.0 and f % 2.0 == 1.0):
            f += 1.0
    return f / SCALE
