from datetime import timedelta

from freezegun import freeze_time
from lxml import html

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .test_signup_common import SignupCommon


@tagged("post_install", "-at_install")
class TestSignup(SignupCommon):
    """The public sign-up page: what a visitor may apply with, what is stored,
    the email confirmation, and the refusals."""

    def test_page_of_an_open_signup_program(self):
        page = self._get_page(self._signup_url())
        text = self._text(page)
        self.assertIn("Partners Club", text)
        self.assertIn("Members buy at least once a year.", text)
        self.assertTrue(page.xpath("//input[@name='terms'][@type='checkbox']"))
        self.assertTrue(page.xpath("//select[@name='contact_role']/option"))

    def test_other_programs_are_404(self):
        ended = self.Program.create(
            {
                "name": "Ended",
                "enrolment": "signup",
                "discount_percent": 1,
                "date_from": "2020-01-01",
                "date_to": "2020-12-31",
            }
        )
        archived = self.Program.create(
            {"name": "Archived", "enrolment": "signup", "discount_percent": 1}
        )
        archived.active = False
        for url in (
            self._signup_url(self.program_discount),  # manual enrolment
            self._signup_url(ended),
            self._signup_url(archived),
            "/loyalty/join/999999",
        ):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 404)
        response = self.url_open(
            self._signup_url(self.program_discount),
            data={"csrf_token": self._csrf_token(), **self._form_values()},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.Application.search([]))

    def test_valid_application_waits_for_its_email(self):
        page = self._post()
        self.assertIn("Thank you for your application", self._text(page))
        application = self.Application.search([])
        self.assertEqual(len(application), 1)
        self.assertRecordValues(
            application,
            [
                {
                    "name": "Zephyr Tooling BV",
                    "vat": "BE0477472701",
                    "country_id": self.belgium.id,
                    "street": "Rue de la Loi 16",
                    "zip": "1000",
                    "city": "Brussels",
                    "contact_name": "Nina North",
                    "email": "nina@zephyr.example.com",
                    "phone": "+32 2 123 45 67",
                    "contact_role": "procurement",
                    "program_id": self.program_signup.id,
                    "company_id": self.company.id,
                    "state": "to_confirm",
                    "partner_id": False,
                    "card_id": False,
                }
            ],
        )
        self.assertTrue(application.terms_accepted_date)
        # No card and no company: only the application.
        self.assertFalse(self.program_signup.card_ids)
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "Zephyr Tooling BV")])
        )
        mail = self._mails_to("nina@zephyr.example.com")
        self.assertEqual(len(mail), 1)
        token = self._confirm_token(mail)
        # Only the hash of the token is stored.
        self.assertNotEqual(application.sudo().confirm_token_hash, token)
        self.assertNotIn(token, str(application.sudo().read()))
        self.assertEqual(self.Attempt.search_count([]), 1)

    def test_each_bad_field_is_refused_with_its_message(self):
        cases = {
            "name": ("", "This field is required."),
            "vat": ("<script>", "A tax ID has only letters"),
            "country_id": ("999999", "Choose your country in the list."),
            "street": ("x" * 129, "At most 128 characters"),
            "city": ("", "This field is required."),
            "contact_name": ("N", "At least 2 characters"),
            "email": ("nina@", "Enter one valid email address"),
            "phone": ("12ab", "Enter a phone number"),
            "contact_role": ("ceo", "Choose your role in the list."),
            "terms": ("", "Accept the program's terms to apply."),
        }
        for fname, (value, message) in cases.items():
            with self.subTest(field=fname):
                page = self._post(self._form_values(**{fname: value}))
                errors = self._field_errors(page)
                self.assertEqual(set(errors), {fname})
                self.assertIn(message, errors[fname])
                self.assertIn(
                    "Please correct the fields marked below.", self._text(page)
                )
                # The form keeps what was entered.
                kept = "contact_name" if fname != "contact_name" else "city"
                self.assertEqual(
                    page.xpath(f"//input[@name='{kept}']/@value"),
                    [self._form_values()[kept]],
                )
        self.assertFalse(self.Application.search([]))
        self.assertFalse(self._mails_to("nina@zephyr.example.com"))
        self.assertFalse(self.Attempt.search([]))

    def test_post_without_csrf_token_is_refused(self):
        with mute_logger("odoo.http"):
            response = self.url_open(self._signup_url(), data=self._form_values())
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.Application.search([]))

    def test_honeypot_answers_like_success_and_stores_nothing(self):
        page = self._post(self._form_values(website_url="http://spam.example.com"))
        self.assertIn("Thank you for your application", self._text(page))
        self.assertFalse(self.Application.search([]))
        self.assertFalse(self._mails_to("nina@zephyr.example.com"))
        # The attempt counts against the robot's address.
        self.assertEqual(self.Attempt.search_count([]), 1)

    def test_rate_limit_per_ip(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "loyalty_b2b.signup_max_per_ip", "2"
        )
        for index in range(2):
            self._post(self._form_values(email=f"a{index}@zephyr.example.com"))
        page = self._post(self._form_values(email="a2@zephyr.example.com"), status=429)
        self.assertIn("Too many applications", self._text(page))
        self.assertEqual(self.Application.search_count([]), 2)
        # An hour later, the address may apply again.
        with freeze_time(fields.Datetime.now() + timedelta(hours=1, minutes=1)):
            self.assertFalse(self.Attempt._is_rate_limited("127.0.0.1", False))

    def test_rate_limit_per_email(self):
        for _index in range(3):
            self._post()
        page = self._post(status=429)
        self.assertIn("Too many applications", self._text(page))
        self.assertEqual(self.Application.search_count([]), 3)
        # Another address is not limited by this one.
        self._post(self._form_values(email="olga@zephyr.example.com"))
        self.assertEqual(self.Application.search_count([]), 4)

    def test_old_attempts_are_deleted(self):
        with freeze_time(fields.Datetime.now() - timedelta(days=2)):
            self.Attempt._record("10.0.0.1", "old@example.com")
        recent = self.Attempt._record("10.0.0.2", "new@example.com")
        self.env.ref("loyalty_b2b.ir_cron_b2b_signup_attempts").method_direct_trigger()
        self.assertEqual(self.Attempt.search([]), recent)

    def test_member_company_is_told_to_contact_its_salesperson(self):
        member = self.env["res.partner"].create(
            {"name": "Old Name SA", "is_company": True, "vat": "BE 0477.472.701"}
        )
        self._create_card(self.program_signup, member)
        # Typed without the country prefix: the same company.
        page = self._post(self._form_values(name="Something Else", vat="0477472701"))
        text = self._text(page)
        self.assertIn("already a member of this program", text)
        self.assertIn("contact your salesperson", text)
        self.assertNotIn("Old Name SA", text)
        self.assertFalse(self.Application.search([]))
        self.assertFalse(self._mails_to("nina@zephyr.example.com"))

    def test_confirmation_link_moves_to_review_with_an_activity(self):
        self.program_signup.signup_user_id = self.env.user
        self._post()
        application = self.Application.search([])
        token = self._confirm_token(self._mails_to("nina@zephyr.example.com"))
        page = self._get_page(f"/loyalty/join/confirm/{token}")
        self.assertIn("Your email address is confirmed", self._text(page))
        application.invalidate_recordset()
        self.assertEqual(application.state, "to_review")
        self.assertTrue(application.confirmed_date)
        self.assertFalse(application.sudo().confirm_token_hash)
        activity = application.activity_ids
        self.assertEqual(activity.user_id, self.env.user)
        # The link works once.
        page = self._get_page(f"/loyalty/join/confirm/{token}", status=404)
        self.assertIn("invalid or has expired", self._text(page))

    def test_activity_goes_to_the_matched_company_salesperson(self):
        salesperson = new_test_user(
            self.env,
            login="sam_seller",
            groups="base.group_user,loyalty_b2b.group_loyalty_b2b_user",
            company_id=self.company.id,
        )
        self.env["res.partner"].create(
            {
                "name": "Zephyr Tooling BV",
                "is_company": True,
                "user_id": salesperson.id,
            }
        )
        with freeze_time(fields.Datetime.now() - timedelta(hours=1)):
            application = self.Application.sudo().create(
                self.Application._validate_signup_form(
                    self.program_signup, self._form_values()
                )[0]
            )
            token = application._send_confirmation_email()
        self._get_page(f"/loyalty/join/confirm/{token}")
        application.invalidate_recordset()
        self.assertEqual(application.state, "to_review")
        self.assertEqual(application.user_id, salesperson)
        self.assertEqual(application.activity_ids.user_id, salesperson)

    def test_expired_or_unknown_link_changes_nothing(self):
        vals = self.Application._validate_signup_form(
            self.program_signup, self._form_values()
        )[0]
        with freeze_time(fields.Datetime.now() - timedelta(hours=49)):
            application = self.Application.sudo().create(vals)
            token = application._send_confirmation_email()
        for url in (
            f"/loyalty/join/confirm/{token}",
            "/loyalty/join/confirm/not-a-token",
        ):
            with self.subTest(url=url):
                page = self._get_page(url, status=404)
                self.assertIn("invalid or has expired", self._text(page))
        application.invalidate_recordset()
        self.assertEqual(application.state, "to_confirm")
        self.assertFalse(application.activity_ids)
        # The validity follows the parameter.
        self.env["ir.config_parameter"].sudo().set_param(
            "loyalty_b2b.signup_confirm_hours", "72"
        )
        with freeze_time(fields.Datetime.now() - timedelta(hours=49)):
            token = application._send_confirmation_email()
        self._get_page(f"/loyalty/join/confirm/{token}")
        application.invalidate_recordset()
        self.assertEqual(application.state, "to_review")

    def _get_page(self, url, status=200):
        response = self.url_open(url)
        self.assertEqual(response.status_code, status, response.text[-1500:])
        return html.fromstring(response.content)
