from odoo import api, fields, models
from odoo.tools import SQL

from .loyalty_b2b_transaction_reservation import RESERVATION_KINDS


class LoyaltyB2bCard(models.Model):
    """What a card holds for approved reward requests, and what it has free."""

    _inherit = "loyalty.b2b.card"

    reward_request_ids = fields.One2many("loyalty.b2b.reward.request", "card_id")
    reward_request_count = fields.Integer(compute="_compute_reward_request_count")
    # Computed with the balances (one query for all four sums).
    cashback_reserved = fields.Monetary(
        compute="_compute_ledger_totals",
        help="Cashback held for approved reward requests not fulfilled yet.",
    )
    stamps_reserved = fields.Integer(
        compute="_compute_ledger_totals",
        help="Stamps held for approved reward requests not fulfilled yet.",
    )
    stamps_available = fields.Integer(
        string="Free Stamps",
        compute="_compute_ledger_totals",
        help="Stamps less those held for approved reward requests.",
    )

    @api.depends("transaction_ids.reserved_amount", "transaction_ids.reserved_stamps")
    def _compute_ledger_totals(self):
        # Replaces the base compute rather than extending it: the balances and
        # the reservations come from the same rows, summed in one query (the
        # confirmation of orders reads both).
        totals = self._get_ledger_and_reserved_totals()
        for card in self:
            amount, stamps, reserved_amount, reserved_stamps = totals.get(
                card, (0.0, 0, 0.0, 0)
            )
            card.cashback_balance = amount
            card.stamp_count = stamps
            card.cashback_reserved = reserved_amount
            card.stamps_reserved = reserved_stamps
            card.stamps_available = stamps - reserved_stamps

    def _get_ledger_and_reserved_totals(self):
        """``{card: (cashback, stamps, reserved cashback, reserved stamps)}``
        summed from the ledger in one query."""
        # sudo: the totals of cards the user reads, whoever may read the ledger.
        ledger = self.env["loyalty.b2b.transaction"].sudo()
        return {
            card: (
                card.currency_id.round(amount),
                stamps,
                card.currency_id.round(reserved_amount),
                reserved_stamps,
            )
            for card, amount, stamps, reserved_amount, reserved_stamps in (
                ledger._read_group(
                    [("card_id", "in", self.ids)],
                    ["card_id"],
                    [
                        "amount:sum",
                        "stamps:sum",
                        "reserved_amount:sum",
                        "reserved_stamps:sum",
                    ],
                )
            )
        }

    @api.depends("cashback_reserved")
    def _compute_cashback_available(self):
        result = super()._compute_cashback_available()
        for card in self:
            card.cashback_available = card.currency_id.round(
                card.cashback_available - card.cashback_reserved
            )
        return result

    @api.depends("transaction_ids.reserved_stamps")
    def _compute_is_stamp_reward_ready(self):
        # The quotation's reward may not take stamps held for approved rewards.
        for card in self:
            card.is_stamp_reward_ready = (
                card.program_id.program_type == "stamp"
                and card.stamps_available >= card.stamps_required
            )

    def _get_ready_stamps_columns(self):
        return [*super()._get_ready_stamps_columns(), "reserved_stamps"]

    def _get_ready_stamps_sql(self):
        # Stamps held for approved reward requests are not free.
        return SQL(
            "%s - COALESCE(entry.reserved_stamps, 0)", super()._get_ready_stamps_sql()
        )

    def _compute_reward_request_count(self):
        counts = dict(
            self.env["loyalty.b2b.reward.request"]._read_group(
                [("card_id", "in", self.ids)], ["card_id"], ["__count"]
            )
        )
        for card in self:
            card.reward_request_count = counts.get(card, 0)

    def action_view_reward_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_reward_request_action"
        )
        action["domain"] = [("card_id", "=", self.id)]
        action["context"] = {"default_card_id": self.id}
        return action

    def _get_statement_entries_domain(self, date_from, date_to):
        # Reservations move no balance: the statement lists what did.
        return [
            *super()._get_statement_entries_domain(date_from, date_to),
            ("kind", "not in", RESERVATION_KINDS),
        ]
