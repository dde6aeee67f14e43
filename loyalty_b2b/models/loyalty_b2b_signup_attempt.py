from datetime import timedelta

from odoo import api, fields, models

# Sign-up attempts allowed by default: per IP address in an hour, per email
# address in a day. ir.config_parameter overrides them.
MAX_PER_IP_PARAM = "loyalty_b2b.signup_max_per_ip"
MAX_PER_EMAIL_PARAM = "loyalty_b2b.signup_max_per_email"
DEFAULT_MAX_PER_IP = 5
DEFAULT_MAX_PER_EMAIL = 3
IP_WINDOW = timedelta(hours=1)
EMAIL_WINDOW = timedelta(days=1)
# Attempts older than this are deleted by the scheduled action.
KEEP_ATTEMPTS = timedelta(days=1)


class LoyaltyB2bSignupAttempt(models.Model):
    """A sign-up submission, kept a day to limit how often an IP address or
    an email address may apply (see ``_is_rate_limited``)."""

    _name = "loyalty.b2b.signup.attempt"
    _description = "B2B Loyalty Sign-up Attempt"
    _order = "id desc"
    _log_access = False

    ip = fields.Char(string="IP Address", index=True, readonly=True)
    email = fields.Char(index=True, readonly=True)
    create_date = fields.Datetime(
        default=fields.Datetime.now, readonly=True, index=True
    )

    @api.model
    def _get_limit(self, param, default):
        value = self.env["ir.config_parameter"].sudo().get_param(param, "")
        try:
            limit = int(value)
        except ValueError:
            return default
        return limit if limit > 0 else default

    @api.model
    def _is_rate_limited(self, ip, email):
        """Whether ``ip`` applied too often in the last hour, or ``email`` in
        the last day."""
        now = fields.Datetime.now()
        if ip:
            count = self.search_count(
                [("ip", "=", ip), ("create_date", ">", now - IP_WINDOW)]
            )
            if count >= self._get_limit(MAX_PER_IP_PARAM, DEFAULT_MAX_PER_IP):
                return True
        if email:
            count = self.search_count(
                [("email", "=", email), ("create_date", ">", now - EMAIL_WINDOW)]
            )
            if count >= self._get_limit(MAX_PER_EMAIL_PARAM, DEFAULT_MAX_PER_EMAIL):
                return True
        return False

    @api.model
    def _record(self, ip, email):
        return self.create({"ip": ip or False, "email": email or False})

    @api.model
    def _cron_delete_old_attempts(self):
        """Keep the table bounded: attempts older than a day limit nothing."""
        old = self.search([("create_date", "<", fields.Datetime.now() - KEEP_ATTEMPTS)])
        old.unlink()
        return len(old)
