"""Which tier a card holds: a pure decision table, kept apart from the ORM so
that it reads (and is tested) as the rule it is."""

import bisect


def decide_tier_rank(thresholds, spend, current_rank, reached_date, date, hold_end):
    """Return ``(rank, is_downgrade)``: the index in ``thresholds`` of the tier a
    card holds on ``date``, or -1 for none.

    :param thresholds: the tiers' spend thresholds, ascending
    :param spend: the card's qualifying spend (a negative spend counts as none:
        net refunds never push a company below the entry tier)
    :param current_rank: index of the tier the card holds now, None for none
    :param reached_date: the date the current tier was reached
    :param date: the day decided for
    :param hold_end: the first day the current tier may be left downwards
        (``reached_date`` plus the program's hold), or None without a hold

    The tier is the highest one whose threshold the spend reaches. Upgrades
    are never held back; a downgrade waits until ``hold_end``.
    """
    rank = bisect.bisect_right(thresholds, max(spend, 0)) - 1
    is_downgrade = current_rank is not None and rank < current_rank
    if is_downgrade and hold_end and reached_date and date < hold_end:
        return current_rank, False
    return rank, is_downgrade
