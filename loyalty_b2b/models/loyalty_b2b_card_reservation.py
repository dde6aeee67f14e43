from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class LoyaltyB2bCard(models.Model):
    """What a card holds for approved reward requests, and what it has free."""

    _inherit = "loyalty.b2b.card"

    reward_request_ids = fields.One2many("loyalty.b2b.reward.request", "card_id")
    cashback_reserved = fields.Monetary(
        compute="_compute_reserved",
        help="Cashback held for approved reward requests not fulfilled yet.",
    )
    stamps_reserved = fields.Integer(
        compute="_compute_reserved",
        help="Stamps held for approved reward requests not fulfilled yet.",
    )
    stamps_available = fields.Integer(
        string="Free Stamps",
        compute="_compute_reserved",
        help="Stamps less those held for approved reward requests.",
    )

    @api.depends(
        "transaction_ids.reserved_amount",
        "transaction_ids.reserved_stamps",
        "stamp_count",
    )
    def _compute_reserved(self):
        reserved = self._get_reserved_totals()
        for card in self:
            card.cashback_reserved, card.stamps_reserved = reserved.get(card, (0.0, 0))
            card.stamps_available = card.stamp_count - card.stamps_reserved

    def _get_reserved_totals(self):
        """``{card: (cashback, stamps)}`` held for reward requests, in one query."""
        # sudo: the totals of cards the user reads, whoever may read the ledger.
        ledger = self.env["loyalty.b2b.transaction"].sudo()
        return {
            card: (card.currency_id.round(amount), stamps)
            for card, amount, stamps in ledger._read_group(
                [
                    ("card_id", "in", self.ids),
                    ("kind", "in", ("reserve", "release")),
                ],
                ["card_id"],
                ["reserved_amount:sum", "reserved_stamps:sum"],
            )
        }

    @api.depends("transaction_ids.reserved_amount")
    def _compute_cashback_available(self):
        result = super()._compute_cashback_available()
        reserved = self._get_reserved_totals()
        for card in self:
            card.cashback_available = card.currency_id.round(
                card.cashback_available - reserved.get(card, (0.0, 0))[0]
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

    def _search_is_stamp_reward_ready(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(
                self.env._("Search stamp cards whose reward is ready or not ready.")
            )
        self.flush_model(["program_id"])
        self.env["loyalty.b2b.program"].flush_model(["program_type", "stamps_required"])
        self.env["loyalty.b2b.transaction"].flush_model(
            ["card_id", "stamps", "reserved_stamps"]
        )
        ready = SQL(
            """(SELECT card.id
                  FROM loyalty_b2b_card card
                  JOIN loyalty_b2b_program program ON program.id = card.program_id
             LEFT JOIN loyalty_b2b_transaction entry ON entry.card_id = card.id
                 WHERE program.program_type = 'stamp'
              GROUP BY card.id, program.stamps_required
                HAVING COALESCE(
                           SUM(entry.stamps - COALESCE(entry.reserved_stamps, 0)), 0
                       ) >= program.stamps_required)"""
        )
        is_ready = (operator == "=") == value
        return [("id", "in" if is_ready else "not in", ready)]

    reward_request_count = fields.Integer(compute="_compute_reward_request_count")

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
