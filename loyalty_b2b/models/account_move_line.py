from odoo import fields, models
from odoo.exceptions import UserError

from .sale_order_line import B2B_REWARD_KINDS


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    b2b_reward_kind = fields.Selection(
        B2B_REWARD_KINDS,
        string="Loyalty Reward",
        index="btree_not_null",
        help="Copied from the sales order line: redemption and reward lines "
        "never earn cashback.",
    )
    b2b_card_id = fields.Many2one(
        "loyalty.b2b.card",
        string="Spent Card",
        readonly=True,
        copy=True,
        index="btree_not_null",
        help="The loyalty card whose cashback this redemption line spends (or, on "
        "a credit note, gives back).",
    )

    def _b2b_is_benefit_line(self):
        """A product line that is no redemption, reward or down payment, and
        whose order lines (if any) are benefit lines by the sales rule."""
        self.ensure_one()
        return (
            self.display_type == "product"
            and not self.b2b_reward_kind
            and not self.is_downpayment
            and all(line._b2b_is_benefit_line() for line in self.sale_line_ids)
        )

    def _b2b_assign_redemption_cards(self):
        """Give the redemption lines ``self`` that name no card the one they
        spend: the card of their sales order line, else a cashback card of their
        order, else the customer's active cashback card."""
        lines = self.filtered(lambda line: not line.b2b_card_id)
        if not lines:
            return
        moves = lines.move_id
        program_companies = moves.company_id._b2b_get_program_companies()
        # sudo: the cards of the customers of documents the user posts.
        cards = (
            self.env["loyalty.b2b.card"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", moves.commercial_partner_id.ids),
                    ("company_id", "in", program_companies.ids),
                    ("program_id.program_type", "=", "cashback"),
                    ("state", "=", "active"),
                ]
            )
            .sorted(lambda card: (card.program_id.sequence, card.program_id.id))
        )
        for line in lines:
            move = line.move_id
            card = (
                line.sale_line_ids.b2b_card_id[:1]
                or line.sale_line_ids.order_id.b2b_card_ids.filtered(
                    lambda card: card.program_type == "cashback"
                )[:1]
                or cards.filtered(
                    lambda card, move=move: (
                        card.partner_id == move.commercial_partner_id
                        and card.company_id
                        in move.company_id._b2b_get_program_companies()
                    )
                )[:1]
            )
            if not card:
                raise UserError(
                    self.env._(
                        "%(document)s spends cashback, but %(partner)s has no "
                        "active cashback card.",
                        document=move.display_name,
                        partner=move.commercial_partner_id.display_name,
                    )
                )
            line.b2b_card_id = card.sudo(False)
