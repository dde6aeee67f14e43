import threading

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, split_every
from odoo.tools.misc import clean_context

# Entries that still count: neither cancelled out nor cancelling another one.
LIVE_DOMAIN = [("reversed_entry_id", "=", False), ("is_cancelled", "=", False)]
# What the entries of a stamp card's order are made of (see _b2b_insert_stamps).
STAMP_KINDS = ("stamp", "stamp_reward")
STAMP_ENTRY_KEYS = {"card_id", "kind", "stamps", "sale_order_id", "note"}


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
        # The unique index on live entries must see the cancellations made so far.
        self.flush_model(["is_cancelled"])
        self._b2b_set_card_owner(vals_list)
        return super().create(vals_list)

    @api.model
    def _b2b_set_card_owner(self, vals_list):
        """Copy the partner and company of each entry's card into its values:
        an entry keeps the card's owner at the time it was written."""
        cards = self.env["loyalty.b2b.card"].browse(
            [vals["card_id"] for vals in vals_list if vals.get("card_id")]
        )
        cards.fetch(["partner_id", "company_id", "program_id"])
        for vals in vals_list:
            card = self.env["loyalty.b2b.card"].browse(vals.get("card_id"))
            vals["partner_id"] = card.partner_id.id
            vals["company_id"] = card.company_id.id

    @api.model
    def _b2b_insert_stamps(self, vals_list):
        """Append stamp entries (``stamp``, ``stamp_reward``) with a single
        INSERT, holding what create() would write; return them.

        Confirming an order is the hot path of sales, and create() costs about
        2 ms more than its INSERT, 5 % of the confirmation of a 20-line order
        (scripts/bench_order_confirm.py). Stamp entries need nothing of it but
        the INSERT: no default but the date, no computed value but the program,
        no constraint to check. As create() does, the new entries are put in
        cache and what depends on them (the cards' stamp counts) is invalidated.
        """
        if not vals_list:
            return self.browse()
        self.check_access("create")
        for vals in vals_list:
            if set(vals) - STAMP_ENTRY_KEYS or vals.get("kind") not in STAMP_KINDS:
                raise ValueError(f"Not a stamp entry: {vals}")
        self._b2b_set_card_owner(vals_list)
        today = fields.Date.context_today(self)
        now = self.env.cr.now()
        rows = [
            {
                **vals,
                "program_id": self.env["loyalty.b2b.card"]
                .browse(vals["card_id"])
                .program_id.id,
                "date": today,
                "is_cancelled": False,
                "create_uid": self.env.uid,
                "create_date": now,
                "write_uid": self.env.uid,
                "write_date": now,
            }
            for vals in vals_list
        ]
        columns = [self._fields[name] for name in sorted(set().union(*rows))]
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s) VALUES %s RETURNING id",
                SQL.identifier(self._table),
                SQL(", ").join(SQL.identifier(field.name) for field in columns),
                SQL(", ").join(
                    tuple(
                        field.convert_to_column_insert(row.get(field.name), self, row)
                        for field in columns
                    )
                    for row in rows
                ),
            )
        )
        entries = self.browse([entry_id for (entry_id,) in self.env.cr.fetchall()])
        for field in columns:
            self.env.cache.update(
                entries,
                field,
                [field.convert_to_cache(row.get(field.name), entries) for row in rows],
            )
        # The cards' ledgers in cache get the new entries, as in create().
        card_field = self._fields["card_id"]
        for card, card_entries in entries.grouped("card_id").items():
            card_field._update_inverses(card_entries, card.id)
        # The values written are final: nothing to recompute on the entries.
        with self.env.protecting(columns, entries):
            entries.modified([field.name for field in columns], create=True)
        return entries

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
    def _b2b_search_live(self, documents, kinds):
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

    def _b2b_cancel(self, note=None):
        """Cancel these entries out with opposite ``reverse`` entries, reversing
        the journal entries the loyalty ledger posted for them. Return the new
        entries."""
        entries = self.filtered(
            lambda entry: not entry.is_cancelled and not entry.reversed_entry_id
        )
        if not entries:
            return self.browse()
        move_model = self.env["account.move"]
        # A redemption points to its invoice: no entry of ours to reverse.
        own_moves = entries.move_id.filtered("b2b_cashback_kind")
        reversal_by_move = {}
        if own_moves:
            # Like their creation: sudo, without the caller's defaults.
            own_moves = own_moves.with_env(
                self.env(context=clean_context(self.env.context), su=True)
            )
            reversals = own_moves._reverse_moves(
                [
                    {
                        "date": move_model._b2b_get_accounting_date(
                            move.company_id, move.journal_id, move.date
                        ),
                        "ref": self.env._("Reversal of %(entry)s", entry=move.name),
                        "b2b_program_id": move.b2b_program_id.id,
                        "b2b_cashback_kind": "reverse",
                        "b2b_cashback_amount": -move.b2b_cashback_amount,
                        "b2b_invoice_id": move.b2b_invoice_id.id,
                    }
                    for move in own_moves
                ],
                cancel=True,
            )
            reversal_by_move = dict(zip(own_moves, reversals, strict=True))
        vals_list = []
        for entry in entries:
            reversal = reversal_by_move.get(entry.move_id)
            vals_list.append(
                {
                    "card_id": entry.card_id.id,
                    "kind": "reverse",
                    "amount": -entry.amount,
                    "date": reversal.date if reversal else entry.date,
                    "move_id": (reversal or entry.move_id).id,
                    "invoice_id": entry.invoice_id.id,
                    "reversed_entry_id": entry.id,
                    "note": note,
                }
            )
        return self.sudo().create(vals_list)

    # Expiry ------------------------------------------------------------------

    @api.model
    def _b2b_get_cashback_to_expire(self, today):
        """``{card: amount}`` of earned cashback that expires on ``today``.

        First in, first out: whatever the card spent, lost to credit notes or
        expired so far consumed its oldest cashback first. What was earned before
        the program's validity window and is not consumed expires. Entries that
        cancel each other out (a reset invoice and its accrual) are left aside.
        """
        companies = self.env["res.company"].sudo().search([])
        programs = (
            self.env["loyalty.b2b.program"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("company_id", "in", companies.ids),
                    ("program_type", "=", "cashback"),
                    ("cashback_validity_months", ">", 0),
                    ("breakage_account_id", "!=", False),
                ]
            )
        )
        ledger = self.sudo()
        to_expire = {}
        for program in programs:
            cutoff = today - relativedelta(months=program.cashback_validity_months)
            credits = dict(
                ledger._read_group(
                    [
                        ("program_id", "=", program.id),
                        ("amount", ">", 0),
                        ("date", "<", cutoff),
                        *LIVE_DOMAIN,
                    ],
                    ["card_id"],
                    ["amount:sum"],
                )
            )
            if not credits:
                continue
            debits = dict(
                ledger._read_group(
                    [
                        ("card_id", "in", [card.id for card in credits]),
                        ("amount", "<", 0),
                        *LIVE_DOMAIN,
                    ],
                    ["card_id"],
                    ["amount:sum"],
                )
            )
            for card, credit in credits.items():
                amount = card.currency_id.round(credit + debits.get(card, 0.0))
                if card.currency_id.compare_amounts(amount, 0.0) > 0:
                    to_expire[card] = amount
        return to_expire

    @api.model
    def _b2b_expire_cashback(self, amounts_by_card, today):
        """Expire ``{card: amount}``: debit liability, credit breakage income,
        ledger ``expire``. No commit: callable from anywhere."""
        if not amounts_by_card:
            return self.browse()
        move_model = self.env["account.move"]
        cards = list(amounts_by_card)
        label = self.env._("Cashback expired")
        moves = move_model._b2b_create_cashback_moves(
            [
                move_model._b2b_prepare_cashback_move_vals(
                    card,
                    -amounts_by_card[card],
                    "expire",
                    today,
                    card.program_id.breakage_account_id,
                    label=label,
                )
                for card in cards
            ]
        )
        return self.sudo().create(
            [
                {
                    "card_id": card.id,
                    "kind": "expire",
                    "amount": -amounts_by_card[card],
                    "date": move.date,
                    "move_id": move.id,
                    "note": label,
                }
                for card, move in zip(cards, moves, strict=True)
            ]
        )

    @api.model
    def _cron_expire_cashback(self, batch_size=200):
        """Daily: expire cashback older than its program's validity, in batches."""
        today = fields.Date.context_today(self)
        todo = list(self._b2b_get_cashback_to_expire(today).items())
        cron = self.env["ir.cron"]
        cron._notify_progress(done=0, remaining=len(todo))
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        done = 0
        for batch in split_every(batch_size, todo):
            self._b2b_expire_cashback(dict(batch), today)
            done += len(batch)
            cron._notify_progress(done=done, remaining=len(todo) - done)
            if auto_commit:
                # Each batch is complete and balanced (journal entries and ledger).
                # Committing it keeps the work done if a later batch fails, and
                # releases the locks on the journal's sequence for the users who
                # post invoices meanwhile; the next run only finds what is left.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return done
