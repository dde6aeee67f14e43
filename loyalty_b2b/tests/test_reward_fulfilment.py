from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_sale_common import LoyaltyB2bSaleCommon


class RewardFulfilmentCommon(LoyaltyB2bSaleCommon):
    """A stamp card holding 7 stamps and a cashback card holding 200.00, with
    a catalogue on each program."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Reward = cls.env["loyalty.b2b.reward"]
        cls.Request = cls.env["loyalty.b2b.reward.request"]
        cls.stamp_card = cls._create_card(cls.program_stamp)
        cls._add_ledger(cls.stamp_card, stamps=7)
        cls.cashback_card = cls._create_card(cls.program_cashback)
        cls._add_ledger(cls.cashback_card, amount=200.0)
        cls.liability = cls.program_cashback.liability_account_id
        cls.product_jacket = cls._create_product(name="Branded jacket", lst_price=150.0)
        cls.product_report = cls._create_product(
            name="Market report", type="service", lst_price=60.0
        )
        # A training seat for 5 stamps (the program's own reward is 3).
        cls.reward_seat = cls.Reward.create(
            {
                "name": "Training seat",
                "program_id": cls.program_stamp.id,
                "reward_type": "service",
                "product_id": cls.product_training.id,
                "cost_stamps": 5,
            }
        )
        cls.reward_jacket = cls.Reward.create(
            {
                "name": "Branded jacket",
                "program_id": cls.program_cashback.id,
                "reward_type": "product",
                "product_id": cls.product_jacket.id,
                "cost_amount": 120.0,
            }
        )
        cls.reward_report = cls.Reward.create(
            {
                "name": "Market report",
                "program_id": cls.program_cashback.id,
                "reward_type": "information",
                "product_id": cls.product_report.id,
                "cost_amount": 30.0,
            }
        )

    def _approved_request(self, reward, card):
        request = self.Request.create({"reward_id": reward.id, "card_id": card.id})
        request.action_approve()
        return request

    def _fulfil(self, request):
        action = request.action_fulfil()
        self.assertEqual(action["res_model"], "sale.order")
        return self.SaleOrder.browse(action["res_id"])

    def _request_entries(self, request):
        return self.Transaction.search(
            [("reward_request_id", "=", request.id)], order="id"
        )


@tagged("post_install", "-at_install")
class TestRewardFulfilment(RewardFulfilmentCommon):
    def test_stamp_reward_fulfilled_then_cancelled(self):
        request = self._approved_request(self.reward_seat, self.stamp_card)
        self.assertRecordValues(
            self.stamp_card,
            [{"stamp_count": 7, "stamps_reserved": 5, "stamps_available": 2}],
        )
        order = self._fulfil(request)
        self.assertEqual(request.sale_order_id, order)
        self.assertIn(self.stamp_card, order.b2b_card_ids)
        self.assertEqual(order.partner_id, self.customer)
        self.assertRecordValues(
            order.order_line,
            [
                {
                    "product_id": self.product_training.id,
                    "product_uom_qty": 1.0,
                    "price_unit": 800.0,
                    "discount": 100.0,
                    "price_subtotal": 0.0,
                    "b2b_reward_kind": "stamp_reward",
                    "b2b_card_id": self.stamp_card.id,
                    "b2b_reward_request_id": request.id,
                }
            ],
        )
        self.assertEqual(
            order.order_line.name,
            "Training day\nStamp reward: 5 stamps of card %s" % self.stamp_card.name,
        )
        # Fulfilling again opens the same quotation.
        self.assertEqual(self._fulfil(request), order)
        order.action_confirm()
        self.assertRecordValues(
            self.stamp_card,
            [{"stamp_count": 2, "stamps_reserved": 0, "stamps_available": 2}],
        )
        self.assertRecordValues(
            request,
            [
                {
                    "state": "fulfilled",
                    "fulfilled_date": fields.Date.context_today(request),
                    "sale_order_id": order.id,
                    "hold_entry_id": False,
                }
            ],
        )
        self.assertRecordValues(
            self._request_entries(request),
            [
                {"kind": "reserve", "reserved_stamps": 5, "stamps": 0},
                {"kind": "release", "reserved_stamps": -5, "stamps": 0},
                {"kind": "stamp_reward", "reserved_stamps": 0, "stamps": -5},
            ],
        )
        self.assertEqual(self._request_entries(request)[-1].sale_order_id, order)
        self.assertIn("Fulfilled by order", request.message_ids[0].body)
        # Cancelled: the stamps come back, the seat is reserved again.
        order._action_cancel()
        self.assertRecordValues(
            self.stamp_card,
            [{"stamp_count": 7, "stamps_reserved": 5, "stamps_available": 2}],
        )
        self.assertRecordValues(
            request,
            [{"state": "approved", "fulfilled_date": False, "sale_order_id": False}],
        )
        self.assertEqual(
            self._request_entries(request).mapped("reserved_stamps"), [5, -5, 0, 5]
        )
        self.assertEqual(request.hold_entry_id, self._request_entries(request)[-1])
        # A new quotation delivers it.
        self.assertNotEqual(self._fulfil(request), order)

    def test_cashback_reward_invoiced(self):
        request = self._approved_request(self.reward_jacket, self.cashback_card)
        self.assertRecordValues(
            self.cashback_card,
            [
                {
                    "cashback_balance": 200.0,
                    "cashback_reserved": 120.0,
                    "cashback_available": 80.0,
                }
            ],
        )
        order = self._fulfil(request)
        self.assertRecordValues(
            order.order_line.sorted("sequence"),
            [
                {
                    "product_id": self.product_jacket.id,
                    "price_unit": 120.0,
                    "discount": 0.0,
                    "price_subtotal": 120.0,
                    "b2b_reward_kind": False,
                    "b2b_card_id": False,
                    "b2b_reward_request_id": request.id,
                },
                {
                    "product_id": self.redemption_product.id,
                    "price_unit": -120.0,
                    "discount": 0.0,
                    "price_subtotal": -120.0,
                    "b2b_reward_kind": "cashback",
                    "b2b_card_id": self.cashback_card.id,
                    "b2b_reward_request_id": request.id,
                },
            ],
        )
        # The customer pays the tax of the jacket only (15 % of 120.00).
        self.assertRecordValues(
            order, [{"amount_untaxed": 0.0, "amount_tax": 18.0, "amount_total": 18.0}]
        )
        order.action_confirm()
        self.assertEqual(request.state, "fulfilled")
        self.assertRecordValues(
            self.cashback_card,
            [
                {
                    "cashback_balance": 200.0,
                    "cashback_reserved": 0.0,
                    "cashback_committed": 120.0,
                    "cashback_available": 80.0,
                }
            ],
        )
        invoice = self._invoice(order)
        self.assertRecordValues(
            self.Transaction.search(
                [
                    ("invoice_id", "=", invoice.id),
                    ("card_id", "=", self.cashback_card.id),
                ]
            ),
            [{"kind": "redeem", "amount": -120.0}],
        )
        self.assertRecordValues(
            self.cashback_card,
            [
                {
                    "cashback_balance": 80.0,
                    "cashback_committed": 0.0,
                    "cashback_available": 80.0,
                }
            ],
        )
        # The liability falls by 120.00; the jacket's income is 120.00.
        liability_lines = invoice.line_ids.filtered(
            lambda line: line.account_id == self.liability
        )
        self.assertEqual(sum(liability_lines.mapped("balance")), 120.0)
        jacket_line = invoice.line_ids.filtered(
            lambda line: line.product_id == self.product_jacket
        )
        self.assertEqual(
            jacket_line.account_id,
            self.product_jacket.product_tmpl_id._get_product_accounts()["income"],
        )
        self.assertEqual(jacket_line.balance, -120.0)
        # A paid reward earns no cashback.
        self.assertFalse(
            self.Transaction.search(
                [("invoice_id", "=", invoice.id), ("kind", "=", "earn")]
            )
        )
        # The invoice spent the cashback: a credit note first.
        with self.assertRaisesRegex(UserError, "credit note"):
            order._action_cancel()

    def test_information_reward_fulfilled(self):
        request = self._approved_request(self.reward_report, self.cashback_card)
        order = self._fulfil(request)
        self.assertEqual(
            sorted(order.order_line.mapped("price_subtotal")), [-30.0, 30.0]
        )
        order.action_confirm()
        self.assertRecordValues(
            request, [{"state": "fulfilled", "sale_order_id": order.id}]
        )
        self.assertEqual(self.cashback_card.cashback_available, 170.0)

    def test_fulfil_refused(self):
        request = self.Request.create(
            {"reward_id": self.reward_seat.id, "card_id": self.stamp_card.id}
        )
        with self.assertRaisesRegex(UserError, "Only an approved request"):
            request.action_fulfil()
        request.action_approve()
        self.program_cashback.cashback_redemption_product_id = False
        cashback_request = self._approved_request(
            self.reward_report, self.cashback_card
        )
        with self.assertRaisesRegex(UserError, "no redemption product"):
            cashback_request.action_fulfil()
        self.assertFalse(cashback_request.sale_order_id)

    def test_reject_and_cancel_release(self):
        rejected = self._approved_request(self.reward_jacket, self.cashback_card)
        self.assertEqual(self.cashback_card.cashback_reserved, 120.0)
        rejected.action_reject("No jackets left")
        self.assertEqual(self.cashback_card.cashback_reserved, 0.0)
        self.assertEqual(self.cashback_card.cashback_available, 200.0)
        reserve, release = self._request_entries(rejected)
        self.assertRecordValues(
            release,
            [
                {
                    "kind": "release",
                    "reserved_amount": -120.0,
                    "reversed_entry_id": reserve.id,
                    "amount": 0.0,
                }
            ],
        )
        cancelled = self._approved_request(self.reward_seat, self.stamp_card)
        order = self._fulfil(cancelled)
        cancelled.action_cancel()
        self.assertEqual(self.stamp_card.stamps_reserved, 0)
        self.assertEqual(self.stamp_card.stamps_available, 7)
        self.assertEqual(
            self._request_entries(cancelled).mapped("reserved_stamps"), [5, -5]
        )
        # Its line left the quotation.
        self.assertFalse(order.order_line)

    def test_quotation_cancelled_or_deleted_before_confirmation(self):
        request = self._approved_request(self.reward_seat, self.stamp_card)
        order = self._fulfil(request)
        order._action_cancel()
        self.assertRecordValues(
            request, [{"state": "approved", "sale_order_id": False}]
        )
        self.assertEqual(self.stamp_card.stamps_reserved, 5)
        second = self._fulfil(request)
        self.assertNotEqual(second, order)
        second.unlink()
        self.assertRecordValues(
            request, [{"state": "approved", "sale_order_id": False}]
        )
        self.assertEqual(self.stamp_card.stamps_reserved, 5)

    def test_request_lines_locked_and_removed_together(self):
        request = self._approved_request(self.reward_jacket, self.cashback_card)
        order = self._fulfil(request)
        product_line = order.order_line.filtered(lambda line: not line.b2b_reward_kind)
        for vals in ({"price_unit": 100.0}, {"discount": 10.0}, {"product_uom_qty": 2}):
            with self.assertRaisesRegex(UserError, "delivers reward request"):
                product_line.write(vals)
        # Rewriting the same value is no edit.
        product_line.write({"price_unit": 120.0})
        # Removing the redemption takes the jacket along.
        order.order_line.filtered("b2b_reward_kind").unlink()
        self.assertFalse(order.order_line)
        self.assertRecordValues(
            request, [{"state": "approved", "sale_order_id": False}]
        )

    def test_own_reservation_pays_while_free_balance_is_spent(self):
        request = self._approved_request(self.reward_jacket, self.cashback_card)
        fulfilment = self._fulfil(request)
        # Another order spends the free 80.00.
        other = self._create_order(lines=[(self.product_paper, 1.0)])
        other.b2b_apply_cashback(80.0, self.cashback_card)
        other.action_confirm()
        self.assertEqual(self.cashback_card.cashback_available, 0.0)
        # An ordinary order cannot spend the reserved part.
        third = self._create_order(lines=[(self.product_paper, 1.0)])
        with self.assertRaisesRegex(
            UserError, r"only \$\s0\.00 is available .*\$\s120\.00 is reserved"
        ):
            third.b2b_apply_cashback(50.0, self.cashback_card)
        # The request's own reservation pays for its order.
        fulfilment.action_confirm()
        self.assertEqual(request.state, "fulfilled")
        self.assertRecordValues(
            self.cashback_card,
            [
                {
                    "cashback_balance": 200.0,
                    "cashback_reserved": 0.0,
                    "cashback_committed": 200.0,
                    "cashback_available": 0.0,
                }
            ],
        )

    def test_ordinary_stamp_reward_cannot_take_reserved_stamps(self):
        self._approved_request(self.reward_seat, self.stamp_card)
        order = self._create_order(lines=[(self.product_paper, 1.0)])
        # 2 free stamps: the program's reward (3) is not offered.
        self.assertFalse(order.b2b_is_reward_available)
        self.env["sale.order.line"].create(
            order._b2b_prepare_stamp_reward_line(self.stamp_card, 20)
        )
        with self.assertRaisesRegex(
            UserError, "has 7 stamps, of which 5 are reserved for approved rewards"
        ):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertEqual(self.stamp_card.stamp_count, 7)
