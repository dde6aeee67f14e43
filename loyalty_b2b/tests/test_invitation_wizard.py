import psycopg2.errors
from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .test_invitation_common import InvitationCommon


@tagged("post_install", "-at_install")
class TestInvitationWizard(InvitationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Wizard = cls.env["loyalty.b2b.invitation.wizard"]
        cls.holder = cls.env["res.partner"].create(
            {
                "name": "Holder Ltd",
                "is_company": True,
                "email": "holder@example.com",
                "category_id": [cls.tag_dealer.id],
            }
        )
        cls._create_card(cls.program_invite, cls.holder)
        cls.mute = cls.env["res.partner"].create(
            {
                "name": "Mute Corp",
                "is_company": True,
                "category_id": [cls.tag_dealer.id],
            }
        )
        cls.mail_contact = cls.env["res.partner"].create(
            {
                "name": "Mia Mail",
                "parent_id": cls.customer.id,
                "email": "mia@acme.example.com",
                "b2b_loyalty_mail": True,
            }
        )
        cls.salesman = new_test_user(
            cls.env,
            login="lb_invite_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )

    def _wizard(self, partners, program=None, user=None):
        wizard_model = self.Wizard.with_user(user or self.env.user).with_context(
            active_model="res.partner",
            active_id=partners[:1].id,
            active_ids=partners.ids,
        )
        with Form(wizard_model) as form:
            if program:
                form.program_id = program
        return form.record

    def _sent_mails(self, invitations):
        return self.env["mail.mail"].search(
            [("model", "=", invitations._name), ("res_id", "in", invitations.ids)]
        )

    def test_invite_skips_holders_and_ineligible(self):
        partners = self.customer | self.holder | self.other_customer | self.mute
        # The only program that invites is chosen for the salesperson.
        wizard = self._wizard(partners, user=self.salesman)
        self.assertEqual(wizard.program_id, self.program_invite)
        self.assertEqual(wizard.holder_ids, self.holder)
        self.assertEqual(wizard.ineligible_ids, self.other_customer)
        self.assertEqual(wizard.no_email_ids, self.mute)
        wizard.action_invite()
        invitation = wizard.invitation_ids
        self.assertRecordValues(
            invitation,
            [
                {
                    "program_id": self.program_invite.id,
                    "partner_id": self.customer.id,
                    # Its contact that receives loyalty mail, not the company.
                    "contact_id": self.mail_contact.id,
                    "email": "mia@acme.example.com",
                    "state": "sent",
                    "user_id": self.salesman.id,
                }
            ],
        )
        self.assertEqual(len(invitation.token), 43)
        self.assertEqual(
            self.Invitation.search([("program_id", "=", self.program_invite.id)]),
            invitation,
        )
        mail = self._sent_mails(invitation)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.email_to, "mia@acme.example.com")
        self.assertIn(f"/loyalty/invitation/{invitation.token}", mail.body_html)
        self.assertIn("Dealer Club", mail.subject)
        self.assertIn("5", mail.body_html)
        # Its chatter says to whom and until when.
        self.assertTrue(
            any(
                "Invitation emailed to mia@acme.example.com" in message.body
                for message in invitation.message_ids
            )
        )

    def test_company_without_mail_contact(self):
        self.mail_contact.b2b_loyalty_mail = False
        wizard = self._wizard(self.contact)
        self.assertEqual(wizard.partner_ids, self.customer)
        wizard.action_invite()
        self.assertRecordValues(
            wizard.invitation_ids,
            [{"contact_id": self.customer.id, "email": "office@acme.example.com"}],
        )

    def test_reinvite_revokes_the_open_invitation(self):
        old = self._invite()
        wizard = self._wizard(self.customer)
        self.assertEqual(wizard.reinvited_ids, self.customer)
        wizard.action_invite()
        self.assertEqual(old.state, "revoked")
        self.assertEqual(wizard.invitation_ids.state, "sent")
        self.assertNotEqual(wizard.invitation_ids.token, old.token)
        # The database keeps one open invitation per program and company.
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.env.cr.savepoint(),
        ):
            self._invite()

    def test_only_invitation_programs(self):
        wizard = self._wizard(self.customer, self.program_invite)
        wizard.program_id = self.program_discount
        with self.assertRaisesRegex(UserError, "does not enrol companies"):
            wizard.action_invite()
        with self.assertRaisesRegex(ValidationError, "By invitation"):
            self._invite(program=self.program_discount)
        with self.assertRaises(UserError):
            self.program_discount.action_invite_companies()
        action = self.program_invite.action_invite_companies()
        self.assertEqual(
            action["context"], {"default_program_id": self.program_invite.id}
        )

    def test_buttons(self):
        partner_views = (
            self.env["res.partner"]
            .with_user(self.salesman)
            .get_views([(self.env.ref("base.view_partner_form").id, "form")])
        )
        action = self.env.ref("loyalty_b2b.loyalty_b2b_invitation_wizard_action")
        arch = etree.fromstring(partner_views["views"]["form"]["arch"])
        self.assertEqual(len(arch.xpath(f"//button[@name='{action.id}']")), 1)
        program_views = self.Program.get_views(
            [(self.env.ref("loyalty_b2b.loyalty_b2b_program_view_form").id, "form")]
        )
        arch = etree.fromstring(program_views["views"]["form"]["arch"])
        for name in (
            "action_view_invitations",
            "action_invite_companies",
            "action_print_signup_poster",
        ):
            self.assertEqual(len(arch.xpath(f"//button[@name='{name}']")), 1)

    def test_revoke_only_sent(self):
        invitation = self._invite()
        invitation.action_revoke()
        with self.assertRaisesRegex(UserError, "Only sent invitations"):
            invitation.action_revoke()

    def test_cron_expires_overdue_invitations(self):
        with freeze_time("2025-03-01"):
            overdue = self._invite()
            accepted = self._invite(self.holder, self.holder)
            accepted.state = "accepted"
        with freeze_time("2025-03-10"):
            recent = self._invite(self.other_customer, self.other_customer)
        cron = self.env.ref("loyalty_b2b.ir_cron_b2b_expire_invitations")
        with freeze_time("2025-03-16"):
            cron.method_direct_trigger()
        self.assertEqual(overdue.state, "expired")
        self.assertEqual(accepted.state, "accepted")
        self.assertEqual(recent.state, "sent")

    def test_program_counts_invitations(self):
        self._invite()
        self._invite(self.other_customer, self.other_customer)
        self.assertEqual(self.program_invite.invitation_count, 2)
        action = self.program_invite.action_view_invitations()
        self.assertEqual(
            action["domain"], [("program_id", "=", self.program_invite.id)]
        )

    def test_multi_company_isolation(self):
        company_b = self._setup_second_company()["company"]
        program_b = self.Program.with_company(company_b).create(
            {
                "name": "Club B",
                "company_id": company_b.id,
                "enrolment": "invitation",
                "discount_percent": 3,
            }
        )
        invitation_b = self._invite(self.other_customer, program=program_b)
        invitation_a = self._invite()
        self.assertEqual(invitation_b.company_id, company_b)
        Invitation = self.Invitation.with_user(self.salesman)
        self.assertEqual(
            Invitation.search([("id", "in", (invitation_a | invitation_b).ids)]),
            invitation_a,
        )
        with (
            mute_logger("odoo.addons.base.models.ir_rule"),
            self.assertRaises(AccessError),
        ):
            invitation_b.with_user(self.salesman).read(["state"])
