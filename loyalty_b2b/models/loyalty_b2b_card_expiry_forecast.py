from datetime import timedelta

from odoo import api, fields, models

from .cashback_expiry_rules import expiring_amount

# The horizons of the card's expiry forecast, in days.
FORECAST_DAYS = (30, 90)


class LoyaltyB2bCard(models.Model):
    """What of a cashback card's balance expires soon, by the rule of the daily
    expiry job: the figures the card form, the portal and the statement show."""

    _inherit = "loyalty.b2b.card"

    cashback_expiring_30 = fields.Monetary(
        string="Expires within 30 Days",
        compute="_compute_cashback_expiry_forecast",
        help="Cashback the daily expiry takes from the card within the next 30 "
        "days (today included) unless it is spent first.",
    )
    cashback_expiring_90 = fields.Monetary(
        string="Expires within 90 Days",
        compute="_compute_cashback_expiry_forecast",
        help="Cashback the daily expiry takes from the card within the next 90 "
        "days (today included) unless it is spent first.",
    )
    cashback_next_expiry_date = fields.Date(
        string="Next Expiry",
        compute="_compute_cashback_expiry_forecast",
        help="The next day some of the card's cashback expires: earned cashback "
        "can be spent up to its validity's last day and expires the day after.",
    )
    cashback_next_expiry_amount = fields.Monetary(
        string="Expiring Next",
        compute="_compute_cashback_expiry_forecast",
        help="Cashback that expires on the next expiry day unless it is spent first.",
    )

    @api.depends(
        "program_id.program_type",
        "program_id.cashback_validity_months",
        "program_id.breakage_account_id",
        "transaction_ids.amount",
        "transaction_ids.date",
        "transaction_ids.is_cancelled",
        "cashback_committed",
    )
    def _compute_cashback_expiry_forecast(self):
        today = fields.Date.context_today(self)
        credits_by_card = self.env[
            "loyalty.b2b.transaction"
        ]._get_remaining_cashback_credits(self)
        for card in self:
            credits = credits_by_card.get(card, [])
            expiring = card._get_expiring_amounts(credits, FORECAST_DAYS, today)
            card.cashback_expiring_30 = expiring[30]
            card.cashback_expiring_90 = expiring[90]
            next_date, next_amount = card._get_next_expiry(credits, today)
            card.cashback_next_expiry_date = next_date
            card.cashback_next_expiry_amount = next_amount

    def _get_expiring_cashback(self, days_list, today=None):
        """``{card: {days: amount}}``: for each card, the cashback the daily job
        expires from ``today`` (default: the user's today) to ``today`` plus
        ``days`` included, unless the card spends it first; 0 for cards that
        are not cashback cards or whose cashback does not expire."""
        today = today or fields.Date.context_today(self)
        credits_by_card = self.env[
            "loyalty.b2b.transaction"
        ]._get_remaining_cashback_credits(self)
        return {
            card: card._get_expiring_amounts(
                credits_by_card.get(card, []), days_list, today
            )
            for card in self
        }

    def _get_expiring_amounts(self, credits, days_list, today):
        """``{days: amount}`` of ``credits`` (the card's remaining
        ``CashbackCredit``) due up to ``today`` plus ``days``. What was due
        before ``today`` and is not expired yet counts too: the job's next run
        expires it."""
        self.ensure_one()
        return {
            days: expiring_amount(
                credits, today + timedelta(days=days), self.currency_id
            )
            for days in days_list
        }

    def _get_next_expiry(self, credits, today):
        """``(date, amount)``: the next day the job expires some of ``credits``
        (today when some is already due) and how much, or ``(False, 0.0)``."""
        self.ensure_one()
        due_dates = [
            max(credit.expiry_date, today) for credit in credits if credit.expiry_date
        ]
        if not due_dates:
            return False, 0.0
        next_date = min(due_dates)
        return next_date, expiring_amount(credits, next_date, self.currency_id)
