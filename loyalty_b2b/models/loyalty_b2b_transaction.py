from odoo import api, fields, models
from odoo.exceptions import UserError


class LoyaltyB2bTransaction(models.Model):
    """The card ledger: append-only, corrections are new entries."""

    _name = "loyalty.b2b.transaction"
    _description = "B2B Loyalty Card Ledger Entry"
    _order = "date desc, id desc"
    _check_company_auto = True

    card_id = fields.Many2one(
        "loyalty.b2b.card",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    program_id = fields.Many2one(related="card_id.program_id", store=True)
    partner_id = fields.Many2one("res.partner", readonly=True, index=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        required=True, default=fields.Date.context_today, readonly=True, index=True
    )
    kind = fields.Selection(
        [
            ("earn", "Cashback earned"),
            ("redeem", "Cashback redeemed"),
            ("reverse", "Reversal"),
            ("expire", "Cashback expired"),
            ("adjust", "Manual adjustment"),
            ("stamp", "Stamp"),
            ("stamp_reward", "Stamp reward"),
        ],
        required=True,
        readonly=True,
    )
    amount = fields.Monetary(
        readonly=True,
        help="Signed, in company currency: a positive amount adds to the balance.",
    )
    stamps = fields.Integer(readonly=True, help="Signed number of stamps.")
    move_id = fields.Many2one(
        "account.move", string="Journal Entry", readonly=True, index="btree_not_null"
    )
    invoice_id = fields.Many2one(
        "account.move", readonly=True, index="btree_not_null"
    )
    sale_order_id = fields.Many2one(
        "sale.order", string="Sales Order", readonly=True, index="btree_not_null"
    )
    note = fields.Char(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        cards = self.env["loyalty.b2b.card"].browse(
            [vals["card_id"] for vals in vals_list if vals.get("card_id")]
        )
        cards.fetch(["partner_id", "company_id"])
        for vals in vals_list:
            card = self.env["loyalty.b2b.card"].browse(vals.get("card_id"))
            # The entry keeps the card's owner at the time it was written.
            vals["partner_id"] = card.partner_id.id
            vals["company_id"] = card.company_id.id
        return super().create(vals_list)

    def write(self, vals):
        if self:
            raise UserError(
                self.env._(
                    "Card ledger entries cannot be changed. Record a correction as "
                    "a new entry instead."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._(
                "Card ledger entries cannot be deleted. Record a correction as a "
                "new entry instead."
            )
        )
