from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_reward_fulfilment import RewardFulfilmentCommon


@tagged("post_install", "-at_install")
class TestRewardVoucher(RewardFulfilmentCommon):
    """Vouchers: 50.00 of cashback off a later order, 10 % off for 3 stamps,
    25.00 off for 2 stamps."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_voucher = cls._create_product(
            name="Loyalty voucher", type="service", lst_price=0.0
        )
        cls.voucher_cashback = cls.Reward.create(
            {
                "name": "50.00 voucher",
                "program_id": cls.program_cashback.id,
                "reward_type": "voucher",
                "product_id": cls.product_voucher.id,
                "cost_amount": 50.0,
                "voucher_type": "fixed",
                "voucher_value": 50.0,
            }
        )
        cls.voucher_percent = cls.Reward.create(
            {
                "name": "10 % voucher",
                "program_id": cls.program_stamp.id,
                "reward_type": "voucher",
                "product_id": cls.product_voucher.id,
                "cost_stamps": 3,
                "voucher_type": "percent",
                "voucher_value": 10.0,
            }
        )
        cls.voucher_fixed_stamps = cls.Reward.create(
            {
                "name": "25.00 voucher",
                "program_id": cls.program_stamp.id,
                "reward_type": "voucher",
                "product_id": cls.product_voucher.id,
                "cost_stamps": 2,
                "voucher_type": "fixed",
                "voucher_value": 25.0,
            }
        )

    def _voucher_line(self, order):
        return order.order_line.filtered("b2b_reward_request_id")

    def test_cashback_voucher_used_invoiced(self):
        request = self._approved_request(self.voucher_cashback, self.cashback_card)
        self.assertEqual(self.cashback_card.cashback_available, 150.0)
        with self.assertRaisesRegex(UserError, "is a voucher"):
            request.action_fulfil()
        order = self._create_order(lines=[(self.product_paper, 3.0)])
        self.assertEqual(order.b2b_voucher_request_ids, request)
        self.assertIn(request.name, order.b2b_cards_panel)
        order.action_b2b_apply_voucher(request.id)
        self.assertRecordValues(
            self._voucher_line(order),
            [
                {
                    "product_id": self.redemption_product.id,
                    "price_unit": -50.0,
                    "price_subtotal": -50.0,
                    "b2b_reward_kind": "cashback",
                    "b2b_card_id": self.cashback_card.id,
                    "b2b_reward_request_id": request.id,
                }
            ],
        )
        self.assertRecordValues(
            order,
            [{"amount_untaxed": 250.0, "amount_tax": 45.0, "amount_total": 295.0}],
        )
        self.assertEqual(request.sale_order_id, order)
        self.assertFalse(order.b2b_voucher_request_ids)
        # Used once only.
        with self.assertRaisesRegex(UserError, "cannot be used on"):
            order.action_b2b_apply_voucher(request.id)
        # Using the card's cashback keeps the voucher's line.
        order.b2b_apply_cashback(20.0, self.cashback_card)
        self.assertEqual(
            sorted(order.order_line.filtered("b2b_reward_kind").mapped("price_unit")),
            [-50.0, -20.0],
        )
        order.action_confirm()
        self.assertRecordValues(
            request, [{"state": "fulfilled", "sale_order_id": order.id}]
        )
        self.assertRecordValues(
            self.cashback_card,
            [
                {
                    "cashback_balance": 200.0,
                    "cashback_reserved": 0.0,
                    "cashback_committed": 70.0,
                    "cashback_available": 130.0,
                }
            ],
        )
        invoice = self._invoice(order)
        redeem = self.Transaction.search(
            [("invoice_id", "=", invoice.id), ("kind", "=", "redeem")]
        )
        self.assertEqual(redeem.amount, -70.0)
        # The paper earns 2 % of its 300.00.
        earn = self.Transaction.search(
            [("invoice_id", "=", invoice.id), ("kind", "=", "earn")]
        )
        self.assertEqual(earn.amount, 6.0)
        self.assertRecordValues(
            self.cashback_card,
            [{"cashback_balance": 136.0, "cashback_committed": 0.0}],
        )

    def test_cashback_voucher_cancelled_order(self):
        request = self._approved_request(self.voucher_cashback, self.cashback_card)
        order = self._create_order(lines=[(self.product_paper, 3.0)])
        order.action_b2b_apply_voucher(request)
        order.action_confirm()
        self.assertEqual(self.cashback_card.cashback_committed, 50.0)
        order._action_cancel()
        self.assertRecordValues(
            request,
            [{"state": "approved", "sale_order_id": False, "fulfilled_date": False}],
        )
        self.assertRecordValues(
            self.cashback_card,
            [
                {
                    "cashback_committed": 0.0,
                    "cashback_reserved": 50.0,
                    "cashback_available": 150.0,
                }
            ],
        )
        self.assertEqual(
            self._request_entries(request).mapped("reserved_amount"),
            [50.0, -50.0, 50.0],
        )
        # Usable again on a later quotation.
        later = self._create_order(lines=[(self.product_paper, 1.0)])
        self.assertEqual(later.b2b_voucher_request_ids, request)

    def test_cashback_voucher_over_total(self):
        request = self._approved_request(self.voucher_cashback, self.cashback_card)
        # 40.00 + 6.00 of tax is less than 50.00.
        order = self._create_order(lines=[(self.product_paper, 0.4)])
        with self.assertRaisesRegex(UserError, "cannot go below zero"):
            order.action_b2b_apply_voucher(request.id)
        self.assertFalse(self._voucher_line(order))
        self.assertFalse(request.sale_order_id)

    def test_stamp_percent_voucher(self):
        self.assertEqual(self.stamp_card.stamp_count, 7)
        request = self._approved_request(self.voucher_percent, self.stamp_card)
        self.assertEqual(self.stamp_card.stamps_available, 4)
        order = self._create_order()
        order.action_b2b_apply_voucher(request.id)
        line = self._voucher_line(order)
        self.assertRecordValues(
            line,
            [
                {
                    "product_id": self.product_voucher.id,
                    "price_unit": -100.0,
                    "discount": 0.0,
                    "price_subtotal": -100.0,
                    "b2b_reward_kind": "stamp_reward",
                    "b2b_card_id": self.stamp_card.id,
                }
            ],
        )
        self.assertEqual(order.amount_untaxed, 900.0)
        # The percentage is taken of the order as confirmed: 10 % of 1,100.00.
        order.order_line = [(0, 0, {"product_id": self.product_paper.id})]
        self.assertEqual(line.price_unit, -100.0)
        order.action_confirm()
        self.assertEqual(line.price_unit, -110.0)
        self.assertEqual(order.amount_untaxed, 990.0)
        self.assertEqual(request.state, "fulfilled")
        # One stamp earned (990.00 reaches 500.00), the voucher's 3 spent.
        self.assertRecordValues(
            self.Transaction.search([("sale_order_id", "=", order.id)], order="id"),
            [
                {"kind": "stamp", "stamps": 1, "reward_request_id": False},
                {"kind": "stamp_reward", "stamps": -3, "reward_request_id": request.id},
            ],
        )
        self.assertRecordValues(
            self.stamp_card,
            [{"stamp_count": 5, "stamps_reserved": 0, "stamps_available": 5}],
        )

    def test_stamp_percent_voucher_on_1000(self):
        request = self._approved_request(self.voucher_percent, self.stamp_card)
        order = self._create_order()
        order.action_b2b_apply_voucher(request.id)
        order.action_confirm()
        self.assertEqual(self._voucher_line(order).price_subtotal, -100.0)
        self.assertEqual(order.amount_untaxed, 900.0)
        self.assertEqual(self.stamp_card.stamp_count, 7 + 1 - 3)

    def test_stamp_fixed_voucher_removed_then_used(self):
        request = self._approved_request(self.voucher_fixed_stamps, self.stamp_card)
        order = self._create_order(lines=[(self.product_paper, 2.0)])
        order.action_b2b_apply_voucher(request.id)
        line = self._voucher_line(order)
        self.assertRecordValues(line, [{"price_unit": -25.0, "price_subtotal": -25.0}])
        with self.assertRaisesRegex(UserError, "delivers reward request"):
            line.price_unit = -40.0
        # Taken off the quotation: the voucher is free again.
        line.unlink()
        self.assertFalse(request.sale_order_id)
        self.assertEqual(order.b2b_voucher_request_ids, request)
        order.action_b2b_apply_voucher(request.id)
        order.action_confirm()
        # 175.00 earns no stamp; the voucher spends 2.
        self.assertEqual(order.amount_untaxed, 175.0)
        self.assertRecordValues(
            self.stamp_card,
            [{"stamp_count": 5, "stamps_reserved": 0, "stamps_available": 5}],
        )
        self.assertRecordValues(
            request, [{"state": "fulfilled", "sale_order_id": order.id}]
        )

    def test_voucher_of_a_cancelled_request_refused_at_confirmation(self):
        request = self._approved_request(self.voucher_fixed_stamps, self.stamp_card)
        order = self._create_order(lines=[(self.product_paper, 2.0)])
        order.action_b2b_apply_voucher(request.id)
        request.action_cancel()
        # Cancelling the request took its line off the quotation.
        self.assertFalse(self._voucher_line(order))
        self.assertEqual(self.stamp_card.stamps_reserved, 0)
