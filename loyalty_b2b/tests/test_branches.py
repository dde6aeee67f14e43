from odoo import Command
from odoo.tests import new_test_user, tagged

from .test_sale_common import LoyaltyB2bSaleCommon


@tagged("post_install", "-at_install")
class TestBranches(LoyaltyB2bSaleCommon):
    """Odoo 18 branches use their parent company's programs, as they use its
    chart of accounts (and, in sale_loyalty, its programs): the branch's
    orders take the parent's cards, its invoices earn and spend the parent's
    cashback and count for the parent's tiers. Not the other way round."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.branch = cls.env["res.company"].create(
            {"name": "Branch Lviv", "parent_id": cls.company.id}
        )
        cls.env.user.company_ids |= cls.branch
        cls.env = cls.env(
            context=dict(
                cls.env.context, allowed_company_ids=(cls.company | cls.branch).ids
            )
        )
        cls.report = cls.env["loyalty.b2b.liability.report"]

    def _branch_order(self, lines=None, user=None):
        return self._create_order(lines=lines, user=user, company_id=self.branch.id)

    def test_rule_is_one_helper(self):
        self.assertEqual(
            self.branch._b2b_get_program_companies(), self.company | self.branch
        )
        self.assertEqual(self.company._b2b_get_program_companies(), self.company)
        self.assertEqual(
            self.company._b2b_get_document_companies(), self.company | self.branch
        )
        self.assertEqual(self.branch._b2b_get_document_companies(), self.branch)
        # Its SQL form names the same companies.
        for company in (self.company, self.branch):
            self.env.cr.execute(company._b2b_get_document_companies_sql())
            self.assertEqual(
                {row[0] for row in self.env.cr.fetchall()},
                set(company._b2b_get_document_companies().ids),
            )

    def test_branch_order_takes_the_parent_card(self):
        card = self._create_card(self.program_discount)
        order = self._branch_order(lines=[(self.product_drill, 1.0)])
        self.assertEqual(order.b2b_card_id, card)
        self.assertEqual(order.order_line.discount, 10.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_branch_salesperson_sells_on_the_parent_card(self):
        """A salesperson of the branch alone reads the parent's programs and
        cards (the record rules let a branch see its parents' records)."""
        card = self._create_card(self.program_discount)
        salesperson = new_test_user(
            self.env,
            login="branch_salesperson",
            groups="sales_team.group_sale_salesman",
            company_id=self.branch.id,
            company_ids=[Command.set(self.branch.ids)],
        )
        # As the web client would send it: the branch alone.
        env = self.env(
            user=salesperson, context={"allowed_company_ids": self.branch.ids}
        )
        self.assertEqual(
            env["loyalty.b2b.card"].search([("partner_id", "=", self.customer.id)]),
            card,
        )
        self.assertEqual(
            env["loyalty.b2b.program"].search([("id", "=", self.program_discount.id)]),
            self.program_discount,
        )
        order = env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.product_drill.id})],
            }
        )
        self.assertEqual(order.company_id, self.branch)
        self.assertEqual(order.b2b_card_id, card)
        order.with_env(env).action_confirm()
        self.assertEqual(order.order_line.discount, 10.0)

    def test_branch_program_stays_in_the_branch(self):
        branch_program = self.Program.with_company(self.branch).create(
            {
                "name": "Lviv 15%",
                "company_id": self.branch.id,
                "program_type": "discount",
                "discount_percent": 15,
            }
        )
        card = self._create_card(branch_program)
        self.assertFalse(self._create_order().b2b_card_id)
        self.assertEqual(self._branch_order().b2b_card_id, card)

    def test_branch_invoices_earn_spend_and_count_in_the_parent_program(self):
        card = self._create_card(self.program_cashback)
        order = self._branch_order(lines=[(self.product_drill, 1.0)])
        self.assertEqual(order.b2b_card_id, card)
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertEqual(invoice.company_id, self.branch)
        earn = card.transaction_ids.filtered(lambda entry: entry.kind == "earn")
        self.assertRecordValues(earn, [{"amount": 20.0, "invoice_id": invoice.id}])
        self.assertEqual(earn.move_id.company_id, self.company)
        self.assertEqual(earn.move_id.journal_id, self.program_cashback.journal_id)
        # The branch's invoice counts for the parent program's tiers.
        self.assertEqual(card.spent_amount, 1000.0)
        # Spent on the next order of the branch, and booked on its invoice.
        order_2 = self._branch_order(lines=[(self.product_drill, 1.0)])
        order_2.b2b_apply_cashback(15.0)
        order_2.action_confirm()
        invoice_2 = self._invoice(order_2)
        redeem = card.transaction_ids.filtered(lambda entry: entry.kind == "redeem")
        self.assertRecordValues(redeem, [{"amount": -15.0, "move_id": invoice_2.id}])
        # 20.00 earned, 15.00 spent, 20.00 earned on the second drill.
        self.assertEqual(card.cashback_balance, 25.0)
        self.assertEqual(card.spent_amount, 2000.0)
        self.assertEqual(self.report._get_mismatches(), [])

    def test_branch_order_enrols_in_the_parent_program(self):
        self.program_discount.enrolment = "automatic"
        order = self._branch_order()
        self.assertFalse(order.b2b_card_id)
        order.action_confirm()
        card = self.Card.search(
            [
                ("partner_id", "=", self.customer.id),
                ("program_id", "=", self.program_discount.id),
            ]
        )
        self.assertEqual(order.b2b_card_id, card)
        self.assertEqual(card.company_id, self.company)
