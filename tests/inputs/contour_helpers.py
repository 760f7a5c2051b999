"""Helpers of the contour and limit-file tests: an interpolation done by hand."""

import math


def loglog(mass, m0, m1, v0, v1):
    """Linear interpolation in (ln m, ln v) between two points, by hand."""
    t = (math.log(mass) - math.log(m0)) / (math.log(m1) - math.log(m0))
    return math.exp(math.log(v0) + t * (math.log(v1) - math.log(v0)))
