from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import LoyaltyB2bCommon


@tagged("post_install", "-at_install")
class TestSignupApproval(LoyaltyB2bCommon):
    """The review of a confirmed application: approval proposes the matching
    company, issues the card, creates the contact and emails the card;
    rejection stores and sends its reason."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Application = cls.env["loyalty.b2b.application"]
        cls.belgium = cls.env.ref("base.be")
        cls.program_signup = cls.Program.create(
            {
                "name": "Partners Club",
                "discount_percent": 5,
                "enrolment": "signup",
            }
        )

    def _application(self, **values):
        vals, errors = self.Application._validate_signup_form(
            self.program_signup,
            {
                "name": "Zephyr Tooling BV",
                "vat": "BE0477472701",
                "country_id": str(self.belgium.id),
                "street": "Rue de la Loi 16",
                "zip": "1000",
                "city": "Brussels",
                "contact_name": "Nina North",
                "email": "nina@zephyr.example.com",
                "phone": "+32 2 123 45 67",
                "contact_role": "accountant",
                "terms": "1",
                **values,
            },
        )
        self.assertFalse(errors)
        application = self.Application.sudo().create(vals).sudo(False)
        application._confirm_email()
        return application

    def _approve(self, application, **values):
        wizard_form = Form(
            self.env["loyalty.b2b.application.approve.wizard"].with_context(
                default_application_id=application.id
            )
        )
        for fname, value in values.items():
            setattr(wizard_form, fname, value)
        wizard_form.save().action_approve()

    def _welcome_mail(self, application):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "loyalty.b2b.application"),
                ("res_id", "=", application.id),
                ("recipient_ids", "in", application.contact_id.ids),
            ]
        )

    def test_signup_url(self):
        self.assertEqual(
            self.program_signup._get_signup_url(),
            f"{self.program_signup.get_base_url()}/loyalty/join/"
            f"{self.program_signup.id}",
        )
        self.assertEqual(
            self.program_signup.signup_url, self.program_signup._get_signup_url()
        )
        self.assertFalse(self.program_discount.signup_url)
        self.assertEqual(self.program_signup.signup_user_id, self.env.user)

    def test_approve_proposes_the_company_with_the_tax_id(self):
        existing = self.env["res.partner"].create(
            {"name": "Zeph. Tools", "is_company": True, "vat": "be 0477.472.701"}
        )
        application = self._application()
        wizard = self.env["loyalty.b2b.application.approve.wizard"].create(
            {"application_id": application.id}
        )
        self.assertEqual(wizard.match_partner_ids[:1], existing)
        self.assertEqual(wizard.company_choice, "existing")
        self.assertEqual(wizard.partner_id, existing)
        wizard.action_approve()
        card = application.card_id
        self.assertRecordValues(
            card, [{"program_id": self.program_signup.id, "partner_id": existing.id}]
        )
        contact = application.contact_id
        self.assertRecordValues(
            contact,
            [
                {
                    "parent_id": existing.id,
                    "name": "Nina North",
                    "email": "nina@zephyr.example.com",
                    "b2b_loyalty_role": "accountant",
                    "b2b_loyalty_mail": True,
                }
            ],
        )
        self.assertEqual(application.state, "approved")
        self.assertEqual(application.partner_id, existing)
        # The existing company keeps its data: the applicant's word changes
        # nothing on it.
        self.assertEqual(existing.name, "Zeph. Tools")
        mail = self._welcome_mail(application)
        self.assertEqual(len(mail), 1)
        self.assertIn(card.name, mail.subject)
        self.assertIn(f"/my/loyalty/{card.id}?access_token=", mail.body_html)
        self.assertIn(f"pid={contact.id}", mail.body_html)
        self.assertFalse(application.activity_ids)

    def test_approve_as_a_new_company_with_portal_access(self):
        self.env["res.partner"].create(
            {"name": "Zephyr Tooling BV", "is_company": True}
        )
        application = self._application()
        self._approve(application, company_choice="new", grant_portal=True)
        company = application.partner_id
        self.assertRecordValues(
            company,
            [
                {
                    "name": "Zephyr Tooling BV",
                    "is_company": True,
                    "vat": "BE0477472701",
                    "country_id": self.belgium.id,
                    "city": "Brussels",
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertEqual(application.card_id.partner_id, company)
        user = application.contact_id.user_ids
        self.assertEqual(len(user), 1)
        self.assertTrue(user.has_group("base.group_portal"))
        self.assertEqual(user.login, "nina@zephyr.example.com")
        self.assertTrue(self._welcome_mail(application))

    def test_ineligible_company_gets_a_clear_error(self):
        self.program_signup.partner_category_ids = self.tag_dealer
        application = self._application()
        with self.assertRaisesRegex(UserError, "not eligible for program"):
            self._approve(application, company_choice="new")
        self.assertEqual(application.state, "to_review")

    def test_reject_stores_and_sends_the_reason(self):
        application = self._application()
        wizard = self.env["loyalty.b2b.application.reject.wizard"].create(
            {"application_id": application.id, "reason": "Dealers only."}
        )
        wizard.action_reject()
        self.assertEqual(application.state, "rejected")
        self.assertEqual(application.reject_reason, "Dealers only.")
        self.assertIn("Dealers only.", application.message_ids[0].body)
        mail = self.env["mail.mail"].search(
            [
                ("model", "=", "loyalty.b2b.application"),
                ("res_id", "=", application.id),
                ("email_to", "=", "nina@zephyr.example.com"),
            ]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("Dealers only.", mail.body_html)
        with self.assertRaises(UserError):
            application._approve()
