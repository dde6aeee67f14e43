from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import LoyaltyB2bCommon


@tagged("post_install", "-at_install")
class TestSettings(LoyaltyB2bCommon):
    def test_settings_write_company_defaults(self):
        expense = self.company_data["default_account_expense"]
        with Form(self.env["res.config.settings"]) as settings:
            settings.b2b_rebate_account_id = expense
            settings.b2b_cashback_trigger = "paid"
        self.assertEqual(self.company.b2b_rebate_account_id, expense)
        self.assertEqual(self.company.b2b_cashback_trigger, "paid")
        program = self.Program.create(
            {
                "name": "New cashback",
                "program_type": "cashback",
                "tier_ids": [(0, 0, {"name": "T", "cashback_percent": 1})],
            }
        )
        self.assertEqual(program.rebate_account_id, expense)

    def test_settings_reject_wrong_account_types(self):
        with self.assertRaises(ValidationError):
            self.company.b2b_liability_account_id = self.company_data[
                "default_account_revenue"
            ]
        with self.assertRaises(ValidationError):
            self.company.b2b_loyalty_journal_id = self.company_data[
                "default_journal_sale"
            ]

    def test_setup_keeps_existing_choices(self):
        expense = self.company_data["default_account_expense"]
        self.company.b2b_rebate_account_id = expense
        journal = self.company.b2b_loyalty_journal_id
        self.company._b2b_setup_loyalty_accounting()
        self.assertEqual(self.company.b2b_rebate_account_id, expense)
        self.assertEqual(self.company.b2b_loyalty_journal_id, journal)
