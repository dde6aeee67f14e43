from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import LoyaltyB2bCommon


@tagged("post_install", "-at_install")
class TestIssueCardWizard(LoyaltyB2bCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Wizard = cls.env["loyalty.b2b.issue.card.wizard"]
        cls.action = cls.env.ref("loyalty_b2b.loyalty_b2b_issue_card_wizard_action")
        cls.initech = cls.env["res.partner"].create(
            {"name": "Initech Supplies", "is_company": True}
        )
        cls.initech_contact = cls.env["res.partner"].create(
            {"name": "Peter Gibbons", "parent_id": cls.initech.id}
        )
        cls.salesman = new_test_user(
            cls.env,
            login="lb_issue_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )
        cls.employee = new_test_user(
            cls.env,
            login="lb_issue_employee",
            groups="base.group_user",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )

    def _wizard(self, partners, program, user=None):
        """The wizard as opened on ``partners`` (a form's button or a list's
        selection), with ``program`` chosen."""
        wizard_model = self.Wizard.with_user(user or self.env.user).with_context(
            active_model="res.partner",
            active_id=partners[:1].id,
            active_ids=partners.ids,
        )
        with Form(wizard_model) as form:
            form.program_id = program
        return form.record

    def _partner_form_arch(self, user):
        views = (
            self.env["res.partner"]
            .with_user(user)
            .get_views([(self.env.ref("base.view_partner_form").id, "form")])
        )
        return etree.fromstring(views["views"]["form"]["arch"])

    def test_issue_from_the_company_form(self):
        self.assertFalse(self.customer.b2b_card_ids)
        arch = self._partner_form_arch(self.salesman)
        issue_buttons = arch.xpath(f"//button[@name='{self.action.id}']")
        self.assertEqual(len(issue_buttons), 1)
        # The smart button shows without a card yet.
        smart_button = arch.xpath("//button[@name='action_view_b2b_cards']")[0]
        self.assertFalse(smart_button.get("invisible"))

        wizard = self._wizard(self.customer, self.program_discount)
        self.assertEqual(wizard.partner_ids, self.customer)
        self.assertFalse(wizard.holder_ids)
        action = wizard.action_issue()
        card = self.customer.b2b_card_ids
        self.assertRecordValues(
            card,
            [
                {
                    "program_id": self.program_discount.id,
                    "partner_id": self.customer.id,
                    "state": "active",
                }
            ],
        )
        # The wizard stays open and lists the card issued.
        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.card_ids, card)
        self.assertEqual(
            (action["res_model"], action["res_id"]), (wizard._name, wizard.id)
        )
        with self.assertRaises(UserError):
            wizard.action_issue()
        self.assertEqual(self.customer.b2b_card_ids, card)
        self.assertEqual(wizard.action_view_cards()["domain"], [("id", "in", card.ids)])

    def test_issue_from_a_contact_goes_to_its_company(self):
        wizard = self._wizard(self.contact, self.program_stamp)
        self.assertEqual(wizard.partner_ids, self.customer)
        wizard.action_issue()
        self.assertEqual(wizard.card_ids.partner_id, self.customer)
        self.assertFalse(self.contact.b2b_card_ids - wizard.card_ids)

    def test_issue_in_bulk(self):
        """A list selection of companies, contacts of the same companies and a
        company holding a card already: one card per company without one."""
        held = self._create_card(self.program_discount, self.other_customer)
        # A blocked card does not hold the program: Initech gets a new card.
        blocked = self._create_card(self.program_discount, self.initech)
        blocked.action_block()
        selection = (
            self.contact | self.customer | self.other_customer | self.initech_contact
        )
        wizard = self._wizard(selection, self.program_discount)
        self.assertEqual(
            wizard.partner_ids, self.customer | self.other_customer | self.initech
        )
        # Told before issuing...
        self.assertEqual(wizard.holder_ids, self.other_customer)
        wizard.action_issue()
        issued = wizard.card_ids
        self.assertEqual(len(issued), 2)
        self.assertEqual(issued.partner_id, self.customer | self.initech)
        self.assertEqual(set(issued.mapped("state")), {"active"})
        self.assertEqual(issued.program_id, self.program_discount)
        # ... and after: the company that holds a card keeps its one card.
        self.assertEqual(wizard.holder_ids, self.other_customer)
        self.assertFalse(wizard.ineligible_ids)
        self.assertEqual(
            self.Card.search(
                [
                    ("program_id", "=", self.program_discount.id),
                    ("partner_id", "=", self.other_customer.id),
                ]
            ),
            held,
        )

    def test_companies_not_eligible_are_skipped(self):
        self.program_stamp.partner_category_ids = self.tag_dealer
        self.initech.category_id = self.tag_dealer
        wizard = self._wizard(self.customer | self.initech, self.program_stamp)
        self.assertEqual(wizard.ineligible_ids, self.customer)
        wizard.action_issue()
        self.assertEqual(wizard.card_ids.partner_id, self.initech)
        self.assertEqual(wizard.ineligible_ids, self.customer)
        self.assertFalse(self.customer.b2b_card_ids)

    def test_nothing_to_issue(self):
        card = self._create_card(self.program_discount)
        wizard = self._wizard(self.contact, self.program_discount)
        wizard.action_issue()
        self.assertEqual(wizard.state, "done")
        self.assertFalse(wizard.card_ids)
        self.assertEqual(wizard.holder_ids, self.customer)
        self.assertEqual(self.customer.b2b_card_ids, card)

    def test_ended_program_issues_no_card(self):
        self.program_discount.write(
            {"date_from": "2020-01-01", "date_to": "2020-12-31"}
        )
        wizard = self.Wizard.create(
            {
                "program_id": self.program_discount.id,
                "partner_ids": self.customer.ids,
            }
        )
        with self.assertRaises(UserError):
            wizard.action_issue()
        self.assertFalse(self.customer.b2b_card_ids)

    def test_salesperson_issues_cards(self):
        self.assertIn(
            self.action.id,
            [
                action["id"]
                for action in self.env["ir.actions.actions"]
                .with_user(self.salesman)
                .get_bindings("res.partner")
                .get("action", [])
            ],
        )
        wizard = self._wizard(
            self.customer | self.initech_contact, self.program_cashback, self.salesman
        )
        wizard.action_issue()
        self.assertEqual(wizard.card_ids.partner_id, self.customer | self.initech)
        self.assertEqual(wizard.card_ids.create_uid, self.salesman)

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_user_without_loyalty_rights_is_refused(self):
        self.assertNotIn(
            self.action.id,
            [
                action["id"]
                for action in self.env["ir.actions.actions"]
                .with_user(self.employee)
                .get_bindings("res.partner")
                .get("action", [])
            ],
        )
        arch = self._partner_form_arch(self.employee)
        self.assertFalse(arch.xpath(f"//button[@name='{self.action.id}']"))
        with self.assertRaises(AccessError):
            self.Wizard.with_user(self.employee).create(
                {
                    "program_id": self.program_discount.id,
                    "partner_ids": self.customer.ids,
                }
            )
        self.assertFalse(self.customer.b2b_card_ids)
