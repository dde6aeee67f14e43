import math

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import LoyaltyB2bCommon


@tagged("post_install", "-at_install")
class TestLedger(LoyaltyB2bCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.Card.create(
            {"program_id": cls.program_cashback.id, "partner_id": cls.customer.id}
        )
        cls.stamp_card = cls.Card.create(
            {"program_id": cls.program_stamp.id, "partner_id": cls.customer.id}
        )
        cls.ledger = cls.Transaction.sudo()

    def test_balance_and_stamps_from_ledger(self):
        self._add_ledger(self.card, amount=120.50)
        self._add_ledger(self.card, amount=-20.25)
        self._add_ledger(self.stamp_card, stamps=1, kind="stamp")
        self._add_ledger(self.stamp_card, stamps=1, kind="stamp")
        self.assertAlmostEqual(self.card.cashback_balance, 100.25)
        self.assertEqual(self.stamp_card.stamp_count, 2)
        entry = self.card.transaction_ids[0]
        self.assertEqual(entry.partner_id, self.customer)
        self.assertEqual(entry.company_id, self.company)
        # Every cashback entry has its journal entry, on the liability account.
        liability = self.program_cashback.liability_account_id
        lines = self.card.transaction_ids.move_id.line_ids.filtered(
            lambda line: line.account_id == liability
        )
        self.assertAlmostEqual(-sum(lines.mapped("balance")), 100.25)

    def test_ledger_is_append_only(self):
        entry = self._add_ledger(self.card, amount=50.0)
        for user in (self.env.user, self.env.ref("base.user_admin")):
            with self.assertRaises(UserError):
                entry.with_user(user).write({"amount": 500.0})
            with self.assertRaises(UserError):
                entry.with_user(user).sudo().write({"note": "changed"})
            with self.assertRaises(UserError):
                entry.with_user(user).sudo().unlink()
        self.assertEqual(entry.amount, 50.0)
        # A correction is a new entry.
        self._add_ledger(self.card, amount=-50.0)
        self.assertEqual(self.card.cashback_balance, 0.0)

    def test_card_with_ledger_cannot_be_deleted(self):
        self._add_ledger(self.card, amount=1.0)
        with self.assertRaises(UserError):
            self.card.unlink()
        self.assertTrue(self.card.exists())
        # A card without history can go.
        empty = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        empty.unlink()
        self.assertFalse(empty.exists())

    def test_nobody_writes_the_ledger_directly(self):
        """Managers and salespeople read the ledger; business flows write it."""
        salesperson = new_test_user(
            self.env, "loyalty_b2b_ledger_reader", "sales_team.group_sale_salesman"
        )
        for user in (self.env.user, salesperson):
            with self.assertRaises(AccessError):
                self.Transaction.with_user(user).create(
                    {"card_id": self.stamp_card.id, "kind": "stamp", "stamps": 1}
                )
        self.assertFalse(self.stamp_card.transaction_ids)

    def test_cashback_needs_its_journal_entry(self):
        """Even in sudo, cashback never moves without its journal entry: the
        card ledger and the general ledger cannot disagree."""
        for kind in ("earn", "adjust", "expire", "redeem"):
            amount = -5.0 if kind in ("expire", "redeem") else 5.0
            with self.assertRaises(ValidationError):
                self.ledger.create(
                    {"card_id": self.card.id, "kind": kind, "amount": amount}
                )
        # Another program's journal entry does not do either.
        other_card = self._create_card(self.program_cashback, self.other_customer)
        other_move = self._add_ledger(other_card, amount=5.0).move_id
        program_b = self.Program.create(
            {"name": "Second cashback", "program_type": "cashback"}
        )
        card_b = self._create_card(program_b, self.customer)
        with self.assertRaises(ValidationError):
            self.ledger.create(
                {
                    "card_id": card_b.id,
                    "kind": "adjust",
                    "amount": 5.0,
                    "move_id": other_move.id,
                }
            )
        self.assertFalse(card_b.transaction_ids)

    def test_entries_fit_their_card(self):
        """Stamps on stamp cards, cashback on cashback cards, nothing on discount
        cards; numbers that are numbers; reversals that mirror."""
        discount_card = self._create_card(self.program_discount)
        entry = self._add_ledger(self.card, amount=10.0)
        for vals in (
            {"card_id": self.card.id, "kind": "stamp", "stamps": 1},
            {"card_id": self.stamp_card.id, "kind": "adjust", "amount": 5.0},
            {"card_id": discount_card.id, "kind": "stamp", "stamps": 1},
            {"card_id": self.stamp_card.id, "kind": "stamp", "stamps": 0},
            {"card_id": self.stamp_card.id, "kind": "stamp", "stamps": 1.5},
            {"card_id": self.stamp_card.id, "kind": "stamp", "stamps": "1"},
            {"card_id": self.stamp_card.id, "kind": "stamp", "stamps": math.inf},
            {"card_id": self.card.id, "kind": "adjust", "amount": math.nan},
            {"card_id": self.card.id, "kind": "adjust", "amount": "5"},
            {"card_id": self.card.id, "kind": "bonus", "amount": 5.0},
            {"card_id": False, "kind": "stamp", "stamps": 1},
            {
                "card_id": self.card.id,
                "kind": "reverse",
                "amount": -3.0,
                "reversed_entry_id": entry.id,
                "move_id": entry.move_id.id,
            },
            {
                "card_id": self.card.id,
                "kind": "reverse",
                "amount": -3.0,
                "move_id": entry.move_id.id,
            },
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                self.ledger.create(vals)
        self.assertEqual(self.card.cashback_balance, 10.0)
        self.assertEqual(self.stamp_card.stamp_count, 0)

    def test_spending_never_exceeds_the_card(self):
        self._add_ledger(self.card, amount=30.0)
        self._add_ledger(self.stamp_card, stamps=2, kind="stamp")
        with self.assertRaisesRegex(UserError, "cannot spend"):
            self._add_ledger(self.card, amount=-30.01)
        with self.assertRaisesRegex(UserError, "holds 2 stamps"):
            self.ledger.create(
                {"card_id": self.stamp_card.id, "kind": "stamp_reward", "stamps": -3}
            )
        # Several entries of one batch count together.
        with self.assertRaises(UserError):
            self.ledger.create(
                [
                    {"card_id": self.stamp_card.id, "kind": "stamp", "stamps": -1},
                    {"card_id": self.stamp_card.id, "kind": "stamp", "stamps": -2},
                ]
            )
        self.assertEqual(self.card.cashback_balance, 30.0)
        self.assertEqual(self.stamp_card.stamp_count, 2)
        # Exactly what it holds can be spent.
        self._add_ledger(self.card, amount=-30.0)
        self.assertEqual(self.card.cashback_balance, 0.0)

    def test_clawback_may_go_below_zero(self):
        """Taking back cashback that was granted and already spent is not
        spending: the balance goes negative and later earnings absorb it."""
        granted = self._add_ledger(self.card, amount=40.0)
        self._add_ledger(self.card, amount=-25.0)
        granted._cancel_entries()
        self.assertEqual(self.card.cashback_balance, -25.0)
        with self.assertRaises(UserError):
            self._add_ledger(self.card, amount=-1.0)
        self._add_ledger(self.card, amount=30.0)
        self.assertEqual(self.card.cashback_balance, 5.0)
