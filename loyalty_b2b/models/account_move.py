from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount
from odoo.tools.misc import clean_context

from .loyalty_b2b_transaction import LIVE_DOMAIN

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
                ("company_id", "in", self.company_id.ids),
                *card_model._b2b_tier_card_domain(fields.Date.context_today(self)),
            ]
        )
        cards._b2b_recompute_tiers()

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

    def _b2b_cashback_on_posted(self):
        """Cashback of the customer documents ``self`` that were just posted."""
        self.filtered(
            lambda move: move.company_id.b2b_cashback_trigger == "posted"
        )._b2b_cashback_earn()
        self._b2b_cashback_refund()
        self._b2b_cashback_redeem()

    def _b2b_cashback_lines(self):
        """Lines of ``self`` that spend cashback (redemption lines)."""
        return self.invoice_line_ids.filtered(
            lambda line: line.b2b_reward_kind == "cashback"
        )

    def _b2b_get_earning_cards(self):
        """``{invoice: cards}``: active cashback cards of each invoice's customer
        company whose program runs on the invoice date."""
        empty = self.env["loyalty.b2b.card"]
        cards = empty.sudo().search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "in", self.company_id.parent_ids.ids),
                ("state", "=", "active"),
                ("program_id.program_type", "=", "cashback"),
            ]
        )
        cards_by_partner = cards.grouped("partner_id")
        return {
            move: cards_by_partner.get(move.commercial_partner_id, empty).filtered(
                lambda card, move=move: (
                    card.company_id in move.company_id.parent_ids
                    and card.program_id._is_valid_on(move.invoice_date or move.date)
                )
            )
            for move in self
        }

    def _b2b_prepare_cashback_redemption(self):
        """Before posting: every redemption line of the customer documents spends
        a card of the document's customer, stays within what the document
        carries, and is booked on its program's liability account (spending
        cashback settles part of what the seller owes the customer)."""
        documents = self._b2b_customer_documents().filtered(
            lambda move: move.state == "draft"
        )
        lines = documents._b2b_cashback_lines()
        if not lines:
            return
        lines._b2b_assign_redemption_cards()
        for move, move_lines in lines.grouped("move_id").items():
            move._b2b_check_redemption(move_lines)
            for card, card_lines in move_lines.grouped("b2b_card_id").items():
                liability = card.program_id.liability_account_id
                card_lines.filtered(
                    lambda line, liability=liability: line.account_id != liability
                ).account_id = liability

    def _b2b_check_redemption(self, lines):
        """Refuse a document whose redemption ``lines`` spend cashback it cannot
        carry: on a document of their own, beyond its total, on a card of
        another customer, more than a manual line's card has available, or a
        credit note giving back more than its invoice spent."""
        self.ensure_one()
        for card in lines.b2b_card_id:
            if (
                card.program_id.program_type != "cashback"
                or card.partner_id != self.commercial_partner_id
                or card.company_id not in self.company_id.parent_ids
            ):
                raise UserError(
                    self.env._(
                        "%(document)s spends cashback of card %(card)s, which is not "
                        "a cashback card of %(partner)s.",
                        document=self.display_name,
                        card=card.display_name,
                        partner=self.commercial_partner_id.display_name,
                    )
                )
        if self.move_type == "out_refund":
            self._b2b_check_cashback_given_back(lines)
            return
        goods = self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and not line.b2b_reward_kind
        )
        orders = lines.sale_line_ids.order_id
        if not goods or orders - goods.sale_line_ids.order_id:
            raise UserError(
                self.env._(
                    "Cashback can only reduce an invoice that carries goods or "
                    "services of the same order: %(document)s has none.",
                    document=self.display_name,
                )
            )
        spent = -sum(lines.mapped("price_total"))
        total = sum(goods.mapped("price_total"))
        if self.currency_id.compare_amounts(spent, total) > 0:
            raise UserError(
                self.env._(
                    "%(document)s spends %(spent)s of cashback, more than the "
                    "%(total)s it carries.",
                    document=self.display_name,
                    spent=format_amount(self.env, spent, self.currency_id),
                    total=format_amount(self.env, total, self.currency_id),
                )
            )
        # A line made by hand spends what no order committed: the card's
        # available cashback, under its lock. Order lines were checked when the
        # order was confirmed; the ledger checks the balance at posting.
        manual = lines.filtered(lambda line: not line.sale_line_ids)
        if manual:
            manual.b2b_card_id._lock_for_spending()
            for card, card_lines in manual.grouped("b2b_card_id").items():
                amount = card.currency_id.round(sum(card_lines.mapped("balance")))
                available = card.cashback_available
                if card.currency_id.compare_amounts(amount, available) > 0:
                    raise UserError(
                        self.env._(
                            "%(document)s spends %(amount)s of card %(card)s, which "
                            "has %(available)s available.",
                            document=self.display_name,
                            amount=format_amount(self.env, amount, card.currency_id),
                            card=card.display_name,
                            available=format_amount(
                                self.env, available, card.currency_id
                            ),
                        )
                    )

    def _b2b_check_cashback_given_back(self, lines):
        """A credit note gives back, per card, at most what the invoice it
        refunds spent and no other credit note gave back yet."""
        self.ensure_one()
        invoice = self.reversed_entry_id
        ledger = self.env["loyalty.b2b.transaction"].sudo()
        spent = defaultdict(float)
        if invoice:
            for entry in ledger.search(
                [
                    ("kind", "=", "redeem"),
                    ("invoice_id", "in", (invoice | invoice.reversal_move_ids).ids),
                    ("invoice_id", "!=", self.id),
                    *LIVE_DOMAIN,
                ]
            ):
                spent[entry.card_id] -= entry.amount
        for card, card_lines in lines.grouped("b2b_card_id").items():
            given_back = card.currency_id.round(-sum(card_lines.mapped("balance")))
            if card.currency_id.compare_amounts(given_back, 0.0) < 0:
                raise UserError(
                    self.env._(
                        "%(document)s is a credit note: it can give cashback back, "
                        "not spend it.",
                        document=self.display_name,
                    )
                )
            if card.currency_id.compare_amounts(given_back, spent[card]) > 0:
                raise UserError(
                    self.env._(
                        "%(document)s gives back %(amount)s of cashback of card "
                        "%(card)s, more than the invoice it refunds spent "
                        "(%(spent)s): a credit note gives back cashback only when "
                        "it refunds an invoice that spent it.",
                        document=self.display_name,
                        amount=format_amount(self.env, given_back, card.currency_id),
                        card=card.display_name,
                        spent=format_amount(
                            self.env, max(spent[card], 0.0), card.currency_id
                        ),
                    )
                )

    def _b2b_get_cashback_eligible_lines(self, program):
        """Lines of this invoice or credit note that earn ``program``'s cashback:
        no redemption, reward, delivery or down payment lines, and only products
        of the program's categories."""
        self.ensure_one()
        sale_line_fields = self.env["sale.order.line"]._fields
        excluded_flags = [
            fname
            for fname in ("is_downpayment", "is_delivery", "is_reward_line")
            if fname in sale_line_fields
        ]
        lines = self.invoice_line_ids.filtered(
            lambda line: (
                line.display_type == "product"
                and not line.b2b_reward_kind
                and not any(
                    sale_line[fname]
                    for sale_line in line.sale_line_ids
                    for fname in excluded_flags
                )
            )
        )
        eligible_products = program._filter_eligible_products(lines.product_id)
        return lines.filtered(
            lambda line: (
                line.product_id in eligible_products
                if line.product_id
                else not program.product_category_ids
            )
        )

    def _b2b_get_cashback_base(self, program):
        """Eligible untaxed amount of this invoice or credit note (positive), in
        company currency at the document's own rate."""
        self.ensure_one()
        lines = self._b2b_get_cashback_eligible_lines(program)
        balance = sum(lines.mapped("balance"))
        return self.company_currency_id.round(
            -balance if self.is_inbound() else balance
        )

    @api.model
    def _b2b_get_accounting_date(self, company, journal, date):
        """``date``, or the first open date when a lock date forbids it.

        Cashback entries follow business events (a payment, the nightly expiry,
        a credit note) that must not fail because a period is closed: like Odoo
        does for invoices, they move to the first day after the lock dates.
        """
        lock_dates = company._get_violated_lock_dates(date, False, journal)
        if lock_dates:
            return lock_dates[-1][0] + timedelta(days=1)
        return date

    @api.model
    def _b2b_prepare_cashback_move_vals(
        self, card, amount, kind, date, counterpart_account, source=None, label=None
    ):
        """Values of a cashback journal entry: a positive ``amount`` credits the
        program's liability account (more cashback owed), a negative one debits
        it; ``counterpart_account`` takes the other side."""
        program = card.program_id
        partner = card.partner_id
        if not label:
            kinds = self._fields["b2b_cashback_kind"]._description_selection(self.env)
            label = dict(kinds)[kind]
        line_vals = {"name": label, "partner_id": partner.id}
        return {
            "move_type": "entry",
            "company_id": program.company_id.id,
            "journal_id": program.journal_id.id,
            "date": self._b2b_get_accounting_date(
                program.company_id, program.journal_id, date
            ),
            "ref": source.name if source else label,
            "partner_id": partner.id,
            "b2b_program_id": program.id,
            "b2b_cashback_kind": kind,
            "b2b_cashback_amount": amount,
            "b2b_invoice_id": source.id if source else False,
            "line_ids": [
                Command.create(
                    dict(line_vals, account_id=counterpart_account.id, balance=amount)
                ),
                Command.create(
                    dict(
                        line_vals,
                        account_id=program.liability_account_id.id,
                        balance=-amount,
                    )
                ),
            ],
        }

    @api.model
    def _b2b_create_cashback_moves(self, vals_list):
        """Create and post cashback journal entries. Business flows of users who
        may not write in the loyalty journal (billing, payments, the nightly
        expiry) book them: hence sudo, on values built here only."""
        # Without the caller's defaults (an invoice form's default_move_type...).
        env = self.sudo().env(context=clean_context(self.env.context))
        moves = env["account.move"].create(vals_list)
        moves._post(soft=False)
        return moves

    def _b2b_cashback_earn(self):
        """Accrue the cashback of the posted invoices ``self`` that have none yet:
        one journal entry and one ledger ``earn`` per invoice and card."""
        invoices = self.filtered(
            lambda move: move.move_type == "out_invoice" and move.state == "posted"
        )
        cards_by_invoice = invoices._b2b_get_earning_cards()
        if not any(cards_by_invoice.values()):
            return
        ledger = self.env["loyalty.b2b.transaction"].sudo()
        accrued = {
            (entry.invoice_id, entry.card_id)
            for entry in ledger._b2b_search_live(invoices, ["earn"])
        }
        today = fields.Date.context_today(self)
        todo = []
        for invoice, cards in cards_by_invoice.items():
            # Posted: the invoice's period; paid: the day it was paid.
            date = (
                invoice.date
                if invoice.company_id.b2b_cashback_trigger == "posted"
                else today
            )
            for card in cards:
                if (invoice, card) in accrued:
                    continue
                base = invoice._b2b_get_cashback_base(card.program_id)
                amount = card.currency_id.round(base * card.cashback_percent / 100.0)
                if card.currency_id.compare_amounts(amount, 0.0) > 0:
                    todo.append((invoice, card, base, amount, date))
        if not todo:
            return
        moves = self._b2b_create_cashback_moves(
            [
                self._b2b_prepare_cashback_move_vals(
                    card,
                    amount,
                    "earn",
                    date,
                    card.program_id.rebate_account_id,
                    source=invoice,
                    label=self.env._(
                        "Cashback earned on %(invoice)s", invoice=invoice.name
                    ),
                )
                for invoice, card, base, amount, date in todo
            ]
        )
        ledger.create(
            [
                {
                    "card_id": card.id,
                    "kind": "earn",
                    "amount": amount,
                    "base_amount": base,
                    "date": move.date,
                    "move_id": move.id,
                    "invoice_id": invoice.id,
                }
                for (invoice, card, base, amount, _date), move in zip(
                    todo, moves, strict=True
                )
            ]
        )
        # Credit notes posted before these accruals take their share now.
        accrued_invoices = self.browse([invoice.id for invoice, *_rest in todo])
        accrued_invoices.reversal_move_ids._b2b_cashback_refund()

    def _b2b_cashback_refund(self):
        """Take back, in proportion, the cashback of the invoices that the posted
        credit notes ``self`` refund. The balance may go negative when the
        cashback was already spent: the next earnings absorb it."""
        refunds = self.filtered(
            lambda move: (
                move.move_type == "out_refund"
                and move.state == "posted"
                and move.reversed_entry_id
            )
        )
        if not refunds:
            return
        ledger = self.env["loyalty.b2b.transaction"].sudo()
        accruals = ledger._b2b_search_live(refunds.reversed_entry_id, ["earn"])
        if not accruals:
            return
        taken = ledger.search([("accrual_id", "in", accruals.ids), *LIVE_DOMAIN])
        done = {(entry.invoice_id, entry.accrual_id) for entry in taken}
        taken_amount = defaultdict(float)
        credited_base = defaultdict(float)
        for entry in taken:
            taken_amount[entry.accrual_id] -= entry.amount
            credited_base[entry.accrual_id] += entry.base_amount
        accruals_by_invoice = accruals.grouped("invoice_id")
        todo = []
        for refund in refunds.sorted("id"):
            for accrual in accruals_by_invoice.get(refund.reversed_entry_id, ledger):
                if (refund, accrual) in done:
                    continue
                currency = accrual.currency_id
                base = refund._b2b_get_cashback_base(accrual.program_id)
                if currency.compare_amounts(base, 0.0) <= 0:
                    continue
                remaining = accrual.amount - taken_amount[accrual]
                credited_base[accrual] += base
                credited = credited_base[accrual]
                if currency.compare_amounts(credited, accrual.base_amount) >= 0:
                    # The invoice is refunded in full: no rounding left behind.
                    amount = remaining
                else:
                    amount = min(
                        remaining,
                        currency.round(accrual.amount * base / accrual.base_amount),
                    )
                if currency.compare_amounts(amount, 0.0) <= 0:
                    continue
                taken_amount[accrual] += amount
                todo.append((refund, accrual, base, amount))
        if not todo:
            return
        moves = self._b2b_create_cashback_moves(
            [
                self._b2b_prepare_cashback_move_vals(
                    accrual.card_id,
                    -amount,
                    "reverse",
                    refund.date,
                    accrual.program_id.rebate_account_id,
                    source=refund,
                    label=self.env._(
                        "Cashback of %(invoice)s taken back by %(refund)s",
                        invoice=accrual.invoice_id.name,
                        refund=refund.name,
                    ),
                )
                for refund, accrual, base, amount in todo
            ]
        )
        ledger.create(
            [
                {
                    "card_id": accrual.card_id.id,
                    "kind": "reverse",
                    "amount": -amount,
                    "base_amount": base,
                    "date": move.date,
                    "move_id": move.id,
                    "invoice_id": refund.id,
                    "accrual_id": accrual.id,
                }
                for (refund, accrual, base, amount), move in zip(
                    todo, moves, strict=True
                )
            ]
        )

    def _b2b_cashback_redeem(self):
        """Ledger ``redeem`` of the posted documents ``self`` that spend cashback,
        one per document and card: the document itself is the journal entry,
        its redemption lines debit the liability account (a credit note's lines
        give the cashback back)."""
        lines = self.filtered(lambda move: move.state == "posted")._b2b_cashback_lines()
        if not lines:
            return
        ledger = self.env["loyalty.b2b.transaction"].sudo()
        done = {
            (entry.invoice_id, entry.card_id)
            for entry in ledger._b2b_search_live(lines.move_id, ["redeem"])
        }
        vals_list = []
        for (move, card), card_lines in lines.grouped(
            lambda line: (line.move_id, line.b2b_card_id)
        ).items():
            amount = move.company_currency_id.round(-sum(card_lines.mapped("balance")))
            if (move, card) in done or move.company_currency_id.is_zero(amount):
                continue
            vals_list.append(
                {
                    "card_id": card.id,
                    "kind": "redeem",
                    "amount": amount,
                    "date": move.date,
                    "move_id": move.id,
                    "invoice_id": move.id,
                }
            )
        ledger.create(vals_list)

    def _b2b_cashback_undo(self, kinds=("earn", "redeem", "reverse")):
        """Cancel the live cashback entries of the documents ``self`` (and the
        credit-note reversals of the accruals cancelled with them)."""
        ledger = self.env["loyalty.b2b.transaction"].sudo()
        entries = ledger._b2b_search_live(self, kinds)
        accruals = entries.filtered(lambda entry: entry.kind == "earn")
        if accruals:
            entries |= ledger.search([("accrual_id", "in", accruals.ids), *LIVE_DOMAIN])
        entries._b2b_cancel()

    def action_view_b2b_cashback_entries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_transaction_action"
        )
        action["domain"] = [("invoice_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
