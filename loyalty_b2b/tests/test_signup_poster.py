from urllib.parse import quote_plus

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import LoyaltyB2bCommon

POSTER_REPORT = "loyalty_b2b.action_report_loyalty_signup_poster"


@tagged("post_install", "-at_install")
class TestSignupPoster(LoyaltyB2bCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program_signup = cls.Program.create(
            {
                "name": "Trade Fair Club",
                "program_type": "discount",
                "discount_percent": 4,
                "enrolment": "signup",
            }
        )

    def test_poster_url(self):
        program = self.program_signup
        self.assertEqual(
            program._get_signup_url(),
            f"{program.get_base_url()}/loyalty/join/{program.id}",
        )

    def test_poster_shows_the_qr_code_of_the_join_page(self):
        program = self.program_signup
        join_url = program._get_signup_url()
        content, report_type = self.env["ir.actions.report"]._render_qweb_html(
            POSTER_REPORT, program.ids
        )
        self.assertEqual(report_type, "html")
        page = content.decode()
        self.assertIn("/report/barcode/?barcode_type=QR", page)
        self.assertIn(f"value={quote_plus(join_url)}", page)
        self.assertIn(join_url, page)
        self.assertIn("Trade Fair Club", page)

    def test_print_action(self):
        action = self.program_signup.action_print_signup_poster()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(
            action["report_name"], "loyalty_b2b.report_loyalty_signup_poster"
        )
        self.program_stamp.enrolment = "invitation"
        for program in (self.program_discount, self.program_stamp):
            with (
                self.subTest(program=program.name),
                self.assertRaisesRegex(UserError, "online sign-up"),
            ):
                program.action_print_signup_poster()
