from psycopg2.errors import UniqueViolation

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import LoyaltyB2bCommon


@tagged("post_install", "-at_install")
class TestCard(LoyaltyB2bCommon):
    def test_card_belongs_to_commercial_partner(self):
        card = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.contact.id}
        )
        self.assertEqual(card.partner_id, self.customer)
        self.assertEqual(card.company_id, self.company)
        # Visible from the company and from each of its contacts.
        self.assertEqual(self.customer.b2b_card_ids, card)
        self.assertEqual(self.contact.b2b_card_ids, card)
        self.assertEqual(self.contact.b2b_card_count, 1)
        self.assertFalse(self.other_customer.b2b_card_ids)

    def test_card_number_sequence_per_company(self):
        card_1 = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        card_2 = self.Card.create(
            {
                "program_id": self.program_discount.id,
                "partner_id": self.other_customer.id,
            }
        )
        self.assertTrue(card_1.name.startswith("B2B-"))
        self.assertNotEqual(card_1.name, card_2.name)
        other_company = self.setup_other_company(name="Second company")["company"]
        program_b = self.Program.with_company(other_company).create(
            {
                "name": "B discount",
                "program_type": "discount",
                "discount_percent": 5,
                "company_id": other_company.id,
            }
        )
        card_b = self.Card.with_company(other_company).create(
            {"program_id": program_b.id, "partner_id": self.customer.id}
        )
        self.assertEqual(card_b.company_id, other_company)
        sequence = self.Card._get_card_sequence(other_company)
        self.assertEqual(sequence.company_id, other_company)
        self.assertEqual(card_b.name, "B2B-000001")
        self.assertNotEqual(sequence, self.Card._get_card_sequence(self.company))

    def test_one_active_card_per_program_and_company(self):
        card = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        with self.assertRaises(ValidationError):
            self.Card.create(
                {"program_id": self.program_discount.id, "partner_id": self.contact.id}
            )
        # A blocked card leaves room for a new one; it cannot come back while
        # the new one is active.
        card.action_block()
        self.assertEqual(card.state, "blocked")
        new_card = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        with self.assertRaises(ValidationError):
            card.action_activate()
        self.assertEqual(new_card.state, "active")
        # Another program is another card.
        self.Card.create(
            {"program_id": self.program_stamp.id, "partner_id": self.customer.id}
        )
        self.assertEqual(len(self.customer.b2b_card_ids), 3)

    @mute_logger("odoo.sql_db")
    def test_active_card_unique_index(self):
        self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        with self.assertRaises(UniqueViolation), self.env.cr.savepoint():
            self.env.cr.execute(
                "INSERT INTO loyalty_b2b_card "
                "(name, program_id, partner_id, company_id, state) "
                "VALUES ('X', %s, %s, %s, 'active')",
                [self.program_discount.id, self.customer.id, self.company.id],
            )

    def test_partner_tag_eligibility(self):
        self.program_discount.partner_category_ids = self.tag_dealer
        with self.assertRaises(ValidationError):
            self.Card.create(
                {"program_id": self.program_discount.id, "partner_id": self.customer.id}
            )
        self.customer.category_id = self.tag_dealer
        card = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.contact.id}
        )
        self.assertEqual(card.partner_id, self.customer)

    def test_effective_percentages(self):
        discount = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        self.assertEqual(discount.discount_percent, 10)
        self.assertFalse(discount.tier_id)
        accumulative = self.Card.create(
            {"program_id": self.program_accumulative.id, "partner_id": self.customer.id}
        )
        self.assertEqual(accumulative.tier_id.name, "Silver")
        self.assertEqual(accumulative.discount_percent, 3)
        cashback = self.Card.create(
            {"program_id": self.program_cashback.id, "partner_id": self.customer.id}
        )
        self.assertEqual(cashback.cashback_percent, 2)
        self.assertEqual(cashback.discount_percent, 0)
        self.program_discount.discount_percent = 12.5
        self.assertEqual(discount.discount_percent, 12.5)

    def test_tier_from_spend(self):
        card = self.Card.create(
            {"program_id": self.program_accumulative.id, "partner_id": self.customer.id}
        )
        card.spent_amount = 9999.99
        self.assertEqual(card.tier_id.name, "Silver")
        card.spent_amount = 10000.0
        self.assertEqual(card.tier_id.name, "Gold")
        self.assertEqual(card.discount_percent, 7)
        # More refunds than invoices in the window: still the entry tier.
        card.spent_amount = -200.0
        self.assertEqual(card.tier_id.name, "Silver")
        self.assertEqual(card.discount_percent, 3)

    def test_active_cards_lookup(self):
        card = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        stamp = self.Card.create(
            {"program_id": self.program_stamp.id, "partner_id": self.customer.id}
        )
        self.program_stamp.date_to = "2020-01-01"
        self.assertEqual(self.Card._get_active_cards(self.contact), card)
        stamp.action_block()
        self.program_stamp.date_to = False
        self.assertEqual(self.Card._get_active_cards(self.contact), card)

    def test_cron_expires_cards_of_ended_programs(self):
        card = self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        running = self.Card.create(
            {"program_id": self.program_stamp.id, "partner_id": self.customer.id}
        )
        self.program_discount.date_to = "2020-12-31"
        self.program_stamp.date_to = "2999-12-31"
        self.Card._cron_expire_cards()
        self.assertEqual(card.state, "expired")
        self.assertEqual(running.state, "active")
        self.assertEqual(
            self.env.ref("loyalty_b2b.ir_cron_expire_cards").model_id.model,
            "loyalty.b2b.card",
        )
