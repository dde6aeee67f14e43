import random
from datetime import date, timedelta

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import float_round

from .test_cashback_common import CashbackCommon

SEED = 20190115
STEPS = 120


@tagged("post_install", "-at_install")
class TestCashbackInvariant(CashbackCommon):
    """A long random, seeded, sequence of invoices, credit notes, redemptions,
    resets, cancellations, payments, unreconciliations, adjustments and
    expiries in two companies and two currencies. After every step, for every
    company and program, the card ledger equals the credit balance of the
    liability account, and no invoice is accrued twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Company A: a second cashback program, on its own liability account,
        # so that an invoice can accrue on two cards. Company B earns when paid.
        liability_a2 = cls.liability_a.copy({"name": "Cashback payable (general)"})
        cls.program_a2 = cls.Program.create(
            {
                "name": "General cashback",
                "program_type": "cashback",
                "liability_account_id": liability_a2.id,
                "rebate_account_id": cls.rebate_a.id,
                "breakage_account_id": cls.breakage_a.id,
                "cashback_validity_months": 6,
                "tier_ids": [
                    Command.create(
                        {"name": "Base", "min_amount": 0, "cashback_percent": 1.5}
                    )
                ],
            }
        )
        cls.program_a.cashback_validity_months = 9
        cls.program_b.cashback_validity_months = 12
        cls.company_b.b2b_cashback_trigger = "paid"
        cls.Card.create(
            [
                {"program_id": cls.program_a2.id, "partner_id": cls.customer.id},
                {"program_id": cls.program_a.id, "partner_id": cls.other_customer.id},
                {"program_id": cls.program_b.id, "partner_id": cls.other_customer.id},
            ]
        )
        cls.programs = cls.program_a | cls.program_a2 | cls.program_b

    def setUp(self):
        super().setUp()
        self.rng = random.Random(SEED)
        self.today = date(2019, 1, 1)
        self.documents = self.env["account.move"]
        self.report = self.env["loyalty.b2b.liability.report"]

    # Steps -------------------------------------------------------------------

    def _pick(self, documents):
        return self.rng.choice(documents.sorted("id")) if documents else None

    def step_invoice(self):
        company = self.rng.choice([self.company, self.company_b])
        currency = self.rng.choice([self.usd, self.eur])
        partner = self.rng.choice([self.customer, self.contact, self.other_customer])
        products = [self.product_drill, self.product_paper, self.product_training]
        lines = [
            (
                self.rng.choice(products),
                self.rng.randint(1, 4),
                round(self.rng.uniform(10, 900), 2),
            )
            for _i in range(self.rng.randint(1, 3))
        ]
        redeem, card = 0.0, None
        if self.rng.random() < 0.3:
            card = self.Card.search(
                [
                    ("partner_id", "=", partner.commercial_partner_id.id),
                    ("company_id", "=", company.id),
                    ("program_id.program_type", "=", "cashback"),
                ],
                limit=1,
            )
        if card:
            # At most what the card has available, in the invoice's currency,
            # and what the invoice carries.
            available = card.currency_id._convert(
                max(card.cashback_available, 0.0),
                currency,
                company,
                self.today,
                round=False,
            )
            redeem = float_round(
                min(available, 30.0, sum(qty * price for _p, qty, price in lines)),
                precision_rounding=currency.rounding,
                rounding_method="DOWN",
            )
            if redeem <= 1:
                redeem, card = 0.0, None
        invoice = self._invoice(
            lines,
            partner=partner,
            company=company,
            currency=currency,
            date=self.today,
            redeem=redeem,
            redeem_card=card,
        )
        self.documents |= invoice
        return f"invoice {invoice.name} redeem={redeem}"

    def step_refund(self):
        invoice = self._pick(
            self.documents.filtered(
                lambda m: m.move_type == "out_invoice" and m.state == "posted"
            )
        )
        if not invoice:
            return "refund: nothing"
        quantities = None
        if self.rng.random() < 0.6:
            line = self.rng.choice(invoice.invoice_line_ids.sorted("id"))
            quantities = {line.product_id: max(line.quantity - 1, 1)}
        refund = self._refund(invoice, quantities, date=self.today)
        self.documents |= refund
        return f"refund {refund.name} of {invoice.name} partial={bool(quantities)}"

    def step_reset(self):
        move = self._pick(self.documents.filtered(lambda m: m.state == "posted"))
        if not move:
            return "reset: nothing"
        move.button_draft()
        return f"reset {move.name}"

    def step_repost(self):
        move = self._pick(self.documents.filtered(lambda m: m.state == "draft"))
        if not move:
            return "repost: nothing"
        move.action_post()
        return f"repost {move.name}"

    def step_cancel(self):
        move = self._pick(self.documents.filtered(lambda m: m.state != "cancel"))
        if not move:
            return "cancel: nothing"
        move.button_cancel()
        return f"cancel {move.name}"

    def step_pay(self):
        invoice = self._pick(
            self.documents.filtered(
                lambda m: (
                    m.move_type == "out_invoice"
                    and m.state == "posted"
                    and m.payment_state in ("not_paid", "partial")
                )
            )
        )
        if not invoice:
            return "pay: nothing"
        self._pay(invoice, date=self.today)
        return f"pay {invoice.name}"

    def step_unreconcile(self):
        invoice = self._pick(
            self.documents.filtered(
                lambda m: (
                    m.move_type == "out_invoice"
                    and m.state == "posted"
                    and m.payment_state in ("paid", "in_payment", "partial")
                )
            )
        )
        if not invoice:
            return "unreconcile: nothing"
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        receivable.matched_credit_ids.sorted("id")[:1].unlink()
        return f"unreconcile {invoice.name}"

    def step_adjust(self):
        card = self._pick(self.Card.search([("program_id", "in", self.programs.ids)]))
        amount = self.rng.choice([-1, 1]) * round(self.rng.uniform(1, 25), 2)
        balance = card.cashback_balance
        wizard = self.env["loyalty.b2b.adjust.wizard"].with_company(card.company_id)
        try:
            # As a request: all or nothing.
            with self.env.cr.savepoint():
                wizard.create(
                    {
                        "card_id": card.id,
                        "amount": amount,
                        "reason": "Random",
                        "date": self.today,
                    }
                ).action_confirm()
        except UserError:
            # Taking back more than the card holds is refused, and books nothing.
            self.assertLess(balance + amount, 0.0)
            self.env.invalidate_all()
            self.assertEqual(card.cashback_balance, balance)
            return f"adjust {card.name} {amount} refused"
        return f"adjust {card.name} {amount}"

    def step_expire(self):
        self.today += timedelta(days=self.rng.randint(15, 75))
        expired = self.Transaction._b2b_expire_cashback(
            self.Transaction._b2b_get_cashback_to_expire(self.today), self.today
        )
        return f"expire on {self.today}: {expired.mapped('amount')}"

    # Invariants ----------------------------------------------------------------

    def _check_invariants(self, log):
        self.env.flush_all()
        for program in self.programs:
            self.assertAlmostEqual(
                self._ledger_sum(program),
                self._account_credit_balance(
                    program.liability_account_id, program.company_id
                ),
                places=2,
                msg=f"{program.name} after: {log}",
            )
        for card in self.Card.search([("program_id", "in", self.programs.ids)]):
            self.assertAlmostEqual(
                card.cashback_balance,
                sum(card.transaction_ids.mapped("amount")),
                places=2,
                msg=f"{card.name} after: {log}",
            )
            self._check_card_below_zero(card, log)
        live = [
            ("invoice_id", "!=", False),
            ("reversed_entry_id", "=", False),
            ("is_cancelled", "=", False),
        ]
        # No invoice accrued (or redeemed) twice on a card.
        for invoice, card, kind, count in self.Transaction._read_group(
            [*live, ("kind", "in", ("earn", "redeem"))],
            ["invoice_id", "card_id", "kind"],
            ["__count"],
        ):
            self.assertEqual(count, 1, f"{invoice.name} {card.name} {kind}: {log}")
        # A document that is not posted carries no live cashback.
        unposted = self.documents.filtered(lambda m: m.state != "posted")
        self.assertFalse(
            self.Transaction.search([*live, ("invoice_id", "in", unposted.ids)]),
            log,
        )
        # A posted invoice of company A carries its exact accrual on each card.
        invoices = self.documents.filtered(
            lambda m: (
                m.state == "posted"
                and m.move_type == "out_invoice"
                and m.company_id == self.company
            )
        )
        accrued = {
            (invoice, card): amount
            for invoice, card, amount in self.Transaction._read_group(
                [*live, ("invoice_id", "in", invoices.ids), ("kind", "=", "earn")],
                ["invoice_id", "card_id"],
                ["amount:sum"],
            )
        }
        for invoice, cards in invoices._b2b_get_earning_cards().items():
            for card in cards:
                expected = card.currency_id.round(
                    invoice._b2b_get_cashback_base(card.program_id)
                    * card.cashback_percent
                    / 100
                )
                self.assertAlmostEqual(
                    accrued.get((invoice, card), 0.0),
                    max(expected, 0.0),
                    places=2,
                    msg=log,
                )
        self.assertEqual(self.report._get_mismatches(), [], log)

    def _check_card_below_zero(self, card, log):
        """The guard's rule, from the card's ledger: an entry taking cashback
        away leaves the card at or above zero, except a clawback (a ``reverse``
        with a negative amount: cashback earned or granted, taken back)."""
        msg = f"{card.name} after: {log}"
        running = not_clawed_back = 0.0
        clawed_back = False
        for entry in card.transaction_ids.sorted("id"):
            running += entry.amount
            if entry.kind == "reverse" and entry.amount < 0:
                clawed_back = True
                continue
            not_clawed_back += entry.amount
            if entry.amount < 0:
                self.assertGreaterEqual(running, -0.005, f"{entry.kind}: {msg}")
        self.assertGreaterEqual(not_clawed_back, -0.005, msg)
        if card.cashback_balance < -0.005:
            self.assertTrue(clawed_back, msg)
        if not clawed_back:
            # Confirmed orders never commit more than the card holds.
            self.assertLessEqual(
                card.cashback_committed, card.cashback_balance + 0.005, msg
            )

    def test_random_sequence_keeps_the_ledger_reconciled(self):
        steps = [
            (self.step_invoice, 30),
            (self.step_refund, 10),
            (self.step_reset, 10),
            (self.step_repost, 12),
            (self.step_cancel, 5),
            (self.step_pay, 12),
            (self.step_unreconcile, 6),
            (self.step_adjust, 5),
            (self.step_expire, 10),
        ]
        functions, weights = zip(*steps, strict=True)
        history = []
        for _i in range(STEPS):
            step = self.rng.choices(functions, weights)[0]
            history.append(step())
            self._check_invariants(" / ".join(history[-5:]))
        kinds = set(self.Transaction.search([]).mapped("kind"))
        # The sequence went through every kind of entry.
        self.assertEqual(kinds, {"earn", "redeem", "reverse", "expire", "adjust"})
        self.assertTrue(self.documents.filtered(lambda m: m.state == "cancel"))
        self.assertTrue(self.documents.filtered(lambda m: m.move_type == "out_refund"))
