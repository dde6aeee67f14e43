from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

# Entries that still count: neither cancelled out nor cancelling another one.
LIVE_DOMAIN = [("reversed_entry_id", "=", False), ("is_cancelled", "=", False)]


class LoyaltyB2bTransaction(models.Model):
    """The card ledger: append-only, corrections are new entries."""

    _name = "loyalty.b2b.transaction"
    _description = "B2B Loyalty Card Ledger Entry"
    _order = "date desc, id desc"
    # No company check: create() copies partner and company from the card, so
    # an entry always belongs to its card's company.

    card_id = fields.Many2one(
        "loyalty.b2b.card",
        required=True,
        index=True,
        ondelete="restrict",
    )
    # Precomputed: written with the INSERT, not by a second UPDATE per entry.
    program_id = fields.Many2one(
        related="card_id.program_id", store=True, precompute=True
    )
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
    base_amount = fields.Monetary(
        string="Eligible Amount",
        readonly=True,
        help="Eligible untaxed amount of the invoice or credit note, in company "
        "currency, that the cashback was computed from.",
    )
    stamps = fields.Integer(readonly=True, help="Signed number of stamps.")
    move_id = fields.Many2one(
        "account.move", string="Journal Entry", readonly=True, index="btree_not_null"
    )
    invoice_id = fields.Many2one("account.move", readonly=True, index="btree_not_null")
    sale_order_id = fields.Many2one(
        "sale.order", string="Sales Order", readonly=True, index="btree_not_null"
    )
    note = fields.Char(readonly=True)
    reversed_entry_id = fields.Many2one(
        "loyalty.b2b.transaction",
        string="Cancels",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The entry this one cancels out: its invoice was reset to draft, "
        "cancelled or unpaid.",
    )
    cancel_entry_ids = fields.One2many(
        "loyalty.b2b.transaction", "reversed_entry_id", string="Cancelled By"
    )
    is_cancelled = fields.Boolean(
        string="Cancelled",
        compute="_compute_is_cancelled",
        store=True,
        precompute=True,
        help="A later entry cancels this one out.",
    )
    accrual_id = fields.Many2one(
        "loyalty.b2b.transaction",
        string="Refunded Accrual",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="Cashback taken back by a credit note: the accrual of the invoice "
        "the credit note refunds.",
    )

    def init(self):
        # Last line of defence against accruing an invoice twice: one live
        # accrual, redemption and credit-note reversal per document and card.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s "
                "ON %s (invoice_id, card_id, kind) "
                "WHERE invoice_id IS NOT NULL AND reversed_entry_id IS NULL "
                "AND is_cancelled IS NOT TRUE "
                "AND (kind IN ('earn', 'redeem') OR accrual_id IS NOT NULL)",
                SQL.identifier("loyalty_b2b_transaction_live_document_uniq"),
                SQL.identifier(self._table),
            )
        )
        # An entry is cancelled out once at most.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (reversed_entry_id) "
                "WHERE reversed_entry_id IS NOT NULL",
                SQL.identifier("loyalty_b2b_transaction_reversed_entry_uniq"),
                SQL.identifier(self._table),
            )
        )

    @api.depends("cancel_entry_ids")
    def _compute_is_cancelled(self):
        for entry in self:
            entry.is_cancelled = bool(entry.cancel_entry_ids)

    @api.model_create_multi
    def create(self, vals_list):
        """The one door of the ledger: every movement of cashback and stamps,
        whoever asks (order, invoice, wizard, portal, integration), is checked
        here, and spending is checked under the card's lock."""
        self.check_access("create")
        self._set_card_owner(vals_list)
        self._check_entry_values(vals_list)
        self._check_balances(vals_list)
        # The unique index on live entries must see the cancellations made so far.
        self.flush_model(["is_cancelled"])
        return super().create(vals_list)

    @api.model
    def _set_card_owner(self, vals_list):
        """Copy the partner and company of each entry's card into its values:
        an entry keeps the card's owner at the time it was written."""
        if not all(vals.get("card_id") for vals in vals_list):
            raise ValidationError(self.env._("A card ledger entry needs its card."))
        cards = self.env["loyalty.b2b.card"].browse(
            {vals["card_id"] for vals in vals_list}
        )
        # A card that does not exist raises a MissingError here.
        cards.fetch(["partner_id", "company_id", "program_id"])
        for vals in vals_list:
            card = cards.browse(vals["card_id"])
            vals["partner_id"] = card.partner_id.id
            vals["company_id"] = card.company_id.id

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

    @api.model
    def _search_live(self, documents, kinds):
        """Live entries of ``kinds`` written for the invoices or credit notes
        ``documents`` ("reverse": the cashback a credit note took back)."""
        kind_domain = [("kind", "in", [kind for kind in kinds if kind != "reverse"])]
        if "reverse" in kinds:
            kind_domain = [
                "|",
                *kind_domain,
                "&",
                ("kind", "=", "reverse"),
                ("accrual_id", "!=", False),
            ]
        return self.search(
            [("invoice_id", "in", documents.ids), *kind_domain, *LIVE_DOMAIN]
        )

    def _cancel_entries(self, note=None):
        """Cancel these entries out with opposite ``reverse`` entries, and the
        journal entries the loyalty ledger posted for them with counter-entries
        (see ``_book_cancellation_moves``). Return the new entries."""
        entries = self.filtered(
            lambda entry: not entry.is_cancelled and not entry.reversed_entry_id
        )
        if not entries:
            return self.browse()
        counter_moves = entries._book_cancellation_moves()
        vals_list = []
        for entry in entries:
            counter_move = counter_moves.get(entry)
            vals_list.append(
                {
                    "card_id": entry.card_id.id,
                    "kind": "reverse",
                    "amount": -entry.amount,
                    "date": counter_move.date if counter_move else entry.date,
                    # A redemption points to its invoice: no entry of ours.
                    "move_id": (counter_move or entry.move_id).id,
                    "invoice_id": entry.invoice_id.id,
                    "reversed_entry_id": entry.id,
                    "note": note,
                }
            )
        return self.sudo().create(vals_list)
