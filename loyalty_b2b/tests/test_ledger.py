from odoo.exceptions import AccessError, UserError
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

    def test_stamps_inserted_as_create_writes_them(self):
        """The stamp entries of an order confirmation skip create(): they hold
        the same values, in the database and in cache, and count at once."""
        self.assertEqual(self.stamp_card.stamp_count, 0)
        vals = {
            "card_id": self.stamp_card.id,
            "kind": "stamp",
            "stamps": 1,
            "note": "Order S00001",
        }
        created = self.Transaction.create(dict(vals))
        self.assertEqual(self.stamp_card.stamp_count, 1)
        self.assertEqual(self.stamp_card.transaction_ids, created)
        inserted = self.Transaction._b2b_insert_stamps([dict(vals)])
        self.assertEqual(self.stamp_card.stamp_count, 2)
        self.assertIn(inserted, self.stamp_card.transaction_ids)
        names = [
            name
            for name, field in self.Transaction._fields.items()
            if field.store and name != "id"
        ]
        in_cache = inserted.read(names)
        self.env.invalidate_all()
        self.assertEqual(inserted.read(names), in_cache)
        self.assertEqual(
            [{**values, "id": 0} for values in inserted.read(names)],
            [{**values, "id": 0} for values in created.read(names)],
        )
        self.assertEqual(inserted.program_id, self.program_stamp)
        self.assertEqual(inserted.partner_id, self.customer)
        self.assertFalse(inserted.is_cancelled)

    def test_insert_stamps_only(self):
        for vals in (
            {"card_id": self.card.id, "kind": "earn", "stamps": 1},
            {"card_id": self.stamp_card.id, "kind": "stamp", "amount": 10.0},
        ):
            with self.assertRaises(ValueError):
                self.Transaction._b2b_insert_stamps([vals])
        salesperson = new_test_user(
            self.env, "loyalty_b2b_ledger_reader", "sales_team.group_sale_salesman"
        )
        with self.assertRaises(AccessError):
            self.Transaction.with_user(salesperson)._b2b_insert_stamps(
                [{"card_id": self.stamp_card.id, "kind": "stamp", "stamps": 1}]
            )
        self.assertFalse(self.stamp_card.transaction_ids)

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
