from odoo import api, fields, models


class LoyaltyB2bCashbackWizard(models.TransientModel):
    _name = "loyalty.b2b.cashback.wizard"
    _description = "Use Cashback on a Quotation"

    order_id = fields.Many2one(
        "sale.order", string="Quotation", required=True, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="order_id.currency_id")
    card_ids = fields.Many2many(
        "loyalty.b2b.card", compute="_compute_card_ids", string="Cashback Cards"
    )
    card_id = fields.Many2one(
        "loyalty.b2b.card",
        compute="_compute_card_id",
        store=True,
        readonly=False,
        required=True,
        domain="[('id', 'in', card_ids)]",
        help="The cashback card of the quotation to spend: the one with the most "
        "available by default.",
    )
    available_amount = fields.Monetary(
        string="Available",
        compute="_compute_limits",
        help="The card's cashback balance minus what confirmed orders not "
        "invoiced yet already spend, in the order's currency.",
    )
    order_total = fields.Monetary(
        compute="_compute_limits",
        help="Total of the quotation, taxes included, before any cashback.",
    )
    usable_amount = fields.Monetary(
        string="Usable on this Quotation",
        compute="_compute_limits",
        help="The most cashback this quotation can take: its total, less the "
        "taxes the redemption product would bear.",
    )
    amount = fields.Monetary(
        string="Cashback to Use",
        compute="_compute_amount",
        store=True,
        readonly=False,
        required=True,
        help="Deducted from the quotation as one redemption line. At most the "
        "available balance and the order total.",
    )

    @api.depends("order_id")
    def _compute_card_ids(self):
        for wizard in self:
            wizard.card_ids = wizard.order_id._b2b_get_cashback_cards()

    @api.depends("card_ids")
    def _compute_card_id(self):
        for wizard in self:
            # Real cards: the cards of a wizard being edited are new records.
            cards = wizard.card_ids._origin
            main = wizard.order_id.b2b_card_id._origin
            wizard.card_id = main if main in cards else cards[:1]

    @api.depends("order_id", "card_id")
    def _compute_limits(self):
        for wizard in self:
            card = wizard.card_id._origin
            if card:
                order = wizard.order_id
                wizard.available_amount, wizard.order_total = (
                    order._b2b_get_cashback_limits(card)
                )
                wizard.usable_amount = order._b2b_get_usable_cashback(
                    wizard.order_total, card
                )
            else:
                wizard.available_amount = wizard.order_total = 0.0
                wizard.usable_amount = 0.0

    @api.depends("available_amount", "usable_amount")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = max(min(wizard.available_amount, wizard.usable_amount), 0.0)

    def action_apply(self):
        self.ensure_one()
        self.order_id.b2b_apply_cashback(self.amount, self.card_id._origin)
        return {"type": "ir.actions.act_window_close"}
