from odoo import api, fields, models


class LoyaltyB2bTransaction(models.Model):
    """The journal items that book each movement of the ledger, readable by
    everyone who reads the ledger (see loyalty.b2b.journal.item)."""

    _inherit = "loyalty.b2b.transaction"

    move_line_ids = fields.Many2many(
        "loyalty.b2b.journal.item",
        string="Journal Items",
        compute="_compute_move_line_ids",
        help="The debit and credit lines that book this movement in its journal entry.",
    )

    @api.depends(
        "move_id.line_ids.balance",
        "move_id.line_ids.partner_id",
        "move_id.line_ids.b2b_card_id",
    )
    def _compute_move_line_ids(self):
        for entry in self:
            lines = entry._get_move_lines()
            entry.move_line_ids = self.env["loyalty.b2b.journal.item"].browse(lines.ids)

    def _get_move_lines(self):
        """Hook: the journal items of this movement, in sudo (whoever reads
        the ledger entry may see how it was booked).

        A cashback journal entry may book a whole batch (see
        ``account.move._b2b_create_cashback_moves``): its lines for the card's
        customer with this movement's amount. An invoice or credit note (a
        redemption): its redemption lines of this card."""
        self.ensure_one()
        move = self.sudo().move_id
        if not move:
            return move.line_ids
        if move.b2b_cashback_kind:
            currency = self.currency_id
            return move.line_ids.filtered(
                lambda line: (
                    line.partner_id == self.partner_id
                    and not currency.compare_amounts(
                        abs(line.balance), abs(self.amount)
                    )
                )
            )
        return move.line_ids.filtered(lambda line: line.b2b_card_id == self.card_id)
