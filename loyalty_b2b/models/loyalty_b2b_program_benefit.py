from dateutil.relativedelta import relativedelta

from odoo import models
from odoo.tools import float_is_zero, float_round
from odoo.tools.misc import format_amount, format_date, formatLang, get_lang

from .loyalty_b2b_card_tier import TIERED_PROGRAM_TYPES
from .tier_rules import hold_end_date, next_tier_rank

# Between the pieces of the name of a card or a ledger entry.
NAME_SEPARATOR = " · "


class LoyaltyB2bProgram(models.Model):
    """What a program gives, in words: the benefit of a card or tier, the next
    tier and what it takes to reach or keep a tier. One place for the names of
    cards, their fields and the customer's emails, in the language of the
    environment."""

    _inherit = "loyalty.b2b.program"

    def _format_percent_number(self, value):
        """``value`` as the language writes it, without trailing zeros: 7, 2.5
        (see ``_format_percent`` for "7 %")."""
        text = formatLang(self.env, value, dp="Discount")
        decimal_point = get_lang(self.env).decimal_point
        if decimal_point and decimal_point in text:
            text = text.rstrip("0").rstrip(decimal_point)
        return text

    def _get_benefit_label(self, discount, cashback):
        """ "7 %", "5 % cashback" or both; False when it gives nothing."""
        digits = self.env["decimal.precision"].precision_get("Discount")
        parts = []
        if not float_is_zero(discount, precision_digits=digits):
            parts.append(
                self.env._(
                    "%(percent)s %%", percent=self._format_percent_number(discount)
                )
            )
        if not float_is_zero(cashback, precision_digits=digits):
            parts.append(
                self.env._(
                    "%(percent)s %% cashback",
                    percent=self._format_percent_number(cashback),
                )
            )
        return " + ".join(parts) or False

    def _get_tier_benefit_label(self, tier):
        return self._get_benefit_label(tier.discount_percent, tier.cashback_percent)

    def _get_tier_label(self, tier):
        """ "Gold: 10 %", or the tier's name when it gives nothing."""
        benefit = self._get_tier_benefit_label(tier)
        if not benefit:
            return tier.name
        return self.env._("%(tier)s: %(benefit)s", tier=tier.name, benefit=benefit)

    def _get_order_benefit_label(self, tier):
        """What ``tier`` gives the customer's orders: "10 % on your orders"."""
        benefit = self._get_tier_benefit_label(tier)
        if not benefit:
            return False
        return self.env._("%(benefit)s on your orders", benefit=benefit)

    def _get_order_tier_label(self, tier):
        """ "Gold: 10 % on your orders", or the tier's name when it gives
        nothing."""
        benefit = self._get_order_benefit_label(tier)
        if not benefit:
            return tier.name
        return self.env._("%(tier)s: %(benefit)s", tier=tier.name, benefit=benefit)

    def _has_tier_progress(self):
        """The program's cards climb tiers."""
        self.ensure_one()
        return self.program_type in TIERED_PROGRAM_TYPES and bool(self.tier_ids)

    def _get_next_tier(self, tier, spend):
        """``(next tier, missing spend)`` of a card of this program that holds
        ``tier`` (empty: none) with the qualifying ``spend``: the tier above the
        one held (empty at the top) and the spend still missing to reach it in
        the current window, in company currency (see tier_rules)."""
        self.ensure_one()
        empty = self.env["loyalty.b2b.tier"]
        if not self._has_tier_progress():
            return empty, 0.0
        tiers = self.tier_ids.sorted("min_amount")
        rounding = self.currency_id.rounding

        def units(amount):
            # Whole units of the currency's rounding, as the tier engine compares.
            return int(float_round(amount / rounding, precision_digits=0))

        rank, missing = next_tier_rank(
            [units(candidate.min_amount) for candidate in tiers],
            units(spend),
            tiers.ids.index(tier.id) if tier in tiers else None,
        )
        if rank is None:
            return empty, 0.0
        return tiers[rank], float_round(missing * rounding, precision_rounding=rounding)

    def _get_next_tier_message(self, tier, spend):
        """The sentence telling a card that holds ``tier`` with ``spend`` how to
        reach the next tier, or that it holds the top one; False without
        tiers."""
        self.ensure_one()
        if not self._has_tier_progress():
            return False
        next_tier, missing = self._get_next_tier(tier, spend)
        if not next_tier:
            return self.env._(
                "%(tier)s is the top tier", tier=self._get_tier_label(tier)
            )
        values = {
            "amount": format_amount(self.env, missing, self.currency_id),
            "tier": self._get_tier_label(next_tier),
        }
        months = self.spend_period_months
        if not months:
            return self.env._("Spend %(amount)s more to reach %(tier)s", **values)
        if months == 1:
            return self.env._(
                "Spend %(amount)s more within the rolling month to reach %(tier)s",
                **values,
            )
        return self.env._(
            "Spend %(amount)s more within the rolling %(months)s months to reach "
            "%(tier)s",
            months=months,
            **values,
        )

    def _get_tier_kept_until(self, tier, spend, reached_date, date):
        """The last day the program's hold keeps ``tier``, reached on
        ``reached_date``, although ``spend`` no longer reaches it; False when
        the tier is not held on ``date`` (the spend reaches it, no hold, or the
        hold is over: the tier engine then moves the card down)."""
        self.ensure_one()
        hold_end = hold_end_date(reached_date, self.tier_hold_months)
        if not tier or not hold_end or date >= hold_end:
            return False
        if self.currency_id.compare_amounts(max(spend, 0.0), tier.min_amount) >= 0:
            return False
        return hold_end - relativedelta(days=1)

    def _get_tier_hold_message(self, tier, spend, kept_until):
        """Why a held ``tier`` is kept, until when, and what keeps it after."""
        self.ensure_one()
        if not kept_until:
            return False
        missing = self.currency_id.round(tier.min_amount - max(spend, 0.0))
        return self.env._(
            "%(tier)s is kept until %(date)s by the %(months)s-month tier hold; to "
            "keep it after that, spend %(amount)s more",
            tier=tier.name,
            date=format_date(self.env, kept_until),
            months=self.tier_hold_months,
            amount=format_amount(self.env, missing, self.currency_id),
        )
