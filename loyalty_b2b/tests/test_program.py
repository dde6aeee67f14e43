from psycopg2.errors import UniqueViolation

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import LoyaltyB2bCommon


@tagged("post_install", "-at_install")
class TestProgram(LoyaltyB2bCommon):
    def test_company_gets_default_cashback_accounting(self):
        company = self.company
        self.assertEqual(
            company.b2b_liability_account_id.account_type, "liability_current"
        )
        self.assertTrue(company.b2b_liability_account_id.reconcile)
        self.assertEqual(company.b2b_rebate_account_id.account_type, "income")
        self.assertEqual(company.b2b_breakage_account_id.account_type, "income_other")
        self.assertEqual(company.b2b_loyalty_journal_id.type, "general")
        # New programs take them as defaults.
        self.assertEqual(
            self.program_cashback.liability_account_id, company.b2b_liability_account_id
        )
        self.assertEqual(
            self.program_cashback.journal_id, company.b2b_loyalty_journal_id
        )

    def test_discount_percent_range(self):
        for bad in (-1, 100.5):
            with self.assertRaises(ValidationError):
                self.Program.create(
                    {"name": "Bad", "program_type": "discount", "discount_percent": bad}
                )
        self.program_discount.discount_percent = 100
        self.assertEqual(self.program_discount.discount_percent, 100)

    def test_dates(self):
        with self.assertRaises(ValidationError):
            self.program_discount.write(
                {"date_from": "2026-02-01", "date_to": "2026-01-31"}
            )
        self.program_discount.write(
            {"date_from": "2026-02-01", "date_to": "2026-02-01"}
        )
        self.assertTrue(
            self.program_discount._is_valid_on(self.program_discount.date_to)
        )

    def test_tier_percent_range_and_threshold(self):
        with self.assertRaises(ValidationError):
            self.program_accumulative.tier_ids[0].discount_percent = 101
        with self.assertRaises(ValidationError):
            self.program_cashback.tier_ids[0].cashback_percent = -0.5
        with self.assertRaises(ValidationError):
            self.program_accumulative.tier_ids[0].min_amount = -1

    @mute_logger("odoo.sql_db")
    def test_tier_threshold_unique(self):
        with self.assertRaises(UniqueViolation), self.env.cr.savepoint():
            self.env["loyalty.b2b.tier"].create(
                {
                    "program_id": self.program_accumulative.id,
                    "name": "Twin",
                    "min_amount": 10000,
                    "discount_percent": 7,
                }
            )
            self.env.flush_all()

    def test_higher_tier_never_gives_less(self):
        with self.assertRaises(ValidationError):
            self.program_accumulative.write(
                {
                    "tier_ids": [
                        Command.create(
                            {
                                "name": "Platinum",
                                "min_amount": 20000,
                                "discount_percent": 5,
                            }
                        )
                    ]
                }
            )
        with self.assertRaises(ValidationError):
            self.program_cashback.tier_ids.filtered(
                lambda t: t.name == "Base"
            ).cashback_percent = 6
        # Equal is fine.
        self.program_accumulative.write(
            {
                "tier_ids": [
                    Command.create(
                        {"name": "Platinum", "min_amount": 20000, "discount_percent": 7}
                    )
                ]
            }
        )
        self.assertEqual(len(self.program_accumulative.tier_ids), 3)

    def test_stamp_program_rules(self):
        with self.assertRaises(ValidationError):
            self.program_stamp.stamps_required = 0
        with self.assertRaises(ValidationError):
            self.Program.create({"name": "No reward", "program_type": "stamp"})

    def test_cashback_program_needs_accounting(self):
        with self.assertRaises(ValidationError):
            self.program_cashback.journal_id = False
        with self.assertRaises(ValidationError):
            self.program_cashback.liability_account_id = False
        # Archived, it may wait for its accounts.
        self.program_cashback.write({"active": False, "journal_id": False})
        self.assertFalse(self.program_cashback.journal_id)
        with self.assertRaises(ValidationError):
            self.program_cashback.active = True

    def test_cashback_account_types(self):
        receivable = self.company_data["default_account_receivable"]
        with self.assertRaises(ValidationError):
            self.program_cashback.liability_account_id = receivable
        with self.assertRaises(ValidationError):
            self.program_cashback.rebate_account_id = receivable
        with self.assertRaises(ValidationError):
            self.program_cashback.breakage_account_id = self.company_data[
                "default_account_expense"
            ]
        not_reconcilable = self.env["account.account"].create(
            {
                "name": "Payable no reconcile",
                "code": "219999",
                "account_type": "liability_current",
                "reconcile": False,
            }
        )
        with self.assertRaises(ValidationError):
            self.program_cashback.liability_account_id = not_reconcilable
        with self.assertRaises(ValidationError):
            self.program_cashback.journal_id = self.company_data["default_journal_sale"]
        # An expense account is accepted as the rebate account.
        self.program_cashback.rebate_account_id = self.company_data[
            "default_account_expense"
        ]
        self.assertEqual(
            self.program_cashback.rebate_account_id.account_type, "expense"
        )

    def test_card_count(self):
        self.Card.create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        self.Card.create(
            {
                "program_id": self.program_discount.id,
                "partner_id": self.other_customer.id,
            }
        )
        self.assertEqual(self.program_discount.card_count, 2)
        self.assertEqual(self.program_stamp.card_count, 0)
        action = self.program_discount.action_view_cards()
        self.assertEqual(
            self.Card.search(action["domain"]), self.program_discount.card_ids
        )

    def test_product_category_eligibility(self):
        self.program_discount.product_category_ids = self.categ_tools
        products = self.product_drill | self.product_paper
        self.assertEqual(
            self.program_discount._filter_eligible_products(products),
            self.product_drill,
        )
        self.program_discount.product_category_ids = False
        self.assertEqual(
            self.program_discount._filter_eligible_products(products), products
        )
