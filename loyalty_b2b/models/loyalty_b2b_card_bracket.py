from odoo import api, models


class LoyaltyB2bCard(models.Model):
    """The discount a card gives on one order: its own, or, for a program by
    order size, the bracket the order reaches."""

    _inherit = "loyalty.b2b.card"

    @api.depends(
        "program_id.discount_basis",
        "program_id.order_bracket_ids.min_amount",
        "program_id.order_bracket_ids.discount_percent",
    )
    def _compute_display_name(self):
        return super()._compute_display_name()

    @api.depends(
        "program_id.discount_basis",
        "program_id.order_bracket_ids.min_amount",
        "program_id.order_bracket_ids.discount_percent",
    )
    def _compute_benefit_label(self):
        return super()._compute_benefit_label()

    def _get_order_discount_percent(self, order):
        """Hook: the discount this card gives the eligible lines of ``order``
        (a sale.order, maybe a new record being edited). The card's
        ``discount_percent`` unless its program follows the order size."""
        self.ensure_one()
        program = self.program_id
        if not program._has_order_brackets():
            return self.discount_percent
        return program._get_order_size_discount_percent(
            order._b2b_get_order_size_amount(self)
        )

    def _get_benefit_label(self):
        if self.program_id and self.program_id._has_order_brackets():
            return self.program_id._get_order_bracket_label()
        return super()._get_benefit_label()
