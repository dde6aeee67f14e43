from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models

from .contact_roles import DECISION_MAKER_ROLES

EXPIRY_WARNING_TEMPLATE_XMLID = "loyalty_b2b.mail_template_b2b_cashback_expiry_warning"
# How many days ahead the decision makers hear of cashback that expires.
EXPIRY_WARNING_DAYS = 30


class LoyaltyB2bCard(models.Model):
    """A warning to the customer's decision makers when some of a card's
    cashback expires within ``EXPIRY_WARNING_DAYS`` days: once per batch, the
    cashback of the card that expires on one day (see cashback_expiry_rules)."""

    _inherit = "loyalty.b2b.card"

    @api.model
    def _get_expiry_warning_card_domain(self):
        """Hook: the cards whose expiring cashback is announced: active cards
        (the customer can still spend it)."""
        return [("state", "=", "active")]

    @api.model
    def _get_expiry_warning_cards(self, horizon):
        """Cards with cashback that the daily job expires by ``horizon``: those
        that earned before the cutoff of that day in an expiring program."""
        # sudo: the job reads every company's programs and ledger.
        cards = (
            self.env["loyalty.b2b.transaction"]
            .sudo()
            ._get_cards_with_cashback_due(horizon)
        )
        return self.sudo().search(
            [("id", "in", cards.ids), *self._get_expiry_warning_card_domain()],
            order="id",
        )

    def _get_expiry_batches(self, today, horizon):
        """``{card: [(expiry date, amount)]}``: what is left of each card's
        cashback by the day it expires, from ``today`` to ``horizon``
        included, the soonest first; cards with nothing expiring are left
        out. Cashback due before ``today`` is the expiry job's, not news."""
        credits_by_card = self.env[
            "loyalty.b2b.transaction"
        ]._get_remaining_cashback_credits(self)
        batches = {}
        for card, credits in credits_by_card.items():
            amounts = defaultdict(float)
            for credit in credits:
                if credit.expiry_date and today <= credit.expiry_date <= horizon:
                    amounts[credit.expiry_date] += credit.amount
            currency = card.currency_id
            card_batches = [
                (expiry_date, currency.round(amount))
                for expiry_date, amount in sorted(amounts.items())
                if currency.compare_amounts(amount, 0.0) > 0
            ]
            if card_batches:
                batches[card] = card_batches
        return batches

    @api.model
    def _cron_send_expiry_warnings(self, today=None, auto_commit=None):
        """Daily: warn the decision makers of each customer of the cashback
        of its cards that expires within ``EXPIRY_WARNING_DAYS`` days, once
        per card and expiry day. Returns the notices of the warnings sent."""
        today = today or fields.Date.context_today(self)
        horizon = today + timedelta(days=EXPIRY_WARNING_DAYS)
        cards = self._get_expiry_warning_cards(horizon)
        return cards._run_notice_job(
            lambda batch: batch._send_expiry_warnings(today, horizon),
            auto_commit=auto_commit,
        )

    def _send_expiry_warnings(self, today, horizon):
        """Warn of each batch of ``self``'s cashback that expires from
        ``today`` to ``horizon``, unless warned before. Returns the notices
        of the warnings sent."""
        Notice = self.env["loyalty.b2b.card.notice"].sudo()
        template = self.env.ref(EXPIRY_WARNING_TEMPLATE_XMLID, raise_if_not_found=False)
        batches = self._get_expiry_batches(today, horizon)
        if not template or not batches:
            return Notice
        cards = self.browse([card.id for card in batches])
        sent = cards._get_sent_notice_keys(
            "expiry_warning",
            {day for card_batches in batches.values() for day, _amount in card_batches},
        )
        recipients_by_customer = self.env["res.partner"]._get_b2b_loyalty_mail_contacts(
            cards.partner_id, DECISION_MAKER_ROLES
        )
        notices = Notice
        for card, card_batches in batches.items():
            recipients = recipients_by_customer.get(card.partner_id)
            if not recipients:
                continue
            for expiry_date, amount in card_batches:
                if (card, expiry_date) in sent:
                    continue
                notices |= card._send_role_notice(
                    "expiry_warning",
                    expiry_date,
                    template,
                    recipients,
                    values={
                        "b2b_expiry_date": fields.Date.to_string(expiry_date),
                        # Cashback can be spent up to the day before it expires.
                        "b2b_expiry_last_day": fields.Date.to_string(
                            expiry_date - timedelta(days=1)
                        ),
                        "b2b_expiry_amount": amount,
                    },
                )
        return notices
