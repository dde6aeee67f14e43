from datetime import date

from odoo import Command
from odoo.tests import freeze_time, tagged

from .test_membership import MembershipCommon


@tagged("post_install", "-at_install")
class TestMembershipSpend(MembershipCommon):
    """A membership fee (1,200.00 untaxed, paid) is no purchase: with a
    1,000.00 invoice of goods the company's qualifying spend is 1,000.00, below
    Gold (2,000.00 here)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gold.min_amount = 2000
        cls.silver = cls.program_accumulative.tier_ids - cls.gold

    def _goods_invoice(self, day="2026-01-15"):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": day,
                "date": day,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_drill.id,
                            "quantity": 1,
                            "price_unit": 1000.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    def _setup_spend(self):
        with freeze_time("2026-01-05"):
            tier_card = self._create_card(self.program_accumulative)
        self._goods_invoice()
        fee_card = self._paid_card()
        fee = fee_card.membership_move_ids
        self.assertEqual(fee.payment_state, "paid")
        self.assertEqual(fee.amount_untaxed, 1200.0)
        self.assertTrue(fee.b2b_is_membership_fee)
        return tier_card, fee

    def _assert_spend(self, tier_card, day=date(2026, 2, 1)):
        tier_card._recompute_tiers(day)
        self.assertEqual(tier_card.spent_amount, 1000.0)
        self.assertEqual(tier_card.tier_id, self.silver)
        # The pilot's control group reads the same spend.
        self.assertEqual(
            self.program_accumulative._get_past_spend(self.customer, day),
            {self.customer.id: 1000.0},
        )

    def test_paid_fee_is_no_qualifying_spend(self):
        tier_card, _fee = self._setup_spend()
        self._assert_spend(tier_card)

    def test_fee_credit_note_does_not_reduce_spend(self):
        tier_card, fee = self._setup_spend()
        refund = self._refund(fee, "2026-01-25")
        self.assertEqual(refund.state, "posted")
        self.assertTrue(refund.b2b_is_membership_fee)
        self._assert_spend(tier_card)

    def test_fee_left_out_of_category_spend(self):
        """With product categories, the line-level aggregate leaves fees out."""
        self.program_accumulative.product_category_ids = (
            self.categ_power_tools | self.product_fee.categ_id
        )
        tier_card, fee = self._setup_spend()
        self._refund(fee, "2026-01-25")
        self._assert_spend(tier_card)

    def test_duplicate_of_a_fee_is_not_flagged(self):
        fee = self._issue().membership_move_ids
        self.assertFalse(fee.copy().b2b_is_membership_fee)

    def test_fee_invoice_of_a_sales_order_is_flagged(self):
        self.program_paid.membership_fee_document = "order"
        card = self._issue()
        order = card.membership_order_ids
        goods_order = self._create_order()
        goods_order.action_confirm()
        with freeze_time("2026-01-15"):
            invoices = self._invoice(order | goods_order)
        # Never grouped with purchases.
        self.assertEqual(len(invoices), 2)
        fee = invoices.filtered("b2b_membership_card_id")
        self.assertTrue(fee.b2b_is_membership_fee)
        self.assertFalse((invoices - fee).b2b_is_membership_fee)
