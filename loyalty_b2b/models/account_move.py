from odoo import fields, models
from odoo.exceptions import UserError

CASHBACK_ENTRY_KINDS = [
    ("earn", "Cashback earned"),
    ("reverse", "Cashback reversed"),
    ("expire", "Cashback expired"),
    ("adjust", "Manual adjustment"),
]


class AccountMove(models.Model):
    _inherit = "account.move"

    b2b_program_id = fields.Many2one(
        "loyalty.b2b.program",
        string="Loyalty Program",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Cashback program of a journal entry posted by the loyalty ledger.",
    )
    b2b_cashback_kind = fields.Selection(
        CASHBACK_ENTRY_KINDS, string="Cashback Entry", readonly=True, copy=False
    )
    b2b_invoice_id = fields.Many2one(
        "account.move",
        string="Cashback Source",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Invoice or credit note this cashback entry comes from.",
    )
    b2b_cashback_amount = fields.Monetary(
        string="Cashback Amount",
        currency_field="company_currency_id",
        readonly=True,
        copy=False,
        help="Effect of this entry on the cashback owed: positive when it credits "
        "the liability account.",
    )
    b2b_cashback_entry_count = fields.Integer(
        compute="_compute_b2b_cashback_entry_count"
    )

    def _compute_b2b_cashback_entry_count(self):
        # Counting the ledger lines of documents the user already reads.
        counts = dict(
            self.env["loyalty.b2b.transaction"]
            .sudo()
            ._read_group(
                [
                    ("invoice_id", "in", self.ids),
                    ("kind", "in", ("earn", "redeem", "reverse")),
                ],
                ["invoice_id"],
                ["__count"],
            )
        )
        for move in self:
            move.b2b_cashback_entry_count = counts.get(move, 0)

    def _post(self, soft=True):
        self._b2b_prepare_cashback_redemption()
        posted = super()._post(soft)
        posted._b2b_on_posted()
        return posted

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        # Posting a journal entry makes its partner follow it: the customer of
        # one of the ledger's own cashback entries must not (it is internal),
        # and the many entries of a batch of invoices are spared its cost.
        if partner_ids and self and all(self.mapped("b2b_cashback_kind")):
            customers = set(self.partner_id.ids)
            partner_ids = [pid for pid in partner_ids if pid not in customers]
        return super().message_subscribe(partner_ids, subtype_ids)

    def _check_draftable(self):
        self._b2b_check_cashback_entries_draftable()
        return super()._check_draftable()

    def button_draft(self):
        # button_cancel reaches this too for posted moves.
        was_posted = self.filtered(lambda move: move.state == "posted")
        res = super().button_draft()
        was_posted._b2b_on_unposted()
        return res

    def _b2b_customer_documents(self):
        """Customer invoices and credit notes: the moves loyalty reacts to."""
        return self.filtered(lambda move: move.is_sale_document(include_receipts=False))

    def _b2b_on_posted(self):
        """Hook: ``self`` was just posted."""
        documents = self._b2b_customer_documents()
        # Cashback first: an invoice earns at the tier reached before it counts.
        documents._b2b_cashback_on_posted()
        documents._b2b_refresh_card_tiers()

    def _b2b_on_unposted(self):
        """Hook: ``self`` left the posted state (reset to draft or cancelled)."""
        documents = self._b2b_customer_documents()
        documents._b2b_cashback_undo()
        documents._b2b_refresh_card_tiers()

    def _b2b_refresh_card_tiers(self):
        """Recompute spend and tier of the cards of these documents' companies."""
        if not self:
            return
        card_model = self.env["loyalty.b2b.card"]
        # sudo: whoever posts an invoice moves the tiers of its customer's cards;
        # the search is limited to these documents' customers and companies.
        cards = card_model.sudo().search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "in", self.company_id._b2b_get_program_companies().ids),
                *card_model._get_tier_card_domain(fields.Date.context_today(self)),
            ]
        )
        cards._recompute_tiers()

    # Cashback --------------------------------------------------------------

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        self._b2b_customer_documents().filtered(
            lambda move: move.company_id.b2b_cashback_trigger == "paid"
        )._b2b_cashback_earn()
        return res

    def _b2b_filter_paid_cashback_invoices(self):
        """Invoices of ``self`` that earn cashback by being paid and are paid."""
        return self.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and move.company_id.b2b_cashback_trigger == "paid"
                and move.payment_state in ("paid", "in_payment")
            )
        )

    def _b2b_filter_paid_invoices_to_watch(self):
        """Hook: the paid invoices of ``self`` whose unreconciliation loyalty
        reacts to (through _b2b_on_unpaid)."""
        return self._b2b_filter_paid_cashback_invoices()

    def _b2b_on_unpaid(self):
        """Hook: payments of ``self``, paid invoices, were just unreconciled."""
        self.filtered(
            lambda move: (
                move.state == "posted"
                and move.payment_state not in ("paid", "in_payment")
            )
        )._b2b_cashback_undo(kinds=("earn",))

    def _b2b_check_cashback_entries_draftable(self):
        entry = self.filtered("b2b_cashback_kind")[:1]
        if entry:
            raise UserError(
                self.env._(
                    "Journal entry %(entry)s belongs to the cashback ledger and "
                    "cannot be reset to draft. Reset its invoice to draft, or "
                    "record a manual cashback adjustment.",
                    entry=entry.display_name,
                )
            )

    def action_view_b2b_cashback_entries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_transaction_action"
        )
        action["domain"] = [("invoice_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
