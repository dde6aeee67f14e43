from odoo import api, fields, models

from .row_locks import serialize_on


class LoyaltyB2bCard(models.Model):
    """What sales need of a card: its rank among the customer's cards, the
    cashback committed on confirmed orders, and the locks of spending and
    enrolment."""

    _inherit = "loyalty.b2b.card"

    # The lines of sales orders that spend this card (cashback, stamp reward).
    spending_line_ids = fields.One2many("sale.order.line", "b2b_card_id")

    cashback_committed = fields.Monetary(
        compute="_compute_cashback_available",
        help="Cashback spent on confirmed sales orders whose invoice is not "
        "posted yet.",
    )

    cashback_available = fields.Monetary(
        compute="_compute_cashback_available",
        help="Balance minus the cashback committed on confirmed orders: what a "
        "new order may still spend.",
    )

    @api.depends(
        "cashback_balance",
        "spending_line_ids.state",
        "spending_line_ids.price_subtotal",
        "spending_line_ids.product_uom_qty",
        "spending_line_ids.invoice_lines.parent_state",
        "spending_line_ids.invoice_lines.price_subtotal",
        "spending_line_ids.order_id.date_order",
    )
    def _compute_cashback_available(self):
        committed = self._get_committed_cashback()
        for card in self:
            card.cashback_committed = committed.get(card, 0.0)
            card.cashback_available = card.currency_id.round(
                card.cashback_balance - card.cashback_committed
            )

    def _get_committed_cashback(self):
        """``{card: amount}``: cashback of the redemption lines of confirmed
        orders not yet on a posted invoice, in company currency (posting the
        invoice writes the ledger's ``redeem`` entry instead)."""
        # sudo: the order lines spending the cashback of cards the user reads.
        lines = (
            self.env["sale.order.line"]
            .sudo()
            .search(
                [
                    ("b2b_reward_kind", "=", "cashback"),
                    ("state", "=", "sale"),
                    ("b2b_card_id", "in", self.ids),
                ]
            )
        )
        committed = {}
        for line in lines:
            # What the line spends, less what posted invoices already booked
            # (credit notes give it back): amounts, not quantities, so that the
            # parts an order is invoiced in add up to the cent.
            invoiced = sum(
                invoice_line.price_subtotal * -invoice_line.move_id.direction_sign
                for invoice_line in line.invoice_lines
                if invoice_line.parent_state == "posted"
            )
            open_amount = invoiced - line.price_subtotal
            if line.currency_id.compare_amounts(open_amount, 0.0) <= 0:
                continue
            card = line.b2b_card_id
            committed[card] = committed.get(card, 0.0) + line.currency_id._convert(
                open_amount,
                card.currency_id,
                card.company_id,
                line.order_id.date_order,
            )
        return {
            card: card.currency_id.round(amount) for card, amount in committed.items()
        }

    def _fetch_confirmation_fields(self):
        """Read at once what confirming orders reads of these cards and their
        programs (validity, type, stamp rules, the ledger's partner and company).

        Only these fields: fetching the whole card and program takes twice as
        long, and confirmation is the hot path of sales.
        """
        self.fetch(["state", "program_id", "partner_id", "company_id"])
        self.program_id.fetch(
            [
                "active",
                "date_from",
                "date_to",
                "program_type",
                "stamp_min_amount",
                "stamps_required",
            ]
        )

    def _get_benefit_rank(self, order=None):
        """Sort key of the card whose discount an order's lines get, highest
        first: its discount (on ``order`` when given: a discount by order size
        depends on it), then its cashback percentage (a customer without
        discount card), then its program's sequence. A cashback card never
        takes the place of a discount card: it gives no discount."""
        self.ensure_one()
        return (
            self._get_order_discount_percent(order)
            if order is not None
            else self.discount_percent,
            self.cashback_percent,
            -self.program_id.sequence,
            -self.program_id.id,
        )

    def _lock_for_spending(self):
        """Serialize the transactions that spend these cards' stamps or
        cashback: a balance is summed from ledger rows (see serialize_on)."""
        serialize_on(self)

    @api.model
    def _lock_enrolment(self, partners):
        """Serialize the automatic enrolments of ``partners``: of two orders of
        one company confirmed at the same time, the second waits for the first,
        then fails with a serialization error that Odoo retries on a fresh
        snapshot, which sees the card the first one issued (instead of a
        duplicate-key error on the card's unique index)."""
        serialize_on(partners)
