from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from .portal import LoyaltyB2bCustomerPortal


class LoyaltyB2bDocumentsPortal(LoyaltyB2bCustomerPortal):
    """The program's exclusive documents on the card's portal page, and
    their download: for the logged-in contacts of the card's company, those
    its tier opens. Anything else is a 404, as for the card itself."""

    # The company's contacts from this portal level see the documents: every
    # contact, whatever its loyalty role ("card" is the lowest level).
    _b2b_documents_min_level = "card"

    def _b2b_get_documents_partner(self, card_sudo):
        """Hook: the contact whose documents the current user sees on the
        card, or an empty recordset. A logged-in contact of the card's
        company; a salesperson previews what the company sees. A shared
        link (access token, signed for a contact or not) shows none: the
        files are exclusive to the members' logged-in contacts, and the
        download asks to log in."""
        user = request.env.user
        if user._is_public():
            return request.env["res.partner"]
        if not user.share:
            return card_sudo.partner_id
        level = card_sudo._get_partner_access_level(user.partner_id)
        if card_sudo._is_level_at_least(level, self._b2b_documents_min_level):
            return user.partner_id
        return request.env["res.partner"]

    def _b2b_get_card_documents(self, card_sudo):
        """The documents (sudo) the current user sees on ``card_sudo``."""
        partner = self._b2b_get_documents_partner(card_sudo)
        if not partner:
            return card_sudo.env["loyalty.b2b.document"]
        return card_sudo._get_portal_documents(partner)

    def _b2b_prepare_card_page_values(self, card_sudo, level, page, url_args):
        values = super()._b2b_prepare_card_page_values(card_sudo, level, page, url_args)
        values["b2b_documents"] = self._b2b_get_card_documents(card_sudo)
        return values

    @http.route(
        "/my/loyalty/<int:card_id>/document/<int:document_id>",
        type="http",
        auth="user",
        website=True,
    )
    def portal_b2b_card_document(self, card_id, document_id, **kw):
        # The card's ownership first (another company's card is a 404), then
        # the document among those the card opens to the user.
        card_sudo, _level = self._b2b_check_card_access(card_id)
        document_sudo = self._b2b_get_card_documents(card_sudo).filtered(
            lambda document: document.id == document_id
        )
        if not document_sudo:
            raise NotFound()
        stream = request.env["ir.binary"]._get_stream_from(
            document_sudo,
            "datas",
            filename=document_sudo.file_name or document_sudo.name,
        )
        response = stream.get_response(as_attachment=True)
        # Exclusive content: kept by no shared cache.
        response.headers["Cache-Control"] = "private, no-store"
        return response
