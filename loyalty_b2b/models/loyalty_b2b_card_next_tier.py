from odoo import api, fields, models


class LoyaltyB2bCard(models.Model):
    """The next tier of a card and what it takes to reach it, and how long a
    tier the spend no longer reaches is kept: read from the spend and tier the
    tier engine stored, no query of their own."""

    _inherit = "loyalty.b2b.card"

    next_tier_id = fields.Many2one("loyalty.b2b.tier", compute="_compute_next_tier")
    next_tier_missing_amount = fields.Monetary(
        string="Spend to Next Tier",
        compute="_compute_next_tier",
        help="Qualifying spend still missing in the program's current window to "
        "reach the next tier.",
    )
    next_tier_message = fields.Char(
        string="Next Tier Goal", compute="_compute_next_tier"
    )
    tier_kept_until = fields.Date(
        compute="_compute_tier_hold",
        help="The spend no longer reaches the card's tier: the program's tier "
        "hold keeps it until this day.",
    )
    tier_hold_message = fields.Char(string="Tier Hold", compute="_compute_tier_hold")

    @api.depends(
        "state",
        "program_id.program_type",
        "program_id.spend_period_months",
        "program_id.tier_ids.min_amount",
        "program_id.tier_ids.name",
        "program_id.tier_ids.discount_percent",
        "program_id.tier_ids.cashback_percent",
        "tier_id",
        "spent_amount",
    )
    @api.depends_context("lang")
    def _compute_next_tier(self):
        for card in self:
            card.next_tier_id, card.next_tier_missing_amount = card._get_next_tier()
            card.next_tier_message = card._get_next_tier_message()

    @api.depends(
        "state",
        "program_id.tier_hold_months",
        "tier_id.min_amount",
        "tier_id.name",
        "tier_reached_date",
        "spent_amount",
    )
    @api.depends_context("lang")
    def _compute_tier_hold(self):
        for card in self:
            card.tier_kept_until = card._get_tier_kept_until()
            card.tier_hold_message = card._get_tier_hold_message()

    def _has_tier_progress(self):
        """Hook: the card climbs tiers now (active, of a program with tiers);
        blocked and expired cards are left as they are by the tier engine."""
        self.ensure_one()
        return (
            self.state == "active"
            and bool(self.program_id)
            and self.program_id._has_tier_progress()
        )

    def _get_next_tier(self):
        """Hook: ``(next tier, spend still missing to reach it)``."""
        self.ensure_one()
        if not self._has_tier_progress():
            return self.env["loyalty.b2b.tier"], 0.0
        return self.program_id._get_next_tier(self.tier_id, self.spent_amount)

    def _get_next_tier_message(self):
        """Hook: "Spend 1,250.00 more within the rolling 12 months to reach
        Gold: 10 %", or that the card holds the top tier."""
        self.ensure_one()
        if not self._has_tier_progress():
            return False
        return self.program_id._get_next_tier_message(self.tier_id, self.spent_amount)

    def _get_tier_kept_until(self):
        """Hook: the last day the program's hold keeps the card's tier, when
        its spend no longer reaches it."""
        self.ensure_one()
        if not self._has_tier_progress():
            return False
        return self.program_id._get_tier_kept_until(
            self.tier_id,
            self.spent_amount,
            self.tier_reached_date,
            fields.Date.context_today(self),
        )

    def _get_tier_hold_message(self):
        """Hook: until when the held tier is kept, and what keeps it after."""
        self.ensure_one()
        kept_until = self._get_tier_kept_until()
        if not kept_until:
            return False
        return self.program_id._get_tier_hold_message(
            self.tier_id, self.spent_amount, kept_until
        )
