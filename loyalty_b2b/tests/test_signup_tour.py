from odoo.tests import tagged

from .test_signup_common import SignupCommon


@tagged("post_install", "-at_install")
class TestSignupTour(SignupCommon):
    def test_public_visitor_applies(self):
        self.start_tour(self._signup_url(), "loyalty_b2b_signup_tour", login=None)
        application = self.Application.search([("name", "=", "Tour Tooling BV")])
        self.assertRecordValues(
            application,
            [
                {
                    "state": "to_confirm",
                    "program_id": self.program_signup.id,
                    "country_id": self.belgium.id,
                    "contact_name": "Tina Tour",
                    "email": "tina@tour-tooling.example.com",
                    "contact_role": "decision_maker",
                }
            ],
        )
        self.assertTrue(self._mails_to("tina@tour-tooling.example.com"))
