"""Plain checks of the numbers that reach the add-on from forms, RPC and URLs."""

import math


def is_finite_number(value):
    """True for an int or a float that is neither NaN nor infinite (not a bool:
    True is not an amount)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )
