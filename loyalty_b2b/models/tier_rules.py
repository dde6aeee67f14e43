"""Which tier a card holds: a pure decision table, kept apart from the ORM so
that it reads (and is tested) as the rule it is."""

import bisect

from dateutil.relativedelta import relativedelta


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


def hold_end_date(reached_date, hold_months):
    """The first day a tier reached on ``reached_date`` may be left downwards
    under a hold of ``hold_months`` months, or None without a hold."""
    if not hold_months or not reached_date:
        return None
    return reached_date + relativedelta(months=hold_months)


def next_tier_rank(thresholds, spend, current_rank):
    """Return ``(rank, missing)``: the index in ``thresholds`` of the tier above
    the one a card holds (``current_rank``, None for none), None at the top, and
    the spend still missing to reach it (0 at the top).

    The next tier follows the tier held, not the spend: a tier kept by a hold
    is above what the spend reaches, and the next one is above it. Spend is
    counted as decide_tier_rank counts it (a negative spend as none)."""
    rank = 0 if current_rank is None else current_rank + 1
    if rank >= len(thresholds):
        return None, 0
    return rank, max(thresholds[rank] - max(spend, 0), 0)
