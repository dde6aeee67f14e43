from odoo import api, models


class ResPartner(models.Model):
    """Who of a customer receives its loyalty mail: one rule for every email
    the program sends the customer's contacts."""

    _inherit = "res.partner"

    @api.model
    def _get_b2b_loyalty_mail_domain(self, customers, roles=None):
        """Hook: the contacts of ``customers`` (commercial partners) that
        receive loyalty mail, with one of ``roles`` when given: active
        contacts of these companies only, with an email."""
        domain = [
            ("commercial_partner_id", "in", customers.ids),
            ("b2b_loyalty_mail", "=", True),
            ("email", "!=", False),
            ("active", "=", True),
        ]
        if roles:
            domain.append(("b2b_loyalty_role", "in", list(roles)))
        return domain

    @api.model
    def _get_b2b_loyalty_mail_contacts(self, customers, roles=None):
        """``{customer: contacts}`` of ``_get_b2b_loyalty_mail_domain``, in
        one search; customers without such contacts are left out."""
        if not customers:
            return {}
        # Contacts of these customers only: no company domain needed.
        contacts = self.with_context(active_test=True).search(
            self._get_b2b_loyalty_mail_domain(customers, roles), order="name, id"
        )
        return contacts.grouped("commercial_partner_id")
