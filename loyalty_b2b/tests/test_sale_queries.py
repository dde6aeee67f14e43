from odoo.tests import tagged

from .test_sale_common import LoyaltyB2bSaleCommon


@tagged("post_install", "-at_install")
class TestSaleQueries(LoyaltyB2bSaleCommon):
    """What a card adds to the confirmation of an order does not grow with its
    lines (scripts/bench_order_confirm.py measures the time)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.products = cls.env["product.product"].create(
            [
                {
                    "name": f"Item {index}",
                    "list_price": 10.0,
                    "categ_id": cls.categ_tools.id,
                }
                for index in range(12)
            ]
        )

    def _confirmation_queries(self, partner, size, spend=None):
        order = self._create_order(
            partner, [(product, 1.0) for product in self.products[:size]]
        )
        if spend:
            spend(order)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        order.action_confirm()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def _warm_up(self, partner):
        """Pay the one-time costs (first fetches, sequences) of both customers."""
        for customer in (partner, self.other_customer):
            self._confirmation_queries(customer, 1)

    def _assert_constant_extra_queries(self, partner):
        self._warm_up(partner)
        extra = [
            self._confirmation_queries(partner, size)
            - self._confirmation_queries(self.other_customer, size)
            for size in (4, 12)
        ]
        self.assertEqual(extra[0], extra[1])
        return extra[0]

    def test_discount_card(self):
        self._create_card(self.program_discount)
        # The card and its program, read once with what confirmation checks.
        self.assertEqual(self._assert_constant_extra_queries(self.customer), 2)

    def test_stamp_card(self):
        card = self._create_card(self.program_stamp)
        self.program_stamp.stamp_min_amount = 1.0
        # The card, its program and the stamp's ledger entry.
        self.assertEqual(self._assert_constant_extra_queries(self.customer), 3)
        self.assertEqual(card.stamp_count, 3)

    def _assert_constant_spending_queries(self, spend):
        """Extra queries of confirming orders that ``spend(order)`` makes spend
        the customer's card, against orders of as many lines without a card."""
        self._warm_up(self.customer)
        extra = []
        # The first size warms the spending path up.
        for size in (1, 4, 12):
            spending = self._confirmation_queries(self.customer, size, spend)
            # The spending line (reward or redemption) is one more line.
            extra.append(
                spending - self._confirmation_queries(self.other_customer, size + 1)
            )
        self.assertEqual(extra[1], extra[2])
        return extra[2]

    def test_cashback_card_with_redemption(self):
        card = self._create_card(self.program_cashback)
        self._add_ledger(card, amount=1000.0)
        extra = self._assert_constant_spending_queries(
            lambda order: order.b2b_apply_cashback(10.0)
        )
        # The card, its program, its lock, its ledger balance, and the cashback
        # committed on confirmed orders (their open lines and invoices).
        self.assertEqual(extra, 8)

    def test_stamp_reward(self):
        card = self._create_card(self.program_stamp)
        self._add_ledger(card, stamps=9)
        extra = self._assert_constant_spending_queries(
            lambda order: order.action_b2b_add_stamp_reward()
        )
        # The card, its program, its lock, its stamp count, the ledger entries.
        self.assertEqual(extra, 5)
        self.assertEqual(card.stamp_count, 0)
