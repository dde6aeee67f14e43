from odoo.exceptions import UserError
from odoo.tests import tagged

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

    def test_balance_and_stamps_from_ledger(self):
        self.Transaction.create(
            [
                {"card_id": self.card.id, "kind": "earn", "amount": 120.50},
                {"card_id": self.card.id, "kind": "redeem", "amount": -20.25},
                {"card_id": self.stamp_card.id, "kind": "stamp", "stamps": 1},
                {"card_id": self.stamp_card.id, "kind": "stamp", "stamps": 1},
            ]
        )
        self.assertAlmostEqual(self.card.cashback_balance, 100.25)
        self.assertEqual(self.stamp_card.stamp_count, 2)
        entry = self.card.transaction_ids[0]
        self.assertEqual(entry.partner_id, self.customer)
        self.assertEqual(entry.company_id, self.company)

    def test_ledger_is_append_only(self):
        entry = self.Transaction.create(
            {"card_id": self.card.id, "kind": "adjust", "amount": 50.0, "note": "Gift"}
        )
        for user in (self.env.user, self.env.ref("base.user_admin")):
            with self.assertRaises(UserError):
                entry.with_user(user).write({"amount": 500.0})
            with self.assertRaises(UserError):
                entry.with_user(user).sudo().write({"note": "changed"})
            with self.assertRaises(UserError):
                entry.with_user(user).sudo().unlink()
        self.assertEqual(entry.amount, 50.0)
        # A correction is a new entry.
        self.Transaction.create(
            {"card_id": self.card.id, "kind": "adjust", "amount": -50.0, "note": "Undo"}
        )
        self.assertEqual(self.card.cashback_balance, 0.0)

    def test_card_with_ledger_cannot_be_deleted(self):
        self.Transaction.create({"card_id": self.card.id, "kind": "earn", "amount": 1})
        with self.assertRaises(UserError):
            self.card.unlink()
        self.assertTrue(self.card.exists())
        # A card without history can go.
        empty = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        empty.unlink()
        self.assertFalse(empty.exists())
