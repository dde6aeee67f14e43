from dateutil.relativedelta import relativedelta

from odoo import models
from odoo.tools import float_round
from odoo.tools.misc import format_date

from .tier_rules import decide_tier_rank


class LoyaltyB2bProgram(models.Model):
    """What a card loses when its tier hold ends: the tier its spend reaches
    and the words of the customer's warning."""

    _inherit = "loyalty.b2b.program"

    def _get_spend_tier(self, spend):
        """The tier ``spend`` reaches without any hold (empty: none), by the
        tier engine's rule (see tier_rules)."""
        self.ensure_one()
        tiers = self.tier_ids.sorted("min_amount")
        rounding = self.currency_id.rounding

        def units(amount):
            # Whole units of the currency's rounding, as the tier engine compares.
            return int(float_round(amount / rounding, precision_digits=0))

        rank, _is_downgrade = decide_tier_rank(
            [units(tier.min_amount) for tier in tiers],
            units(spend),
            None,
            None,
            None,
            None,
        )
        return tiers[rank] if rank >= 0 else self.env["loyalty.b2b.tier"]

    def _get_downgrade_risk_message(self, tier, spend, kept_until):
        """What keeps a held ``tier`` after ``kept_until`` and what the card
        falls to otherwise: "Gold is kept until 12/31/2024 by the 6-month tier
        hold; to keep it after that, spend $ 2,000.00 more. Otherwise the card
        moves to Silver: 3 % on 01/01/2025"; False when the tier is not held."""
        self.ensure_one()
        hold_message = self._get_tier_hold_message(tier, spend, kept_until)
        if not hold_message:
            return False
        lower = self._get_spend_tier(spend)
        return self.env._(
            "%(hold)s. Otherwise the card moves to %(tier)s on %(date)s",
            hold=hold_message,
            tier=self._get_tier_label(lower) if lower else self.env._("no tier"),
            date=format_date(self.env, kept_until + relativedelta(days=1)),
        )
