from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.http import request

from ..models.wallet_pkpass import MEDIA_TYPE
from .portal import LoyaltyB2bCustomerPortal


class LoyaltyB2bWalletPortal(LoyaltyB2bCustomerPortal):
    """The card's wallet passes from its portal page, with the page's access
    rules (the company's contacts, or the card's tokenised link), and the
    program logo Google Wallet shows."""

    def _b2b_prepare_card_page_values(self, card_sudo, level, page, url_args):
        values = super()._b2b_prepare_card_page_values(card_sudo, level, page, url_args)
        company = card_sudo.company_id
        values.update(
            has_apple_wallet=company.b2b_has_apple_wallet,
            has_google_wallet=company.b2b_has_google_wallet,
        )
        return values

    def _b2b_check_wallet_level(self, level):
        """The pass level of the card's contacts at portal ``level``: the
        full pass for those who see the card's money, the benefits pass (no
        balance) for those who see its benefits; the others get none."""
        if level == "full":
            return "full"
        if level == "benefits":
            return "benefits"
        raise Forbidden()

    @http.route(
        "/my/loyalty/<int:card_id>/wallet/apple",
        type="http",
        auth="public",
        website=True,
    )
    def portal_b2b_card_apple_wallet(
        self, card_id, access_token=None, pid=None, hash=None, **kw
    ):
        card_sudo, level = self._b2b_check_card_access(card_id, access_token, pid, hash)
        if not card_sudo.company_id.b2b_has_apple_wallet:
            raise NotFound()
        card_sudo = card_sudo.with_context(
            lang=request.env.lang,
            b2b_wallet_level=self._b2b_check_wallet_level(level),
        )
        content = card_sudo._get_apple_pass()
        return request.make_response(
            content,
            headers=[
                ("Content-Type", MEDIA_TYPE),
                ("Content-Length", len(content)),
                (
                    "Content-Disposition",
                    http.content_disposition(card_sudo._get_apple_pass_filename()),
                ),
                ("Cache-Control", "no-store"),
            ],
        )

    @http.route(
        "/my/loyalty/<int:card_id>/wallet/google",
        type="http",
        auth="public",
        website=True,
    )
    def portal_b2b_card_google_wallet(
        self, card_id, access_token=None, pid=None, hash=None, **kw
    ):
        card_sudo, level = self._b2b_check_card_access(card_id, access_token, pid, hash)
        if not card_sudo.company_id.b2b_has_google_wallet:
            raise NotFound()
        url = card_sudo.with_context(
            lang=request.env.lang,
            b2b_wallet_level=self._b2b_check_wallet_level(level),
        )._get_google_wallet_save_url()
        return request.redirect(url, local=False)

    @http.route(
        "/loyalty/program/<int:program_id>/logo.png",
        type="http",
        auth="public",
        save_session=False,
    )
    def b2b_program_logo(self, program_id, **kw):
        """The logo of a running program, public by design: Google Wallet
        fetches it for the saved cards. Nothing else of the program shows."""
        # sudo: the logo only, of an active program; anything else is a 404.
        program = request.env["loyalty.b2b.program"].sudo().browse(program_id).exists()
        if not program or not program.active or not program.logo:
            raise NotFound()
        stream = request.env["ir.binary"]._get_image_stream_from(program, "logo")
        return stream.get_response(max_age=3600)
