from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .test_sale_common import LoyaltyB2bSaleCommon


@tagged("post_install", "-at_install")
class TestSaleCard(LoyaltyB2bSaleCommon):
    """Which card an order gets, and which it may not get."""

    def test_card_of_the_commercial_partner(self):
        card = self._create_card(self.program_discount)
        self.assertEqual(self._create_order(self.customer).b2b_card_id, card)
        self.assertEqual(self._create_order(self.contact).b2b_card_id, card)
        self.assertFalse(self._create_order(self.other_customer).b2b_card_id)

    def test_card_giving_the_most(self):
        stamp_card = self._create_card(self.program_stamp)
        self.assertEqual(self._create_order().b2b_card_id, stamp_card)
        accumulative_card = self._create_card(self.program_accumulative)
        # Silver (3 %) gives more than stamps.
        self.assertEqual(self._create_order().b2b_card_id, accumulative_card)
        discount_card = self._create_card(self.program_discount)
        self.assertEqual(self._create_order().b2b_card_id, discount_card)
        # Gold (12 %) overtakes the 10 % card.
        self.gold.discount_percent = 12.0
        accumulative_card.write({"spent_amount": 12000.0})
        self.assertEqual(self._create_order().b2b_card_id, accumulative_card)

    def test_only_valid_and_eligible_cards(self):
        card = self._create_card(self.program_discount)
        yesterday = fields.Date.today() - timedelta(days=1)
        self.program_discount.date_to = yesterday
        self.assertFalse(self._create_order().b2b_card_id)
        self.program_discount.date_to = False
        card.action_block()
        self.assertFalse(self._create_order().b2b_card_id)
        card.action_activate()
        self.assertEqual(self._create_order().b2b_card_id, card)
        # The company lost the tag the program requires.
        self.program_discount.partner_category_ids = self.tag_dealer
        self.assertFalse(self._create_order().b2b_card_id)
        self.customer.category_id = self.tag_dealer
        self.assertEqual(self._create_order(self.contact).b2b_card_id, card)

    def test_salesperson_picks_another_card_of_the_company(self):
        discount_card = self._create_card(self.program_discount)
        stamp_card = self._create_card(self.program_stamp)
        with Form(self._create_order()) as order_form:
            self.assertEqual(order_form.b2b_card_id, discount_card)
            order_form.b2b_card_id = stamp_card
            with order_form.order_line.edit(0) as line:
                self.assertEqual(line.price_subtotal, 1000.0)
        order = order_form.record
        self.assertEqual(order.b2b_card_id, stamp_card)
        # The choice survives other edits of the quotation.
        order.order_line.product_uom_qty = 2.0
        order.note = "Urgent"
        self.assertEqual(order.b2b_card_id, stamp_card)
        self.assertEqual(order.amount_untaxed, 2000.0)
        order.b2b_card_id = False
        self.assertEqual(order.amount_untaxed, 2000.0)

    @mute_logger("odoo.models")
    def test_card_of_another_company_refused(self):
        other_card = self._create_card(self.program_discount, self.other_customer)
        order = self._create_order(self.contact)
        with self.assertRaisesRegex(ValidationError, "Globex Trading"):
            order.b2b_card_id = other_card
        with self.assertRaisesRegex(ValidationError, "belongs to Globex Trading"):
            self._create_order(self.contact, b2b_card_id=other_card.id)

    def test_card_of_another_seller_company_refused(self):
        company_2 = self._setup_second_company()["company"]
        self._create_card(self.program_discount)
        order = self._create_order(company_id=company_2.id)
        self.assertFalse(order.b2b_card_id)
        with self.assertRaises(UserError):
            order.b2b_card_id = self.customer.b2b_card_ids

    def test_confirm_with_a_card_no_longer_valid(self):
        card = self._create_card(self.program_discount)
        order = self._create_order()
        card.action_block()
        with self.assertRaisesRegex(UserError, "no longer valid"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        order.b2b_card_id = False
        order.action_confirm()
        self.assertEqual(order.amount_untaxed, 1000.0)

    def test_list_column_and_search_filter(self):
        self._create_card(self.program_discount)
        with_card = self._create_order()
        without_card = self._create_order(self.other_customer)
        arch = self.SaleOrder.get_views([(False, "list"), (False, "search")])["views"]
        self.assertIn('name="b2b_card_id"', arch["list"]["arch"])
        search = etree.fromstring(arch["search"]["arch"])
        [with_card_filter] = search.xpath("//filter[@name='b2b_with_card']")
        domain = safe_eval(with_card_filter.get("domain"))
        orders = self.SaleOrder.search(
            [*domain, ("id", "in", (with_card | without_card).ids)]
        )
        self.assertEqual(orders, with_card)

    def test_order_form_shows_the_card(self):
        card = self._create_card(self.program_accumulative)
        arch = self.SaleOrder.get_views([(False, "form")])["views"]["form"]["arch"]
        for fname in (
            "b2b_card_id",
            "b2b_tier_id",
            "b2b_discount_percent",
            "b2b_savings",
            "b2b_stamp_count",
            "b2b_cashback_available",
            "b2b_cashback_balance",
            "b2b_discount",
        ):
            self.assertIn(f'name="{fname}"', arch)
        order = self._create_order()
        self.assertRecordValues(
            order,
            [
                {
                    "b2b_card_id": card.id,
                    "b2b_tier_id": card.tier_id.id,
                    "b2b_discount_percent": 3.0,
                    "b2b_savings": 30.0,
                }
            ],
        )

    def test_auto_enrolment_at_first_confirmed_order(self):
        self.program_stamp.enrolment = "automatic"
        self.program_cashback.write(
            {"enrolment": "automatic", "partner_category_ids": self.tag_dealer.ids}
        )
        order = self._create_order(self.contact)
        self.assertFalse(order.b2b_card_id)
        self.assertFalse(self.customer.b2b_card_ids)
        order.action_confirm()
        card = self.Card.search([("partner_id", "=", self.customer.id)])
        # Not the cashback program: the company is not a dealer.
        self.assertEqual(card.program_id, self.program_stamp)
        self.assertEqual(order.b2b_card_id, card)
        # The enrolment order earns the first stamp.
        self.assertEqual(card.stamp_count, 1)
        self.assertIn(order.name, card.message_ids.mapped("body")[0])
        # The next orders use the card, and issue no other.
        next_order = self._create_order()
        self.assertEqual(next_order.b2b_card_id, card)
        next_order.action_confirm()
        self.assertEqual(
            self.Card.search([("partner_id", "=", self.customer.id)]), card
        )
        # A blocked card is not replaced by a new one.
        card.action_block()
        self._create_order().action_confirm()
        self.assertEqual(
            self.Card.search([("partner_id", "=", self.customer.id)]), card
        )

    def test_auto_enrolment_follows_program_changes(self):
        """The automatic-enrolment programs are cached per company: creating,
        enabling or archiving one takes effect at the next confirmation."""
        customers = self.env["res.partner"].create(
            [
                {"name": name, "is_company": True}
                for name in ("Initech Supplies", "Umbrella Parts")
            ]
        )
        first, second, third, fourth = (
            self._create_order(partner)
            for partner in (self.customer, self.other_customer, *customers)
        )
        first.action_confirm()
        self.assertFalse(self.customer.b2b_card_ids)
        self.assertEqual(self._cached_auto_enroll_program_ids(), ())
        self.program_stamp.enrolment = "automatic"
        second.action_confirm()
        card = self.other_customer.b2b_card_ids
        self.assertEqual(card.program_id, self.program_stamp)
        self.assertEqual(second.b2b_card_id, card)
        self.assertEqual(
            self._cached_auto_enroll_program_ids(), (self.program_stamp.id,)
        )
        self.program_stamp.active = False
        # The enrolment skips archived programs anyway: look at the cache too.
        self.assertEqual(self.Program._get_auto_enroll_program_ids(self.company.id), ())
        third.action_confirm()
        self.assertFalse(customers[0].b2b_card_ids)
        self.assertFalse(third.b2b_card_id)
        welcome = self.Program.create(
            {
                "name": "Welcome 5%",
                "program_type": "discount",
                "discount_percent": 5,
                "enrolment": "automatic",
            }
        )
        fourth.action_confirm()
        self.assertEqual(customers[1].b2b_card_ids.program_id, welcome)
        self.assertEqual(fourth.b2b_card_id.program_id, welcome)
        # Programs that do not enrol leave the cache (and Odoo's) alone.
        self.assertEqual(self._cached_auto_enroll_program_ids(), (welcome.id,))
        self.program_discount.write({"sequence": 1, "active": False})
        self.assertEqual(self._cached_auto_enroll_program_ids(), (welcome.id,))

    def test_auto_enrolment_of_orders_confirmed_together(self):
        """Orders of two companies confirmed in one call: each company gets one
        card per program, issued in one batch, and every order of a company
        without a card gets its new card (two orders of one company: one card)."""
        self.program_stamp.enrolment = "automatic"
        self.program_cashback.enrolment = "automatic"
        # The first program in sequence gives the orders their card.
        self.program_stamp.sequence = self.program_cashback.sequence - 1
        orders = (
            self._create_order(self.customer)
            | self._create_order(self.contact)
            | self._create_order(self.other_customer)
        )
        orders.action_confirm()
        for partner in (self.customer, self.other_customer):
            self.assertEqual(
                sorted(partner.b2b_card_ids.mapped("program_id.name")),
                sorted([self.program_stamp.name, self.program_cashback.name]),
            )
        self.assertEqual(len(self.customer.b2b_card_ids), 2)
        # Each order has its company's stamp card, the same for both orders of
        # the customer, and the card counts both orders.
        self.assertEqual(orders.b2b_card_id.program_id, self.program_stamp)
        self.assertEqual(orders[0].b2b_card_id, orders[1].b2b_card_id)
        self.assertEqual(
            orders.b2b_card_id.partner_id, self.customer | self.other_customer
        )
        self.assertEqual(orders[0].b2b_card_id.stamp_count, 2)
        self.assertEqual(orders[2].b2b_card_id.stamp_count, 1)
        for card in orders.b2b_card_id:
            self.assertIn("Card issued automatically", card.message_ids[0].body)

    def _cached_auto_enroll_program_ids(self):
        """The company's automatic-enrolment programs, read from the cache
        that the confirmations filled (no query)."""
        with self.assertQueryCount(0):
            return self.Program._get_auto_enroll_program_ids(self.company.id)
