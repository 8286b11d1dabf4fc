"""round(x, 8) as Python computes it, in compiled loops."""

import math

from signals.document import PRECISION
from signals.jit import compiled

SCALE = 10.0 ** PRECISION
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitting constant
_COARSE = 2.0 ** 26  # from here on a float's step (>= 2**-26) is wider than 10**-8: rounding gives x back
_INTEGRAL = 2.0 ** 52  # from here on every float is an integer


@compiled
def rounded(x: float) -> float:
    """round(x, 8) for a finite x.

    Python rounds the exact binary value of x to 8 decimals, half to even, and reads that decimal back correctly
    rounded. Here: |x| * 10**8 = p + e exactly (Dekker's product; 10**8 has 27 bits, so it needs no split), the
    exact sum rounded half to even to an integer r (below 2**53, so exact), and r / 10**8, which IEEE division
    rounds correctly."""
    a = abs(x)
    if a >= _COARSE:
        return x
    p = a * SCALE
    c = _SPLIT * a
    high = c - (c - a)
    low = a - high
    e = (high * SCALE - p) + low * SCALE
    f = math.floor(p)
    if p >= _INTEGRAL:  # p is an integer and |e| <= 1/2: only an exact half can move it
        if abs(e) == 0.5 and f % 2.0 == 1.0:
            f += math.copysign(1.0, e)
    else:
        fraction = p - f  # exact
        if fraction >= 0.25:  # otherwise fraction + e is below one half (|e| <= ulp(p) / 2 <= 1/4)
            above = (fraction - 0.5) + e  # exact sign: fraction - 0.5 is exact here, and a float sum keeps it
            if above > 0.0 or (above == 0.0 and f % 2.0 == 1.0):
                f += 1.0
    return math.copysign(f / SCALE, x)
