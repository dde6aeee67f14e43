from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .test_sale_common import LoyaltyB2bSaleCommon


@tagged("post_install", "-at_install")
class TestSaleStamp(LoyaltyB2bSaleCommon):
    """Stamp cards: 3 stamps for a free training day, one stamp per order of at
    least 500.00 untaxed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls._create_card(cls.program_stamp)

    def _stamp_entries(self, order):
        return self.Transaction.search([("sale_order_id", "=", order.id)], order="id")

    def _collect_stamps(self, count):
        for _i in range(count):
            self._create_order().action_confirm()
        self.assertEqual(self.card.stamp_count, count)

    def test_stamp_per_qualifying_order(self):
        order = self._create_order(self.contact)
        self.assertEqual(order.b2b_card_id, self.card)
        order.action_confirm()
        self.assertRecordValues(
            self._stamp_entries(order),
            [{"card_id": self.card.id, "kind": "stamp", "stamps": 1, "amount": 0.0}],
        )
        self.assertEqual(self.card.stamp_count, 1)
        # 4 x 100.00 = 400.00 is below the minimum.
        small = self._create_order(lines=[(self.product_paper, 4.0)])
        small.action_confirm()
        self.assertFalse(self._stamp_entries(small))
        # 5 x 100.00 reaches it exactly.
        exact = self._create_order(lines=[(self.product_paper, 5.0)])
        exact.action_confirm()
        self.assertEqual(self._stamp_entries(exact).stamps, 1)
        self.assertEqual(self.card.stamp_count, 2)

    def _assert_stamp_end_to_end(self, partner):
        order = self._create_order(partner)
        self.assertEqual(order.b2b_card_id, self.card)
        self.assertRecordValues(
            order,
            [
                {
                    "amount_untaxed": 1000.0,
                    "amount_tax": 150.0,
                    "amount_total": 1150.0,
                    "b2b_savings": 0.0,
                    "b2b_is_reward_available": False,
                }
            ],
        )
        # A quotation earns nothing yet.
        self.assertFalse(self._stamp_entries(order))
        order.action_confirm()
        self.assertRecordValues(
            self._stamp_entries(order),
            [
                {
                    "card_id": self.card.id,
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "kind": "stamp",
                    "stamps": 1,
                    "amount": 0.0,
                    "sale_order_id": order.id,
                    "invoice_id": False,
                }
            ],
        )
        self.assertEqual(self.card.stamp_count, 1)
        invoice = self._invoice(order)
        # The invoice is the order's: same lines, same amounts.
        self.assertRecordValues(
            invoice,
            [
                {
                    "state": "posted",
                    "partner_id": partner.id,
                    "amount_untaxed": 1000.0,
                    "amount_tax": 150.0,
                    "amount_total": 1150.0,
                }
            ],
        )
        self.assertRecordValues(
            invoice.invoice_line_ids,
            [
                {
                    "product_id": self.product_drill.id,
                    "quantity": 1.0,
                    "price_unit": 1000.0,
                    "discount": 0.0,
                    "price_subtotal": 1000.0,
                    "b2b_reward_kind": False,
                }
            ],
        )
        # Invoicing neither adds nor takes stamps.
        self.assertFalse(self.Transaction.search([("invoice_id", "=", invoice.id)]))
        self.assertEqual(len(self._stamp_entries(order)), 1)
        self.assertEqual(self.card.stamp_count, 1)

    def test_stamp_end_to_end_order_by_the_company(self):
        self._assert_stamp_end_to_end(self.customer)

    def test_stamp_end_to_end_order_by_a_contact(self):
        self._assert_stamp_end_to_end(self.contact)

    def test_cancel_takes_the_stamp_back(self):
        order = self._create_order()
        order.action_confirm()
        order._action_cancel()
        self.assertEqual(self._stamp_entries(order).mapped("stamps"), [1, -1])
        self.assertEqual(self.card.stamp_count, 0)
        # Confirmed again, cancelled again: still nothing twice.
        order.action_draft()
        order.action_confirm()
        self.assertEqual(self.card.stamp_count, 1)
        order._action_cancel()
        order._action_cancel()
        self.assertEqual(self._stamp_entries(order).mapped("stamps"), [1, -1, 1, -1])
        self.assertEqual(self.card.stamp_count, 0)
        # A quotation cancelled before confirmation never had a stamp.
        quotation = self._create_order()
        quotation._action_cancel()
        self.assertFalse(self._stamp_entries(quotation))

    def _assert_reward_end_to_end(self, partner):
        self._collect_stamps(3)
        order = self._create_order(partner)
        self.assertTrue(order.b2b_is_reward_available)
        self.assertEqual((order.b2b_stamp_count, order.b2b_stamps_required), (3, 3))
        order.action_b2b_add_stamp_reward()
        self.assertFalse(order.b2b_is_reward_available)
        reward = order.order_line.filtered("b2b_reward_kind")
        self.assertRecordValues(
            reward,
            [
                {
                    "product_id": self.product_training.id,
                    "b2b_reward_kind": "stamp_reward",
                    "price_unit": 800.0,
                    "discount": 100.0,
                    "price_subtotal": 0.0,
                    "b2b_discount": 0.0,
                    "b2b_has_manual_discount": False,
                }
            ],
        )
        self.assertRecordValues(
            order,
            [{"amount_untaxed": 1000.0, "amount_total": 1150.0, "b2b_savings": 800.0}],
        )
        with self.assertRaises(UserError):
            order.action_b2b_add_stamp_reward()
        # Quantity changes keep the reward free.
        order.order_line.filtered(
            lambda line: not line.b2b_reward_kind
        ).product_uom_qty = 2
        self.assertEqual(reward.discount, 100.0)

        self.assertRecordValues(
            order,
            [{"amount_untaxed": 2000.0, "amount_total": 2300.0, "b2b_savings": 800.0}],
        )

        order.action_confirm()
        self.assertRecordValues(
            self._stamp_entries(order),
            [
                {
                    "card_id": self.card.id,
                    "kind": "stamp",
                    "stamps": 1,
                    "sale_order_id": order.id,
                },
                {
                    "card_id": self.card.id,
                    "kind": "stamp_reward",
                    "stamps": -3,
                    "sale_order_id": order.id,
                },
            ],
        )
        self.assertEqual(self.card.stamp_count, 1)
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice,
            [
                {
                    "state": "posted",
                    "partner_id": partner.id,
                    "amount_untaxed": 2000.0,
                    "amount_tax": 300.0,
                    "amount_total": 2300.0,
                }
            ],
        )
        self.assertRecordValues(
            invoice.invoice_line_ids.filtered("b2b_reward_kind"),
            [
                {
                    "b2b_reward_kind": "stamp_reward",
                    "product_id": self.product_training.id,
                    "price_unit": 800.0,
                    "discount": 100.0,
                    "price_subtotal": 0.0,
                }
            ],
        )
        # Posting the invoice leaves the stamps as the confirmation left them.
        self.assertEqual(len(self._stamp_entries(order)), 2)
        self.assertEqual(self.card.stamp_count, 1)
        # A copy of the order does not carry the reward.
        self.assertFalse(order.copy().order_line.filtered("b2b_reward_kind"))

    def test_reward_end_to_end_order_by_the_company(self):
        self._assert_reward_end_to_end(self.customer)

    def test_reward_end_to_end_order_by_a_contact(self):
        self._assert_reward_end_to_end(self.contact)

    def test_reward_line_never_discounted(self):
        """A stamp card discounts nothing: its reward line meets a card discount
        only on a quotation moved to another card of the company, which then
        cannot be confirmed (test_reward_needs_a_stamp_card). The line stays
        free and takes none of that card's discount when the lines' discounts
        are recomputed ('Update Prices': test_update_prices_keeps_the_reward_free)."""
        self._collect_stamps(3)
        order = self._create_order()
        order.action_b2b_add_stamp_reward()
        drill, reward = order.order_line
        order.b2b_card_id = self._create_card(self.program_discount)
        # Recomputations after the reward: a new line, the card's discount
        # applied again to every line.
        order.order_line = [Command.create({"product_id": self.product_paper.id})]
        paper = order.order_line - drill - reward
        order.action_b2b_apply_card_discount()
        self.assertRecordValues(
            drill | paper | reward,
            [
                *self.DRILL_AND_PAPER_AT_10_PERCENT,
                {
                    "price_unit": 800.0,
                    "b2b_discount": 0.0,
                    "discount": 100.0,
                    "b2b_has_manual_discount": False,
                    "price_subtotal": 0.0,
                },
            ],
        )
        # 100.00 + 10.00 of discount, 800.00 of reward.
        self.assertRecordValues(
            order, [{"amount_untaxed": 990.0, "b2b_savings": 910.0}]
        )

    def test_update_prices_keeps_the_reward_free(self):
        """'Update Prices', after a pricelist change, recomputes the prices and
        discounts of the lines: the reward stays free of charge."""
        self._collect_stamps(3)
        pricelist = self._create_drill_pricelist(
            compute_price="fixed", fixed_price=900.0
        )
        order = self._create_order()
        order.action_b2b_add_stamp_reward()
        order.pricelist_id = pricelist
        order.action_update_prices()
        self.assertRecordValues(
            order.order_line,
            [
                {
                    "product_id": self.product_drill.id,
                    "price_unit": 900.0,
                    "discount": 0.0,
                    "price_subtotal": 900.0,
                },
                {
                    "product_id": self.product_training.id,
                    "price_unit": 800.0,
                    "discount": 100.0,
                    "price_subtotal": 0.0,
                },
            ],
        )
        self.assertRecordValues(
            order,
            [{"amount_untaxed": 900.0, "amount_total": 1035.0, "b2b_savings": 800.0}],
        )
        order.action_confirm()
        self.assertEqual(self.card.stamp_count, 1)
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice, [{"amount_untaxed": 900.0, "amount_total": 1035.0}]
        )

    def test_reward_button_on_the_form(self):
        self._collect_stamps(3)
        with Form(self.SaleOrder) as order_form:
            order_form.partner_id = self.customer
            with order_form.order_line.new() as line:
                line.product_id = self.product_paper
            self.assertTrue(order_form.b2b_is_reward_available)
        order = order_form.record
        order.action_b2b_add_stamp_reward()
        self.assertEqual(order.amount_untaxed, 100.0)
        # Below the minimum: no stamp, but the reward is paid with the card's.
        order.action_confirm()
        self.assertEqual(self.card.stamp_count, 0)

    def test_no_reward_without_the_stamps(self):
        self._collect_stamps(2)
        order = self._create_order()
        self.assertFalse(order.b2b_is_reward_available)
        with self.assertRaisesRegex(UserError, "No stamp reward"):
            order.action_b2b_add_stamp_reward()
        # Even when a reward line gets there another way.
        order.order_line = [
            (
                0,
                0,
                {
                    "product_id": self.product_training.id,
                    "discount": 100.0,
                    "b2b_reward_kind": "stamp_reward",
                },
            )
        ]
        with self.assertRaisesRegex(UserError, "has 2 stamps"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertEqual(self.card.stamp_count, 2)

    def test_two_rewards_for_the_stamps_of_one(self):
        self._collect_stamps(3)
        orders = self._create_order() | self._create_order(self.contact)
        for order in orders:
            order.action_b2b_add_stamp_reward()
        with self.assertRaisesRegex(UserError, "need 6"):
            orders.action_confirm()
        self.assertEqual(set(orders.mapped("state")), {"draft"})
        orders[0].action_confirm()
        self.assertEqual(self.card.stamp_count, 1)
        with self.assertRaisesRegex(UserError, "has 1 stamps"):
            orders[1].action_confirm()

    def test_cancelled_reward_gives_the_stamps_back(self):
        self._collect_stamps(3)
        order = self._create_order()
        order.action_b2b_add_stamp_reward()
        order.action_confirm()
        self.assertEqual(self.card.stamp_count, 1)
        order._action_cancel()
        self.assertEqual(self.card.stamp_count, 3)
        entries = self._stamp_entries(order)
        self.assertEqual(
            sorted(zip(entries.mapped("kind"), entries.mapped("stamps"), strict=True)),
            [("stamp", -1), ("stamp", 1), ("stamp_reward", -3), ("stamp_reward", 3)],
        )

    def test_reward_needs_a_stamp_card(self):
        self._collect_stamps(3)
        order = self._create_order()
        order.action_b2b_add_stamp_reward()
        # Another card's discount on the lines: the reward stays the stamp card's.
        discount_card = self._create_card(self.program_discount)
        order.b2b_card_id = discount_card
        self.assertEqual(order.b2b_card_ids, self.card | discount_card)
        # A reward line spending a card that is not a stamp card of the order.
        reward = order.order_line.filtered("b2b_reward_kind")
        reward.b2b_card_id = discount_card
        with self.assertRaisesRegex(UserError, "stamp rewards a stamp card"):
            order.action_confirm()
        # The stamp card left out of the order takes its reward along.
        reward.b2b_card_id = self.card
        order.b2b_card_ids -= self.card
        self.assertFalse(order.order_line.filtered("b2b_reward_kind"))
        order.action_confirm()
        self.assertEqual(self.card.stamp_count, 3)

    def test_salesperson_rewards_and_stamps(self):
        self._collect_stamps(3)
        salesperson = self._new_salesperson()
        order = self._create_order(user=salesperson)
        self.assertEqual(order.b2b_card_id, self.card)
        self.assertTrue(order.b2b_is_reward_available)
        order.action_b2b_add_stamp_reward()
        order.action_confirm()
        self.assertEqual(self.card.stamp_count, 1)
        order._action_cancel()
        self.assertEqual(self.card.stamp_count, 3)

    @mute_logger("odoo.models")
    def test_one_unit_of_reward(self):
        self._collect_stamps(3)
        order = self._create_order()
        order.action_b2b_add_stamp_reward()
        with self.assertRaisesRegex(ValidationError, "exactly one unit"):
            order.order_line.filtered("b2b_reward_kind").product_uom_qty = 2.0

    def test_pricelist_in_another_currency(self):
        eur = self._setup_eur()
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": eur.id}
        )
        # 600.00 EUR are 300.00 USD: below the 500.00 USD minimum.
        small = self._create_order(
            lines=[(self.product_paper, 3.0)], pricelist_id=pricelist.id
        )
        self.assertEqual(small.amount_untaxed, 600.0)
        small.action_confirm()
        self.assertEqual(self.card.stamp_count, 0)
        self._add_ledger(self.card, stamps=3)
        order = self._create_order(self.contact, pricelist_id=pricelist.id)
        order.action_b2b_add_stamp_reward()
        self.assertRecordValues(
            order.order_line,
            [
                {"price_unit": 2000.0, "discount": 0.0, "price_subtotal": 2000.0},
                {"price_unit": 1600.0, "discount": 100.0, "price_subtotal": 0.0},
            ],
        )
        self.assertEqual(order.b2b_savings, 1600.0)
        order.action_confirm()
        self.assertEqual(self.card.stamp_count, 1)
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice,
            [
                {
                    "currency_id": eur.id,
                    "amount_untaxed": 2000.0,
                    "amount_untaxed_signed": 1000.0,
                }
            ],
        )

    def test_second_company(self):
        company_2_data = self._setup_second_company()
        company_2 = company_2_data["company"]
        # Loading its chart of accounts gave the products its own sales tax.
        tax_2 = company_2_data["default_tax_sale"]
        self.assertEqual(tax_2.amount, 15.0)
        program_2 = self.Program.with_company(company_2).create(
            {
                "name": "Stamps 2",
                "program_type": "stamp",
                "company_id": company_2.id,
                "stamps_required": 2,
                "stamp_min_amount": 100.0,
                "stamp_reward_product_id": self.product_training.id,
            }
        )
        card_2 = self.Card.with_company(company_2).create(
            {"program_id": program_2.id, "partner_id": self.customer.id}
        )
        for partner in (self.customer, self.contact):
            order = self._create_order(partner, company_id=company_2.id)
            self.assertEqual(order.b2b_card_id, card_2)
            order.with_company(company_2).action_confirm()
        self.assertEqual((card_2.stamp_count, self.card.stamp_count), (2, 0))
        order = self._create_order(company_id=company_2.id).with_company(company_2)
        order.action_b2b_add_stamp_reward()
        self.assertRecordValues(
            order.order_line,
            [
                {
                    "product_id": self.product_drill.id,
                    "b2b_reward_kind": False,
                    "tax_id": tax_2.ids,
                    "price_unit": 1000.0,
                    "discount": 0.0,
                    "price_subtotal": 1000.0,
                },
                {
                    "product_id": self.product_training.id,
                    "b2b_reward_kind": "stamp_reward",
                    "tax_id": tax_2.ids,
                    "price_unit": 800.0,
                    "discount": 100.0,
                    "price_subtotal": 0.0,
                },
            ],
        )
        self.assertRecordValues(
            order,
            [
                {
                    "amount_untaxed": 1000.0,
                    "amount_tax": 150.0,
                    "amount_total": 1150.0,
                    "b2b_savings": 800.0,
                }
            ],
        )
        order.action_confirm()
        self.assertEqual(card_2.stamp_count, 1)
        self.assertRecordValues(
            self._stamp_entries(order),
            [
                {
                    "card_id": card_2.id,
                    "company_id": company_2.id,
                    "kind": "stamp",
                    "stamps": 1,
                },
                {
                    "card_id": card_2.id,
                    "company_id": company_2.id,
                    "kind": "stamp_reward",
                    "stamps": -2,
                },
            ],
        )
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice,
            [
                {
                    "company_id": company_2.id,
                    "state": "posted",
                    "amount_untaxed": 1000.0,
                    "amount_tax": 150.0,
                    "amount_total": 1150.0,
                }
            ],
        )
        self.assertRecordValues(
            invoice.invoice_line_ids.filtered("b2b_reward_kind"),
            [
                {
                    "product_id": self.product_training.id,
                    "tax_ids": tax_2.ids,
                    "price_unit": 800.0,
                    "discount": 100.0,
                    "price_subtotal": 0.0,
                }
            ],
        )
        self.assertEqual(self.card.stamp_count, 0)
