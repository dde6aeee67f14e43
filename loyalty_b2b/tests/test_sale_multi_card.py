from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .test_sale_common import LoyaltyB2bSaleCommon


@tagged("post_install", "-at_install")
class TestSaleMultiCard(LoyaltyB2bSaleCommon):
    """A company holding a discount card, a stamp card with its reward ready
    and a cashback card: all work on one order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.discount_card = cls._create_card(cls.program_discount)
        cls.stamp_card = cls._create_card(cls.program_stamp)
        cls._add_ledger(cls.stamp_card, stamps=3, kind="stamp")
        cls.cashback_card = cls._create_card(cls.program_cashback)
        cls._add_ledger(cls.cashback_card, amount=150.0)
        cls.cards = cls.discount_card | cls.stamp_card | cls.cashback_card

    def _invoice_earnings(self, invoice):
        return self.Transaction.search(
            [("invoice_id", "=", invoice.id), ("kind", "=", "earn")]
        )

    def test_every_card_on_one_order(self):
        order = self._create_order(lines=[(self.product_drill, 1.0)])
        self.assertEqual(order.b2b_card_ids, self.cards)
        # The best discount on the eligible lines.
        self.assertEqual(order.b2b_card_id, self.discount_card)
        self.assertEqual(order.order_line.discount, 10.0)
        # The stamp card's reward is offered; cashback is spent from its card.
        self.assertTrue(order.b2b_is_reward_available)
        order.action_b2b_add_stamp_reward()
        reward = order.order_line.filtered(
            lambda line: line.b2b_reward_kind == "stamp_reward"
        )
        self.assertEqual(reward.b2b_card_id, self.stamp_card)
        self.assertFalse(order.b2b_is_reward_available)
        order.b2b_apply_cashback(50.0, self.cashback_card)
        panel = order.b2b_cards_panel
        for text in (
            self.discount_card.name,
            "10 % discount on 1 line(s).",
            "Reward on this order: Training day",
            "Confirming earns a stamp: 3 → 1 of 3.",
            "used on this order",
            "The invoice earns 2 % cashback: about",
        ):
            self.assertIn(text, panel)
        order.action_confirm()
        # The stamp earned, the reward's stamps spent, the cashback committed.
        self.assertEqual(self.stamp_card.stamp_count, 1)
        self.assertEqual(self.cashback_card.cashback_committed, 50.0)
        invoice = self._invoice(order)
        # The invoice earns on the cashback card: 2 % of the drill at 900.00.
        self.assertRecordValues(
            self._invoice_earnings(invoice),
            [{"card_id": self.cashback_card.id, "amount": 18.0}],
        )
        self.assertEqual(self.cashback_card.cashback_balance, 150.0 - 50.0 + 18.0)

    def test_removed_card_loses_its_effect(self):
        order = self._create_order(lines=[(self.product_drill, 1.0)])
        order.action_b2b_add_stamp_reward()
        order.b2b_apply_cashback(40.0)
        self.assertEqual(
            order.order_line.filtered("b2b_reward_kind").b2b_card_id,
            self.stamp_card | self.cashback_card,
        )
        # Without the discount card: no discount, the next card is the main one.
        order.b2b_card_ids -= self.discount_card
        self.assertEqual(order.order_line[0].discount, 0.0)
        self.assertEqual(order.b2b_removed_card_ids, self.discount_card)
        self.assertIn("Left out of this order.", order.b2b_cards_panel)
        # Without the stamp and cashback cards: their lines leave with them.
        order.b2b_card_ids -= self.stamp_card | self.cashback_card
        self.assertFalse(order.order_line.filtered("b2b_reward_kind"))
        order.action_confirm()
        self.assertEqual(self.stamp_card.stamp_count, 3)
        self.assertEqual(self.cashback_card.cashback_committed, 0.0)
        # The invoice earns nothing on a card left out of the order.
        invoice = self._invoice(order)
        self.assertFalse(self._invoice_earnings(invoice))
        # Confirmed: the cards stay as they were.
        with self.assertRaisesRegex(UserError, "cannot change"):
            order.b2b_card_ids |= self.cashback_card

    def test_discounts_do_not_add_up_unless_a_program_combines(self):
        accumulative_card = self._create_card(self.program_accumulative)  # 3 %
        order = self._create_order(lines=[(self.product_drill, 1.0)])
        self.assertEqual(order.b2b_card_ids, self.cards | accumulative_card)
        self.assertEqual(order.order_line.discount, 10.0)
        self.assertIn("3 % not applied", order.b2b_cards_panel)
        # The salesperson sees how far the company is from the next tier.
        self.assertIn(accumulative_card.next_tier_message, order.b2b_cards_panel)
        self.assertIn("to reach Gold", accumulative_card.next_tier_message)
        self.program_accumulative.combine_discounts = True
        order.action_b2b_apply_card_discount()
        # 10 % then 3 %: 12.7 %.
        self.assertEqual(order.order_line.b2b_discount, 12.7)
        self.assertEqual(order.order_line.price_subtotal, 873.0)
        # The salesperson picks the other card as the discount card.
        order.b2b_card_id = accumulative_card
        self.assertEqual(order.order_line.b2b_discount, 3.0)

    def test_discount_card_before_a_higher_cashback(self):
        """A 5 % cashback card never takes the place of a 3 % discount card: it
        gives no discount."""
        self.program_cashback.tier_ids[0].cashback_percent = 5.0
        self.discount_card.action_block()
        accumulative_card = self._create_card(self.program_accumulative)  # 3 %
        order = self._create_order(lines=[(self.product_drill, 1.0)])
        self.assertEqual(order.b2b_card_id, accumulative_card)
        self.assertEqual(order.order_line.discount, 3.0)
        self.assertIn("The invoice earns 5 % cashback", order.b2b_cards_panel)

    def test_cashback_card_chosen_among_several(self):
        program_2 = self.Program.create(
            {
                "name": "Cashback Plus",
                "program_type": "cashback",
                "tier_ids": [
                    Command.create(
                        {"name": "Base", "min_amount": 0, "cashback_percent": 1}
                    )
                ],
            }
        )
        second = self._create_card(program_2)
        self._add_ledger(second, amount=300.0)
        order = self._create_order(lines=[(self.product_drill, 1.0)])
        with self.assertRaisesRegex(UserError, "several cashback cards"):
            order.b2b_apply_cashback(10.0)
        action = order.action_b2b_open_cashback_wizard()
        wizard_form = Form(
            self.env[action["res_model"]].with_context(**action["context"])
        )
        # The one with the most available first; the salesperson may switch.
        self.assertEqual(wizard_form.card_id, second)
        self.assertEqual(wizard_form.available_amount, 300.0)
        wizard_form.card_id = self.cashback_card
        self.assertEqual(wizard_form.available_amount, 150.0)
        wizard_form.amount = 100.0
        wizard_form.save().action_apply()
        order.b2b_apply_cashback(30.0, second.id)
        redemptions = order.order_line.filtered("b2b_reward_kind")
        self.assertEqual(
            sorted(
                zip(
                    redemptions.b2b_card_id.mapped("name"),
                    redemptions.mapped("price_unit"),
                    strict=True,
                )
            ),
            sorted([(self.cashback_card.name, -100.0), (second.name, -30.0)]),
        )
        with self.assertRaisesRegex(UserError, "not an active cashback card"):
            order.b2b_apply_cashback(10.0, self.discount_card)
        order.action_confirm()
        self.assertEqual(self.cashback_card.cashback_committed, 100.0)
        self.assertEqual(second.cashback_committed, 30.0)

    def test_quotation_right_with_the_discount_setting_off(self):
        """A fresh database has Sales' Discounts setting off: loyalty users get
        line discounts with their group, so the quotation is computed as the
        salesperson types."""
        group_discount = self.env.ref("sale.group_discount_per_so_line")
        self.assertNotIn(group_discount, self.env.ref("base.group_user").implied_ids)
        salesperson = self._new_salesperson()
        self.assertTrue(salesperson.has_group("sale.group_discount_per_so_line"))
        order_form = Form(self.SaleOrder.with_user(salesperson))
        order_form.partner_id = self.customer
        with order_form.order_line.new() as line:
            line.product_id = self.product_drill
            line.product_uom_qty = 3.0
            self.assertEqual(line.price_subtotal, 2700.0)
        self.assertEqual(order_form.b2b_manual_discount_count, 0)
        order = order_form.save()
        self.assertEqual(order.amount_untaxed, 2700.0)
        self.assertRecordValues(
            order.order_line,
            [{"discount": 10.0, "b2b_has_manual_discount": False}],
        )

    def test_enrolment_card_joins_the_order(self):
        other = self.env["res.partner"].create(
            {"name": "Northwind Distribution", "is_company": True}
        )
        stamp_card = self._create_card(self.program_stamp, other)
        self.program_cashback.enrolment = "automatic"
        order = self._create_order(other, lines=[(self.product_drill, 1.0)])
        self.assertEqual(order.b2b_card_ids, stamp_card)
        order.action_confirm()
        enrolled = self.Card.search(
            [
                ("partner_id", "=", other.id),
                ("program_id", "=", self.program_cashback.id),
            ]
        )
        self.assertTrue(enrolled)
        # Issued at confirmation, used by the order: its invoice earns.
        self.assertEqual(order.b2b_card_ids, stamp_card | enrolled)
        self.assertEqual(order.b2b_card_id, stamp_card)
        self.assertEqual(stamp_card.stamp_count, 1)
        invoice = self._invoice(order)
        self.assertEqual(self._invoice_earnings(invoice).card_id, enrolled)

    def test_reward_line_added_another_way_spends_the_stamp_card(self):
        order = self._create_order()
        order.order_line = [
            Command.create(
                {
                    "product_id": self.product_training.id,
                    "discount": 100.0,
                    "b2b_reward_kind": "stamp_reward",
                }
            )
        ]
        order.action_confirm()
        reward = order.order_line.filtered("b2b_reward_kind")
        self.assertEqual(reward.b2b_card_id, self.stamp_card)
        # 3 stamps, +1 for the order, -3 for the reward.
        self.assertEqual(self.stamp_card.stamp_count, 1)
