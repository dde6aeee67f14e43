"""Which bracket of a discount by order size an order reaches: plain functions,
without the ORM (the shape of tier_rules)."""


def reached_bracket(brackets, amount, compare):
    """Index in ``brackets`` (``(min_amount, percent)`` pairs sorted by amount)
    of the last bracket ``amount`` reaches, or None below the first one.
    ``compare(a, b)`` is the currency's ``compare_amounts``: an order of
    exactly the bracket's amount reaches it."""
    reached = None
    for index, (min_amount, _percent) in enumerate(brackets):
        if compare(amount, min_amount) < 0:
            break
        reached = index
    return reached


def bracket_percent(brackets, amount, compare, base_percent):
    """The percentage an order of ``amount`` gets: its bracket's, or
    ``base_percent`` below the first bracket."""
    index = reached_bracket(brackets, amount, compare)
    return base_percent if index is None else brackets[index][1]


def next_bracket(brackets, amount, compare):
    """``(index, missing)``: the next bracket above ``amount`` and the amount
    still missing to reach it; ``(None, 0.0)`` at the top."""
    index = reached_bracket(brackets, amount, compare)
    following = 0 if index is None else index + 1
    if following >= len(brackets):
        return None, 0.0
    return following, brackets[following][0] - amount
