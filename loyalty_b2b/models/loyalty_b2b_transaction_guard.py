from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount

from .number_checks import is_finite_number

# What each program type's cards may hold in their ledger.
CASHBACK_ENTRY_KINDS = {"earn", "redeem", "reverse", "expire", "adjust"}
STAMP_ENTRY_KINDS = {"stamp", "stamp_reward", "reverse", "adjust"}
# Kinds whose journal entry is one the loyalty ledger posted itself.
OWN_MOVE_KINDS = {"earn", "expire", "adjust"}


class LoyaltyB2bTransaction(models.Model):
    """The guard of the ledger: what an entry may hold, and that nobody spends
    what a card does not hold."""

    _inherit = "loyalty.b2b.transaction"

    @api.model
    def _check_entry_values(self, vals_list):
        """Refuse entries that could not have come from a business event: wrong
        numbers, a kind the card's program does not know, cashback without its
        journal entry, a reversal that does not mirror what it cancels."""
        cards = self.env["loyalty.b2b.card"].browse(
            {vals["card_id"] for vals in vals_list}
        )
        cards.program_id.fetch(["program_type"])
        moves = self.env["account.move"].browse(
            {vals["move_id"] for vals in vals_list if vals.get("move_id")}
        )
        moves.fetch(["company_id", "b2b_program_id", "commercial_partner_id"])
        related = self.browse(
            {
                vals[fname]
                for vals in vals_list
                for fname in ("reversed_entry_id", "accrual_id")
                if vals.get(fname)
            }
        )
        related.fetch(["card_id", "kind", "amount", "stamps"])
        for vals in vals_list:
            card = cards.browse(vals["card_id"])
            self._check_entry_numbers(vals)
            self._check_entry_kind(card, vals)
            if vals.get("amount"):
                self._check_entry_move(card, vals)
            if vals["kind"] == "reverse":
                self._check_entry_reversal(card, vals)

    @api.model
    def _check_entry_numbers(self, vals):
        amount, stamps = vals.get("amount", 0.0), vals.get("stamps", 0)
        if not is_finite_number(amount):
            raise ValidationError(
                self.env._(
                    "The cashback amount of a card ledger entry must be a finite "
                    "number, not %(value)r.",
                    value=amount,
                )
            )
        if not is_finite_number(stamps) or not float(stamps).is_integer():
            raise ValidationError(
                self.env._(
                    "The stamps of a card ledger entry must be a whole number, not "
                    "%(value)r.",
                    value=stamps,
                )
            )
        vals["stamps"] = int(stamps)
        vals["amount"] = float(amount)

    @api.model
    def _check_entry_kind(self, card, vals):
        kind = vals.get("kind")
        program_type = card.program_id.program_type
        allowed = {"cashback": CASHBACK_ENTRY_KINDS, "stamp": STAMP_ENTRY_KINDS}.get(
            program_type, set()
        )
        if kind not in allowed:
            raise ValidationError(
                self.env._(
                    "Card %(card)s cannot hold a ledger entry of kind %(kind)s: its "
                    "program has no cashback or stamps of that kind.",
                    card=card.display_name,
                    kind=kind,
                )
            )
        moves_cashback = program_type == "cashback"
        amount = card.currency_id.round(vals["amount"])
        vals["amount"] = amount
        if vals["stamps"] and moves_cashback:
            raise ValidationError(
                self.env._(
                    "Card %(card)s holds cashback, not stamps.", card=card.display_name
                )
            )
        if not moves_cashback and not card.currency_id.is_zero(amount):
            raise ValidationError(
                self.env._(
                    "Card %(card)s holds stamps, not cashback.", card=card.display_name
                )
            )
        if card.currency_id.is_zero(amount) and not vals["stamps"]:
            raise ValidationError(
                self.env._(
                    "A ledger entry of card %(card)s must move cashback or stamps.",
                    card=card.display_name,
                )
            )
        sign = {"earn": 1, "expire": -1}.get(kind)
        if sign and card.currency_id.compare_amounts(amount * sign, 0.0) <= 0:
            raise ValidationError(
                self.env._(
                    "Cashback earned is positive and cashback expired negative "
                    "(card %(card)s).",
                    card=card.display_name,
                )
            )

    @api.model
    def _check_entry_move(self, card, vals):
        """Cashback moves only with its journal entry: the general ledger and the
        card ledger can then never disagree."""
        move = self.env["account.move"].browse(vals.get("move_id"))
        kind = vals["kind"]
        if not move:
            raise ValidationError(
                self.env._(
                    "Cashback of card %(card)s moves only with its journal entry: "
                    "use the invoice, the credit note or a manual adjustment.",
                    card=card.display_name,
                )
            )
        # The documents of a branch spend its parent company's cards.
        if card.company_id not in move.company_id._b2b_get_program_companies():
            raise ValidationError(
                self.env._(
                    "Journal entry %(move)s belongs to another company than card "
                    "%(card)s.",
                    move=move.display_name,
                    card=card.display_name,
                )
            )
        if kind in OWN_MOVE_KINDS and move.b2b_program_id != card.program_id:
            raise ValidationError(
                self.env._(
                    "Journal entry %(move)s was not posted for the cashback of "
                    "program %(program)s.",
                    move=move.display_name,
                    program=card.program_id.display_name,
                )
            )
        if kind == "redeem" and (
            vals.get("invoice_id") != move.id
            or move.commercial_partner_id != card.partner_id
        ):
            raise ValidationError(
                self.env._(
                    "Cashback of card %(card)s can only be spent on a document of "
                    "%(partner)s.",
                    card=card.display_name,
                    partner=card.partner_id.display_name,
                )
            )

    @api.model
    def _check_entry_reversal(self, card, vals):
        """A reversal mirrors the entry it cancels, or takes back part of an
        accrual (credit note)."""
        cancelled = self.browse(vals.get("reversed_entry_id"))
        accrual = self.browse(vals.get("accrual_id"))
        currency = card.currency_id
        if cancelled:
            if cancelled.card_id != card or (
                currency.compare_amounts(vals["amount"], -cancelled.amount)
                or vals["stamps"] != -cancelled.stamps
            ):
                raise ValidationError(
                    self.env._(
                        "A reversal of card %(card)s must cancel exactly the entry "
                        "it reverses.",
                        card=card.display_name,
                    )
                )
        elif not (
            accrual
            and accrual.kind == "earn"
            and accrual.card_id == card
            and currency.compare_amounts(vals["amount"], 0.0) < 0
            and currency.compare_amounts(-vals["amount"], accrual.amount) <= 0
        ):
            raise ValidationError(
                self.env._(
                    "A reversal of card %(card)s must cancel an entry or take back "
                    "part of the cashback an invoice earned.",
                    card=card.display_name,
                )
            )

    @api.model
    def _is_spending(self, vals):
        """Does this entry take from what the card holds? Taking back cashback
        that was earned or granted (a ``reverse`` of an accrual: credit note,
        invoice reset or cancelled) is a clawback, not spending: it may take the
        balance below zero, and the next earnings absorb it."""
        return vals.get("stamps", 0) < 0 or (
            vals.get("amount", 0.0) < 0 and vals["kind"] != "reverse"
        )

    @api.model
    def _check_balances(self, vals_list):
        """Under the card's lock, refuse entries that would spend more cashback
        or stamps than the card holds."""
        spending = [vals for vals in vals_list if self._is_spending(vals)]
        if not spending:
            return
        cards = self.env["loyalty.b2b.card"].browse(
            sorted({vals["card_id"] for vals in spending})
        )
        # Read at REPEATABLE READ: a spending committed by another transaction
        # since this one began makes the lock fail with a serialization error
        # (see _lock_for_spending), so the totals read in this transaction,
        # even before the lock, are the card's.
        cards._lock_for_spending()
        changes = defaultdict(lambda: [0.0, 0, 0.0, 0])
        for vals in vals_list:
            if vals["card_id"] not in cards.ids:
                continue
            change = changes[vals["card_id"]]
            change[0] += vals.get("amount", 0.0)
            change[1] += vals.get("stamps", 0)
            if self._is_spending(vals):
                change[2] += min(vals.get("amount", 0.0), 0.0)
                change[3] += min(vals.get("stamps", 0), 0)
        for card in cards:
            amount, stamps = card.cashback_balance, card.stamp_count
            change, stamp_change, spent, stamps_spent = changes[card.id]
            currency = card.currency_id
            if spent and currency.compare_amounts(amount + change, 0.0) < 0:
                raise UserError(
                    self.env._(
                        "Card %(card)s cannot spend %(spent)s of cashback: it holds "
                        "%(balance)s.",
                        card=card.display_name,
                        spent=format_amount(self.env, -spent, currency),
                        balance=format_amount(self.env, amount, currency),
                    )
                )
            if stamps_spent and stamps + stamp_change < 0:
                raise UserError(
                    self.env._(
                        "Card %(card)s holds %(count)s stamps: this needs %(needed)s.",
                        card=card.display_name,
                        count=stamps,
                        needed=-stamps_spent,
                    )
                )
