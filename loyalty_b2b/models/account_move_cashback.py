from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.tools.misc import clean_context

from .loyalty_b2b_transaction import LIVE_DOMAIN


class AccountMove(models.Model):
    """The cashback of customer invoices: earned (journal entry and ledger
    ``earn``), taken back by credit notes, cancelled with its invoice."""

    _inherit = "account.move"

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
        company whose program runs on the invoice date; for an invoice of sales
        orders, those the orders use (a card left out of an order earns nothing
        on its invoice)."""
        empty = self.env["loyalty.b2b.card"]
        cards = empty.sudo().search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "in", self.company_id._b2b_get_program_companies().ids),
                ("state", "=", "active"),
                ("program_id.program_type", "=", "cashback"),
            ]
        )
        cards_by_partner = cards.grouped("partner_id")
        # Without orders, only the cards of companies still eligible (segment,
        # pilot) earn: checked once per program.
        eligible_cards = cards._filter_eligible_holders()
        result = {}
        for move in self:
            move_cards = cards_by_partner.get(move.commercial_partner_id, empty)
            # An invoice of orders earns on the cards those orders use.
            orders = move.invoice_line_ids.sale_line_ids.order_id
            if orders:
                move_cards &= orders.sudo().b2b_card_ids
            else:
                move_cards &= eligible_cards
            result[move] = move_cards.filtered(
                lambda card, move=move: (
                    card.company_id in move.company_id._b2b_get_program_companies()
                    and card.program_id._is_valid_on(move.invoice_date or move.date)
                )
            )
        return result

    def _b2b_get_cashback_eligible_lines(self, program):
        """Lines of this invoice or credit note that earn ``program``'s cashback:
        the lines of goods and services bought (see
        ``account.move.line._b2b_is_benefit_line``), of the program's
        categories."""
        self.ensure_one()
        lines = self.invoice_line_ids.filtered(lambda line: line._b2b_is_benefit_line())
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
    def _b2b_get_cashback_move_group_key(self, vals):
        """Movements whose values give the same key share one journal entry."""
        return (
            vals["company_id"],
            vals["journal_id"],
            vals["date"],
            vals["b2b_program_id"],
            vals["b2b_cashback_kind"],
            vals.get("reversed_entry_id") or False,
        )

    @api.model
    def _b2b_merge_cashback_move_vals(self, vals_list):
        """``(merged, positions)``: one journal entry's values per group of
        movements (see ``_b2b_get_cashback_move_group_key``), their lines side
        by side, and for each movement the position of its entry in ``merged``.

        A batch of 200 invoices books its cashback in one entry per program and
        date, each invoice's lines labelled with it, rather than 200 entries:
        an entry's number, balance check and posting cost more than its lines.
        """
        merged, positions, position_by_key = [], [], {}
        for vals in vals_list:
            key = self._b2b_get_cashback_move_group_key(vals)
            position = position_by_key.get(key)
            if position is None:
                position = position_by_key[key] = len(merged)
                merged.append(dict(vals, line_ids=list(vals["line_ids"])))
            else:
                entry = merged[position]
                entry["line_ids"] += vals["line_ids"]
                entry["b2b_cashback_amount"] += vals["b2b_cashback_amount"]
                # What all its movements share, or nothing.
                for fname in ("partner_id", "b2b_invoice_id", "ref"):
                    if entry.get(fname) != vals.get(fname):
                        entry[fname] = False
            positions.append(position)
        kinds = dict(self._fields["b2b_cashback_kind"]._description_selection(self.env))
        for entry in merged:
            currency = self.env["res.company"].browse(entry["company_id"]).currency_id
            entry["b2b_cashback_amount"] = currency.round(entry["b2b_cashback_amount"])
            entry["ref"] = entry["ref"] or kinds[entry["b2b_cashback_kind"]]
        return merged, positions

    @api.model
    def _b2b_create_cashback_moves(self, vals_list):
        """Create and post the cashback journal entries of the movements
        ``vals_list`` (see ``_b2b_prepare_cashback_move_vals``), merged by
        program, kind and date; return each movement's entry, in order.

        Business flows of users who may not write in the loyalty journal
        (billing, payments, the nightly expiry) book them: hence sudo, on
        values built here only."""
        merged, positions = self._b2b_merge_cashback_move_vals(vals_list)
        # Without the caller's defaults (an invoice form's default_move_type...).
        env = self.sudo().env(context=clean_context(self.env.context))
        moves = env["account.move"].create(merged)
        moves._post(soft=False)
        return moves.browse([moves[position].id for position in positions])

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
            for entry in ledger._search_live(invoices, ["earn"])
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
        accruals = ledger._search_live(refunds.reversed_entry_id, ["earn"])
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

    def _b2b_cashback_undo(self, kinds=("earn", "redeem", "reverse")):
        """Cancel the live cashback entries of the documents ``self`` (and the
        credit-note reversals of the accruals cancelled with them)."""
        ledger = self.env["loyalty.b2b.transaction"].sudo()
        entries = ledger._search_live(self, kinds)
        accruals = entries.filtered(lambda entry: entry.kind == "earn")
        if accruals:
            entries |= ledger.search([("accrual_id", "in", accruals.ids), *LIVE_DOMAIN])
        entries._cancel_entries()
