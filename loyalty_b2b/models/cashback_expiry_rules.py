"""When cashback expires and which of it is left: the one first-in, first-out
rule of the daily expiry, the card's forecast and its statement, kept apart
from the ORM so that it reads (and is tested) as the rule it is."""

from collections import namedtuple
from datetime import timedelta

from dateutil.relativedelta import relativedelta

# What is left of the cashback a card earned on one day, and the day the
# daily job expires it (None: it never expires).
CashbackCredit = namedtuple("CashbackCredit", "date expiry_date amount")


def cashback_expiry_date(earned_date, validity_months):
    """The day the daily job expires cashback earned on ``earned_date``, or
    None without a validity.

    Cashback is valid ``validity_months`` months to the day and expires the day
    after: earned on 2019-01-15 for 12 months, it can be spent up to
    2020-01-15 and expires on 2020-01-16. When that month has no such day, or
    when it was earned on the last day of a month, it is valid up to the end of
    that month: earned on 2019-01-30 or 2019-01-31 for one month, it expires on
    2019-03-01; earned on 2019-02-28, on 2019-04-01. This is the day
    ``expired_earning_cutoff`` first leaves ``earned_date`` behind."""
    if not validity_months:
        return None
    if (earned_date + timedelta(days=1)).day == 1:
        return earned_date + relativedelta(months=validity_months + 1, day=1)
    return earned_date + relativedelta(months=validity_months, days=1)


def expired_earning_cutoff(today, validity_months):
    """The first earning day whose cashback has not expired yet on ``today``:
    what was earned before it has (its ``cashback_expiry_date`` is ``today`` or
    before). For a search that narrows the cards to look at."""
    return today - relativedelta(months=validity_months)


def remaining_credits(credits, consumed, validity_months, currency):
    """First in, first out: what is left of each credit once ``consumed`` has
    taken the oldest first.

    :param credits: ``[(date, amount)]`` what the card earned (positive
        amounts), in any order; several on one day may come as one
    :param consumed: what the card spent, lost to credit notes, had expire or
        committed on confirmed orders: a positive amount (a negative one
        consumes nothing)
    :param validity_months: the program's cashback validity, 0 for none
    :param currency: the card's currency, for rounding
    :return: ``[CashbackCredit]`` oldest first, without the consumed ones
    """
    left = max(consumed, 0.0)
    result = []
    for date, amount in sorted(credits, key=lambda credit: credit[0]):
        taken = min(amount, left)
        left -= taken
        remaining = currency.round(amount - taken)
        if currency.compare_amounts(remaining, 0.0) > 0:
            result.append(
                CashbackCredit(
                    date, cashback_expiry_date(date, validity_months), remaining
                )
            )
    return result


def expiring_amount(credits, until, currency):
    """What of ``credits`` (``[CashbackCredit]``) the job expires on ``until``
    or before: those due that day or earlier."""
    return currency.round(
        sum(
            credit.amount
            for credit in credits
            if credit.expiry_date and credit.expiry_date <= until
        )
    )
