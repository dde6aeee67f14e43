import threading
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount, split_every

from .cashback_expiry_rules import (
    expired_earning_cutoff,
    expiring_amount,
    remaining_credits,
)
from .loyalty_b2b_program import REBATE_ACCOUNT_TYPES
from .loyalty_b2b_transaction import LIVE_DOMAIN
from .number_checks import is_finite_number


class LoyaltyB2bTransaction(models.Model):
    """Cashback movements the ledger books with their journal entries: manual
    adjustments and expiry (earning, redeeming and credit notes follow the
    invoices, see account.move)."""

    _inherit = "loyalty.b2b.transaction"

    # Cancellations -------------------------------------------------------------

    def _book_cancellation_moves(self):
        """``{entry: counter-entry}``: book the opposite of what the journal
        entries of the cashback entries ``self`` posted for them, and reconcile
        each liability line with its opposite.

        Those journal entries may hold the movements of a whole batch (see
        ``account.move._b2b_create_cashback_moves``): only this entry's lines
        are countered. When every live movement of a journal entry is
        cancelled, the counter-entry is its reversal (``reversed_entry_id``)."""
        entries = self.filtered(lambda entry: entry.move_id.b2b_cashback_kind)
        if not entries:
            return {}
        moves = entries.move_id
        live = self.sudo().search([("move_id", "in", moves.ids), *LIVE_DOMAIN])
        fully_cancelled = moves - (live - entries).move_id
        move_model = self.env["account.move"]
        plan = []
        for entry in entries:
            liability, counterpart = entry._get_own_move_lines(plan)
            vals = move_model._b2b_prepare_cashback_move_vals(
                entry.card_id,
                -entry.amount,
                "reverse",
                entry.move_id.date,
                counterpart.account_id,
                source=entry.invoice_id or None,
                label=self.env._("Reversal of %(entry)s", entry=liability.name),
            )
            vals["ref"] = self.env._("Reversal of %(entry)s", entry=entry.move_id.name)
            if entry.move_id in fully_cancelled:
                vals["reversed_entry_id"] = entry.move_id.id
            plan.append((vals, liability))
        counter_moves = move_model._b2b_create_cashback_moves(
            [vals for vals, _liability in plan]
        )
        self._reconcile_cancellations(
            [
                (liability, counter_move)
                for (_vals, liability), counter_move in zip(
                    plan, counter_moves, strict=True
                )
            ]
        )
        return dict(zip(entries, counter_moves, strict=True))

    def _get_own_move_lines(self, plan):
        """``(liability line, counterpart line)`` of this entry in its journal
        entry: the lines of its card's customer with its amount (any of equal
        ones; those already in ``plan`` or reconciled are taken)."""
        self.ensure_one()
        currency = self.currency_id
        liability_account = self.program_id.liability_account_id
        taken = {liability for _vals, liability in plan}
        lines = self.move_id.line_ids.filtered(
            lambda line: line.partner_id == self.partner_id
        )
        liability = lines.filtered(
            lambda line: (
                line.account_id == liability_account
                and not line.reconciled
                and line not in taken
                and not currency.compare_amounts(line.balance, -self.amount)
            )
        )[:1]
        counterpart = lines.filtered(
            lambda line: (
                line.account_id != liability_account
                and not currency.compare_amounts(line.balance, self.amount)
            )
        )[:1]
        return liability, counterpart

    @api.model
    def _reconcile_cancellations(self, pairs):
        """Reconcile each cancelled liability line with its counter-line, in one
        plan; reversals of whole entries are reconciled by their posting."""
        plan, taken = [], set()
        for liability, counter_move in pairs:
            if not liability or liability.reconciled:
                continue
            counter_line = counter_move.line_ids.filtered(
                lambda line, liability=liability: (
                    line.account_id == liability.account_id
                    and line.partner_id == liability.partner_id
                    and not line.reconciled
                    and line not in taken
                    and not liability.company_currency_id.compare_amounts(
                        line.balance, -liability.balance
                    )
                )
            )[:1]
            if counter_line:
                taken.add(counter_line)
                plan.append(liability | counter_line)
        if plan:
            self.env["account.move.line"].sudo()._reconcile_plan(plan)

    # Adjustments ---------------------------------------------------------------

    @api.model
    def _adjust_cashback(self, card, amount, reason, date=None, account=None):
        """Give (``amount`` > 0) or take back (< 0) cashback of ``card`` by hand:
        a journal entry between the program's liability account and ``account``
        (default: the program's rebate account), and its ledger ``adjust``.
        Taking back more than the card holds is refused. Return the entry."""
        card.ensure_one()
        account = account or card.program_id.rebate_account_id
        self._check_adjustment(card, amount, reason, account)
        # Refused before anything is booked, not once the journal entry exists;
        # what confirmed orders committed cannot be taken back either.
        self._check_balances(
            [{"card_id": card.id, "kind": "adjust", "amount": amount, "stamps": 0}]
        )
        available = card.cashback_available
        if amount < 0 and card.currency_id.compare_amounts(-amount, available) > 0:
            raise UserError(
                self.env._(
                    "%(amount)s of cashback cannot be taken back from card "
                    "%(card)s: only %(available)s is available (balance "
                    "%(balance)s, of which %(committed)s is committed on confirmed "
                    "orders).",
                    card=card.display_name,
                    amount=format_amount(self.env, -amount, card.currency_id),
                    available=format_amount(self.env, available, card.currency_id),
                    balance=format_amount(
                        self.env, card.cashback_balance, card.currency_id
                    ),
                    committed=format_amount(
                        self.env, card.cashback_committed, card.currency_id
                    ),
                )
            )
        move_model = self.env["account.move"]
        date = date or fields.Date.context_today(self)
        move = move_model._b2b_create_cashback_moves(
            [self._prepare_adjustment_move_vals(card, amount, reason, date, account)]
        )
        return self.sudo().create(
            self._prepare_adjustment_vals(card, amount, reason, move)
        )

    @api.model
    def _check_adjustment(self, card, amount, reason, account):
        if card.program_id.program_type != "cashback":
            raise UserError(
                self.env._(
                    "Card %(card)s is not a cashback card.", card=card.display_name
                )
            )
        if not is_finite_number(amount) or card.currency_id.is_zero(amount):
            raise UserError(
                self.env._("The adjustment amount must be a number other than zero.")
            )
        if not (reason or "").strip():
            raise UserError(self.env._("An adjustment needs its reason."))
        self._check_adjustment_account(card, account)

    @api.model
    def _check_adjustment_account(self, card, account):
        liability_accounts = (
            self.env["loyalty.b2b.program"]
            .sudo()
            .with_context(active_test=False)
            .search([("program_type", "=", "cashback")])
            .liability_account_id
        )
        if (
            account.account_type not in REBATE_ACCOUNT_TYPES
            or account in liability_accounts
            or card.company_id not in account.company_ids
        ):
            raise ValidationError(
                self.env._(
                    "Account %(account)s cannot be the counterpart of a cashback "
                    "adjustment: choose an income or expense account of %(company)s "
                    "(the cashback liability itself would leave the card ledger and "
                    "the general ledger out of step).",
                    account=account.display_name,
                    company=card.company_id.display_name,
                )
            )

    @api.model
    def _prepare_adjustment_move_vals(self, card, amount, reason, date, account):
        """Hook: values of the journal entry of an adjustment."""
        return self.env["account.move"]._b2b_prepare_cashback_move_vals(
            card,
            card.currency_id.round(amount),
            "adjust",
            date,
            account,
            label=self.env._("Cashback adjustment: %(reason)s", reason=reason),
        )

    @api.model
    def _prepare_adjustment_vals(self, card, amount, reason, move):
        """Hook: values of the ledger entry of an adjustment."""
        return {
            "card_id": card.id,
            "kind": "adjust",
            "amount": card.currency_id.round(amount),
            "date": move.date,
            "move_id": move.id,
            "note": reason,
        }

    # Expiry ------------------------------------------------------------------

    @api.model
    def _get_expiring_program_domain(self):
        """Hook: the programs whose cashback expires (the daily job writes it
        off to their breakage account)."""
        return [
            ("program_type", "=", "cashback"),
            ("cashback_validity_months", ">", 0),
            ("breakage_account_id", "!=", False),
        ]

    @api.model
    def _get_remaining_cashback_credits(self, cards):
        """``{card: [CashbackCredit]}``: what is left of the cashback each of
        ``cards`` earned, oldest first, with the day it expires (see
        ``cashback_expiry_rules``); cards of other program types are left out.

        First in, first out: whatever the card spent, lost to credit notes or
        had expire, and what confirmed orders committed, consumed its oldest
        cashback first. Entries that cancel each other out (a reset invoice and
        its accrual) are left aside. Two grouped reads and the committed
        cashback for the whole batch, whatever its size."""
        cards = cards.filtered(lambda card: card.program_type == "cashback")
        if not cards:
            return {}
        # sudo: the ledger and programs of cards the caller reads (a portal
        # user reads its company's cards, not their programs) or the job expires.
        ledger = self.sudo()
        live_cards = [("card_id", "in", cards.ids), *LIVE_DOMAIN]
        credits = defaultdict(list)
        for card, day, amount in ledger._read_group(
            [*live_cards, ("amount", ">", 0)], ["card_id", "date:day"], ["amount:sum"]
        ):
            credits[card].append((day, amount))
        debits = dict(
            ledger._read_group(
                [*live_cards, ("amount", "<", 0)], ["card_id"], ["amount:sum"]
            )
        )
        committed = cards._get_committed_cashback()
        validity = {
            program: program.cashback_validity_months
            for program in cards.sudo().program_id.filtered_domain(
                self._get_expiring_program_domain()
            )
        }
        return {
            card: remaining_credits(
                credits.get(card, []),
                committed.get(card, 0.0) - debits.get(card, 0.0),
                validity.get(card.sudo().program_id, 0),
                card.currency_id,
            )
            for card in cards
        }

    @api.model
    def _get_cards_with_cashback_due(self, date):
        """Cards that earned, in an expiring program, cashback old enough to be
        due by ``date``: only narrows the cards to look at; how much of it is
        left and when it expires is the rule's (``remaining_credits``)."""
        programs = (
            self.env["loyalty.b2b.program"]
            .sudo()
            .with_context(active_test=False)
            .search(self._get_expiring_program_domain())
        )
        ledger = self.sudo()
        card_ids = set()
        for program in programs:
            cutoff = expired_earning_cutoff(date, program.cashback_validity_months)
            card_ids.update(
                card.id
                for [card] in ledger._read_group(
                    [
                        ("program_id", "=", program.id),
                        ("amount", ">", 0),
                        ("date", "<", cutoff),
                        *LIVE_DOMAIN,
                    ],
                    ["card_id"],
                )
            )
        return self.env["loyalty.b2b.card"].sudo().browse(sorted(card_ids))

    @api.model
    def _get_cashback_to_expire(self, today):
        """``{card: amount}`` of earned cashback that the job expires on
        ``today``: what is left of it (``_get_remaining_cashback_credits``)
        and due on ``today`` or before."""
        cards = self._get_cards_with_cashback_due(today)
        to_expire = {}
        for card, credits in self._get_remaining_cashback_credits(cards).items():
            amount = expiring_amount(credits, today, card.currency_id)
            if card.currency_id.compare_amounts(amount, 0.0) > 0:
                to_expire[card] = amount
        return to_expire

    @api.model
    def _expire_cashback(self, amounts_by_card, today):
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
        todo = list(self._get_cashback_to_expire(today).items())
        cron = self.env["ir.cron"]
        cron._notify_progress(done=0, remaining=len(todo))
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        done = 0
        for batch in split_every(batch_size, todo):
            self._expire_cashback(dict(batch), today)
            done += len(batch)
            cron._notify_progress(done=done, remaining=len(todo) - done)
            if auto_commit:
                # Each batch is complete and balanced (journal entries and ledger).
                # Committing it keeps the work done if a later batch fails, and
                # releases the locks on the journal's sequence for the users who
                # post invoices meanwhile; the next run only finds what is left.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return done
