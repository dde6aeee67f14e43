from odoo import models
from odoo.exceptions import UserError

SIGNUP_POSTER_REPORT_XMLID = "loyalty_b2b.action_report_loyalty_signup_poster"


class LoyaltyB2bProgram(models.Model):
    """The printable poster of a sign-up program: its public sign-up page as a
    QR code, for trade fairs and counters."""

    _inherit = "loyalty.b2b.program"

    def _get_signup_poster_qr_src(self, size=600):
        """The QR code image of the sign-up address, from Odoo's barcode route."""
        self.ensure_one()
        return self.env["loyalty.b2b.card"]._get_barcode_url(
            "QR", self._get_signup_url(), size, size
        )

    def action_print_signup_poster(self):
        not_signup = self.filtered(lambda program: program.enrolment != "signup")
        if not_signup:
            raise UserError(
                self.env._(
                    "Only programs with online sign-up have a sign-up poster; "
                    "%(programs)s has another entry method.",
                    programs=", ".join(not_signup.mapped("name")),
                )
            )
        # config=False: the poster has no letterhead, the document layout
        # configurator has nothing to set for it.
        return self.env.ref(SIGNUP_POSTER_REPORT_XMLID).report_action(
            self, config=False
        )
