import re

from lxml import html

from odoo.tests import HttpCase

from .common import LoyaltyB2bCommon


class SignupCommon(LoyaltyB2bCommon, HttpCase):
    """An online sign-up program with terms and a responsible, the sign-up
    form's valid values, and helpers posting the form over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Application = cls.env["loyalty.b2b.application"]
        cls.Attempt = cls.env["loyalty.b2b.signup.attempt"].sudo()
        cls.belgium = cls.env.ref("base.be")
        cls.program_signup = cls.Program.create(
            {
                "name": "Partners Club",
                "program_type": "discount",
                "discount_percent": 5,
                "enrolment": "signup",
                "signup_terms": "<p>Members buy at least once a year.</p>",
            }
        )
        # Every test posts from 127.0.0.1: the IP limit is tested on its own.
        cls.env["ir.config_parameter"].sudo().set_param(
            "loyalty_b2b.signup_max_per_ip", "50"
        )

    def _form_values(self, **values):
        return {
            "name": "Zephyr Tooling BV",
            "vat": "BE0477472701",
            "country_id": str(self.belgium.id),
            "street": "Rue de la Loi 16",
            "zip": "1000",
            "city": "Brussels",
            "contact_name": "Nina North",
            "email": "nina@zephyr.example.com",
            "phone": "+32 2 123 45 67",
            "contact_role": "procurement",
            "terms": "1",
            **values,
        }

    def _signup_url(self, program=None):
        return f"/loyalty/join/{(program or self.program_signup).id}"

    def _csrf_token(self, program=None):
        response = self.url_open(self._signup_url(program))
        self.assertEqual(response.status_code, 200, response.text[-1000:])
        page = html.fromstring(response.content)
        return page.xpath("//form//input[@name='csrf_token']/@value")[0]

    def _post(self, values=None, program=None, status=200):
        """Post the sign-up form of ``program`` with ``values`` (the valid
        ones by default) and the CSRF token of its page; the response page."""
        data = self._form_values() if values is None else values
        data = {**data, "csrf_token": self._csrf_token(program)}
        response = self.url_open(self._signup_url(program), data=data)
        self.assertEqual(response.status_code, status, response.text[-1500:])
        return html.fromstring(response.content)

    @staticmethod
    def _text(element):
        return " ".join(element.text_content().split())

    def _field_errors(self, page):
        return {
            node.get("data-field"): self._text(node)
            for node in page.xpath("//*[hasclass('invalid-feedback')]")
        }

    def _mails_to(self, email):
        return self.env["mail.mail"].sudo().search([("email_to", "=", email)])

    def _confirm_token(self, mail):
        match = re.search(r"/loyalty/join/confirm/([A-Za-z0-9_-]+)", mail.body_html)
        self.assertTrue(match, mail.body_html)
        return match.group(1)
