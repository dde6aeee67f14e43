from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from ..models.loyalty_b2b_card import CURRENT_CARD_STATES

# Status of the page of an invitation that can no longer be accepted.
GONE = 410
# Status of the page of an acceptance the program refused (eligibility, card).
CONFLICT = 409


class LoyaltyB2bInvitationController(http.Controller):
    """The public page of an emailed invitation: its token is the visitor's
    only credential. An unknown token is a 404; an expired or revoked
    invitation a page saying so (410); an accepted one leads to its card."""

    def _get_invitation_sudo(self, token):
        """The invitation of ``token`` (sudo), or a 404."""
        # sudo: the visitor is public; the token (256 random bits) is what
        # gives access to this one invitation.
        invitation_sudo = (
            request.env["loyalty.b2b.invitation"].sudo()._find_by_token(token)
        )
        if not invitation_sudo:
            raise NotFound()
        return invitation_sudo

    def _prepare_invitation_values(self, invitation_sudo, **values):
        """Hook: values of the invitation pages."""
        return {
            "invitation": invitation_sudo,
            "program": invitation_sudo.program_id,
            "company": invitation_sudo.partner_id,
            "issuer": invitation_sudo.company_id,
            "is_expired": invitation_sudo._is_expired(),
            **values,
        }

    def _shows_card(self, invitation_sudo):
        """The accepted invitation still leads to its card: only while the
        card is current, so that an old or forwarded email does not open a
        blocked or expired card for good."""
        return (
            invitation_sudo.state == "accepted"
            and invitation_sudo.card_id.state in CURRENT_CARD_STATES
        )

    def _render_card_page(self, invitation_sudo):
        card_sudo = invitation_sudo.card_id
        values = self._prepare_invitation_values(
            invitation_sudo,
            card=card_sudo,
            card_url=card_sudo._get_share_url(pid=invitation_sudo.contact_id.id),
        )
        return request.render("loyalty_b2b.invitation_accepted_page", values)

    @http.route(
        "/loyalty/invitation/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
    )
    def invitation_page(self, token, **kw):
        invitation_sudo = self._get_invitation_sudo(token)
        if self._shows_card(invitation_sudo):
            return self._render_card_page(invitation_sudo)
        values = self._prepare_invitation_values(invitation_sudo)
        if invitation_sudo.state != "sent" or values["is_expired"]:
            return request.render(
                "loyalty_b2b.invitation_closed_page", values, status=GONE
            )
        return request.render("loyalty_b2b.invitation_page", values)

    @http.route(
        "/loyalty/invitation/<string:token>/accept",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def invitation_accept(self, token, **kw):
        invitation_sudo = self._get_invitation_sudo(token)
        if self._shows_card(invitation_sudo):
            # A second click: the card of the first.
            return self._render_card_page(invitation_sudo)
        try:
            invitation_sudo._accept()
        except UserError as error:
            values = self._prepare_invitation_values(
                invitation_sudo, error_message=error.args[0]
            )
            status = (
                GONE
                if invitation_sudo.state != "sent" or values["is_expired"]
                else CONFLICT
            )
            return request.render(
                "loyalty_b2b.invitation_closed_page", values, status=status
            )
        return self._render_card_page(invitation_sudo)
