import logging

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request
from odoo.tools import email_normalize

_logger = logging.getLogger(__name__)

# Name of the hidden input people leave empty and form-filling robots fill.
HONEYPOT_FIELD = "website_url"


class LoyaltyB2bSignup(http.Controller):
    """The public sign-up page of an online sign-up program: a company
    applies, confirms its email, and waits for a salesperson's review.

    Abuse: Odoo's CSRF token on the POST, a honeypot input (a filled one is
    answered like a success and nothing is stored but the attempt), a limit
    of attempts per IP address and per email address, and every field
    checked before anything is stored."""

    def _b2b_get_program(self, program_id):
        program = request.env["loyalty.b2b.program"]._get_signup_program(program_id)
        if not program:
            raise NotFound()
        return program

    def _b2b_prepare_signup_values(self, program, values, errors, error=None):
        """Hook: the rendering values of the sign-up page."""
        Application = request.env["loyalty.b2b.application"]
        # sudo: the countries and roles are public lists.
        return {
            "program": program,
            "countries": request.env["res.country"].sudo().search([]),
            "roles": Application._fields["contact_role"]._description_selection(
                request.env
            ),
            "values": values,
            "errors": errors,
            "error": error,
            "honeypot_field": HONEYPOT_FIELD,
        }

    def _b2b_render_signup(self, program, values=None, errors=None, error=None, **kw):
        return request.render(
            "loyalty_b2b.signup_page",
            self._b2b_prepare_signup_values(
                program, values or {}, errors or {}, error=error
            ),
            **kw,
        )

    def _b2b_render_done(self, program, email):
        return request.render(
            "loyalty_b2b.signup_done_page", {"program": program, "email": email}
        )

    @http.route(
        "/loyalty/join/<int:program_id>",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=False,
    )
    def b2b_signup(self, program_id, **post):
        program = self._b2b_get_program(program_id)
        if request.httprequest.method != "POST":
            return self._b2b_render_signup(program)
        return self._b2b_submit_signup(program, post)

    def _b2b_submit_signup(self, program, post):
        env = request.env
        values = {key: value for key, value in post.items() if isinstance(value, str)}
        ip = request.httprequest.remote_addr
        email = email_normalize(values.get("email") or "")
        # sudo: the visitor's attempts, counted and recorded by the server.
        Attempt = env["loyalty.b2b.signup.attempt"].sudo()
        if Attempt._is_rate_limited(ip, email):
            return self._b2b_render_signup(
                program,
                values,
                error=env._(
                    "Too many applications were sent from here or with this "
                    "email address. Please try again later."
                ),
                status=429,
            )
        if values.get(HONEYPOT_FIELD):
            Attempt._record(ip, email)
            _logger.info("Sign-up to program %s: honeypot filled, ignored.", program.id)
            return self._b2b_render_done(program, values.get("email"))
        Application = env["loyalty.b2b.application"]
        vals, errors = Application._validate_signup_form(program, values)
        if errors:
            return self._b2b_render_signup(
                program,
                values,
                errors,
                error=env._("Please correct the fields marked below."),
            )
        Attempt._record(ip, email)
        country = env["res.country"].browse(vals["country_id"])
        if Application._is_program_member(program, vals["vat"], country):
            return self._b2b_render_signup(
                program,
                values,
                error=env._(
                    "Your company is already a member of this program. Please "
                    "contact your salesperson."
                ),
            )
        # sudo: the visitor creates the application whose values were checked.
        application = Application.sudo().create(
            self._b2b_prepare_application_vals(program, vals)
        )
        application._send_confirmation_email()
        return self._b2b_render_done(program, application.email)

    def _b2b_prepare_application_vals(self, program, vals):
        """Hook: the values of the application created from the form."""
        return vals

    @http.route(
        "/loyalty/join/confirm/<string:token>",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def b2b_signup_confirm(self, token, **kw):
        application = request.env["loyalty.b2b.application"]._confirm_by_token(token)
        return request.render(
            "loyalty_b2b.signup_confirm_page",
            {"application": application},
            status=200 if application else 404,
        )
