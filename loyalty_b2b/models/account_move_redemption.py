from collections import defaultdict

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from .loyalty_b2b_transaction import LIVE_DOMAIN


class AccountMove(models.Model):
    """Cashback spent on customer invoices (and given back by credit notes):
    checked before posting, booked as the ledger's ``redeem`` per card."""

    _inherit = "account.move"

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
                or card.company_id not in self.company_id._b2b_get_program_companies()
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
            for entry in ledger._search_live(lines.move_id, ["redeem"])
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
