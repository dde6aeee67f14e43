from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import LoyaltyB2bCommon


@tagged("post_install", "-at_install")
class TestAccess(LoyaltyB2bCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        cls.salesman = new_test_user(
            cls.env,
            login="lb_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=company.id,
            company_ids=company.ids,
        )
        cls.loyalty_admin = new_test_user(
            cls.env,
            login="lb_admin",
            groups="sales_team.group_sale_salesman,loyalty_b2b.group_loyalty_b2b_manager",
            company_id=company.id,
            company_ids=company.ids,
        )
        cls.accountant = new_test_user(
            cls.env,
            login="lb_accountant",
            groups="account.group_account_invoice",
            company_id=company.id,
            company_ids=company.ids,
        )
        cls.employee = new_test_user(
            cls.env,
            login="lb_employee",
            groups="base.group_user",
            company_id=company.id,
            company_ids=company.ids,
        )
        cls.card = cls.Card.create(
            {"program_id": cls.program_cashback.id, "partner_id": cls.customer.id}
        )
        cls.entry = cls._add_ledger(cls.card, amount=10.0)

    def test_salesman_is_loyalty_user(self):
        self.assertTrue(self.salesman.has_group("loyalty_b2b.group_loyalty_b2b_user"))
        self.assertFalse(
            self.salesman.has_group("loyalty_b2b.group_loyalty_b2b_manager")
        )
        sales_manager = new_test_user(
            self.env, login="lb_sales_manager", groups="sales_team.group_sale_manager"
        )
        self.assertTrue(
            sales_manager.has_group("loyalty_b2b.group_loyalty_b2b_manager")
        )

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_loyalty_user(self):
        env = self.env(user=self.salesman)
        # Reads programs, tiers, cards and the ledger.
        self.assertEqual(
            env["loyalty.b2b.program"].browse(self.program_cashback.id).name, "Cashback"
        )
        self.assertTrue(
            env["loyalty.b2b.tier"].search(
                [("program_id", "=", self.program_cashback.id)]
            )
        )
        self.assertEqual(
            env["loyalty.b2b.card"].search([("id", "=", self.card.id)]), self.card
        )
        self.assertEqual(
            env["loyalty.b2b.transaction"].browse(self.entry.id).amount, 10.0
        )
        # Issues cards.
        card = env["loyalty.b2b.card"].create(
            {"program_id": self.program_discount.id, "partner_id": self.customer.id}
        )
        self.assertEqual(card.partner_id, self.customer)
        # Configures nothing, blocks nothing, adjusts nothing.
        with self.assertRaises(AccessError):
            env["loyalty.b2b.program"].create({"name": "X", "discount_percent": 1})
        with self.assertRaises(AccessError):
            env["loyalty.b2b.program"].browse(self.program_discount.id).write(
                {"discount_percent": 50}
            )
        with self.assertRaises(AccessError):
            env["loyalty.b2b.tier"].browse(self.program_cashback.tier_ids[0].id).write(
                {"cashback_percent": 1}
            )
        with self.assertRaises(AccessError):
            env["loyalty.b2b.card"].browse(self.card.id).action_block()
        with self.assertRaises(AccessError):
            env["loyalty.b2b.transaction"].create(
                {"card_id": self.card.id, "kind": "adjust", "amount": 5}
            )
        with self.assertRaises(AccessError):
            env["loyalty.b2b.card"].browse(self.card.id).unlink()

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_loyalty_administrator(self):
        env = self.env(user=self.loyalty_admin)
        program = env["loyalty.b2b.program"].create(
            {"name": "Admin's", "program_type": "discount", "discount_percent": 4}
        )
        program.discount_percent = 6
        card = env["loyalty.b2b.card"].browse(self.card.id)
        card.action_block()
        self.assertEqual(card.state, "blocked")
        # The ledger is written by business flows: the administrator corrects
        # a balance with an adjustment, which books its journal entry.
        with self.assertRaises(AccessError):
            env["loyalty.b2b.transaction"].create(
                {"card_id": self.card.id, "kind": "adjust", "amount": -4, "note": "Fix"}
            )
        env["loyalty.b2b.adjust.wizard"].create(
            {"card_id": self.card.id, "amount": -4, "reason": "Fix"}
        ).action_confirm()
        entry = card.transaction_ids.sorted("id")[-1]
        self.assertRecordValues(entry, [{"kind": "adjust", "amount": -4.0}])
        self.assertTrue(entry.move_id)
        self.assertEqual(self.card.cashback_balance, 6.0)
        # Even the administrator cannot rewrite the ledger.
        with self.assertRaises(UserError):
            entry.write({"amount": 4})
        with self.assertRaises(UserError):
            entry.unlink()

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_accountant_reads_cards_and_ledger(self):
        env = self.env(user=self.accountant)
        self.assertEqual(
            env["loyalty.b2b.card"].browse(self.card.id).cashback_balance, 10.0
        )
        self.assertEqual(
            env["loyalty.b2b.transaction"].search([("id", "=", self.entry.id)]),
            self.entry,
        )
        with self.assertRaises(AccessError):
            env["loyalty.b2b.card"].create(
                {"program_id": self.program_discount.id, "partner_id": self.customer.id}
            )
        with self.assertRaises(AccessError):
            env["loyalty.b2b.transaction"].create(
                {"card_id": self.card.id, "kind": "adjust", "amount": 5}
            )

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_employee_without_group_sees_nothing(self):
        env = self.env(user=self.employee)
        with self.assertRaises(AccessError):
            env["loyalty.b2b.card"].search([])
        with self.assertRaises(AccessError):
            env["loyalty.b2b.transaction"].search([])
        with self.assertRaises(AccessError):
            env["loyalty.b2b.program"].search([])

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_company_b_user_does_not_see_company_a(self):
        company_b = self._setup_second_company()["company"]
        user_b = new_test_user(
            self.env,
            login="lb_user_b",
            groups="sales_team.group_sale_salesman,account.group_account_invoice",
            company_id=company_b.id,
            company_ids=company_b.ids,
        )
        env = self.env(user=user_b)
        self.assertFalse(env["loyalty.b2b.card"].search([]))
        self.assertFalse(env["loyalty.b2b.transaction"].search([]))
        self.assertFalse(env["loyalty.b2b.program"].search([]))
        self.assertFalse(env["loyalty.b2b.tier"].search([]))
        with self.assertRaises(AccessError):
            env["loyalty.b2b.card"].browse(self.card.id).read(["name"])
        with self.assertRaises(AccessError):
            env["loyalty.b2b.transaction"].browse(self.entry.id).read(["amount"])
        with self.assertRaises(AccessError):
            env["loyalty.b2b.program"].browse(self.program_cashback.id).read(["name"])
