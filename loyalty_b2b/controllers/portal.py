from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

CARD_REPORT = "loyalty_b2b.action_report_loyalty_card"
STATEMENT_REPORT = "loyalty_b2b.action_report_loyalty_statement"


class LoyaltyB2bCustomerPortal(CustomerPortal):
    """The company's loyalty cards on its contacts' portal: the list, each
    card with what the contact's loyalty role lets it see, the printable card
    and the statement. Another company's card is a 404, whatever the id."""

    _b2b_ledger_per_page = 20

    # Home and list -------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "b2b_card_count" in counters:
            Card = request.env["loyalty.b2b.card"]
            values["b2b_card_count"] = (
                Card.search_count(self._prepare_b2b_cards_domain())
                if Card.has_access("read")
                else 0
            )
        return values

    def _prepare_b2b_cards_domain(self):
        """Hook: the cards of the user's company its portal lists."""
        partner = request.env.user.partner_id.commercial_partner_id
        # sudo: which programs are archived; portal users do not read programs.
        active_programs = request.env["loyalty.b2b.program"].sudo()._search([])
        return [("partner_id", "=", partner.id), ("program_id", "in", active_programs)]

    def _get_b2b_cards_searchbar_sortings(self):
        return {
            "date": {"label": request.env._("Newest"), "order": "id desc"},
            "number": {"label": request.env._("Card Number"), "order": "name"},
            "program": {"label": request.env._("Program"), "order": "program_id, id"},
        }

    @http.route(
        ["/my/loyalty", "/my/loyalty/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_b2b_cards(self, page=1, sortby=None, **kw):
        Card = request.env["loyalty.b2b.card"]
        if not Card.has_access("read"):
            raise NotFound()
        sortings = self._get_b2b_cards_searchbar_sortings()
        if sortby not in sortings:
            sortby = "date"
        domain = self._prepare_b2b_cards_domain()
        pager = portal_pager(
            url="/my/loyalty",
            url_args={"sortby": sortby},
            total=Card.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        cards = Card.search(
            domain,
            order=sortings[sortby]["order"],
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        request.session["my_b2b_cards_history"] = cards.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                # Read through sudo what the level of the user allows (below).
                "cards": cards.sudo(),
                "b2b_level": cards._get_portal_access_level(
                    request.env.user.partner_id
                ),
                "page_name": "b2b_loyalty",
                "default_url": "/my/loyalty",
                "pager": pager,
                "searchbar_sortings": sortings,
                "sortby": sortby,
            }
        )
        return request.render("loyalty_b2b.portal_my_b2b_cards", values)

    # One card --------------------------------------------------------------------

    def _b2b_check_card_access(self, card_id, access_token=None, pid=None, hash=None):
        """``(card, level)``: the card (sudo) once the user may see it (record
        rules or the card's access token), and what the user may see of it.
        Anything else is a 404: the visitor learns nothing of other cards."""
        try:
            card_sudo = self._document_check_access(
                "loyalty.b2b.card", card_id, access_token=access_token
            )
        except (AccessError, MissingError) as error:
            raise NotFound() from error
        if not card_sudo.program_id.active:
            raise NotFound()
        user = request.env.user
        if not user.share:
            # A salesperson previews the whole card, as in the back office.
            return card_sudo, "full"
        level = card_sudo._get_partner_access_level(user.partner_id)
        if not level:
            # A shared link: the level of the contact it was sent to.
            signed_partner = card_sudo._get_signed_partner(pid, hash)
            level = card_sudo._get_partner_access_level(signed_partner) or "card"
        return card_sudo, level

    def _b2b_get_ledger_domain(self, card_sudo):
        """Hook: the ledger entries the card's page lists."""
        return [("card_id", "=", card_sudo.id)]

    def _b2b_get_ledger_values(self, card_sudo, page, url_args):
        """The card's ledger, one page of it, with links to the documents the
        user may open on the portal: a fixed number of queries per page."""
        # sudo: the card's ownership was checked, the ledger is its own.
        Ledger = request.env["loyalty.b2b.transaction"].sudo()
        domain = self._b2b_get_ledger_domain(card_sudo)
        pager = portal_pager(
            url=card_sudo.access_url,
            url_args=url_args,
            total=Ledger.search_count(domain),
            page=page,
            step=self._b2b_ledger_per_page,
        )
        entries = Ledger.search(
            domain, limit=self._b2b_ledger_per_page, offset=pager["offset"]
        )
        return {
            "ledger_entries": entries,
            "ledger_pager": pager,
            "document_urls": self._b2b_get_document_urls(entries),
        }

    def _b2b_get_document_urls(self, entries):
        """``{record: portal url}`` of the invoices and orders of ``entries``
        that the user may open on its own portal."""
        urls = {}
        if request.env.user._is_public():
            return urls
        for model, fname in (
            ("account.move", "invoice_id"),
            ("sale.order", "sale_order_id"),
        ):
            Document = request.env[model]
            ids = entries[fname].ids
            if not ids or not Document.has_access("read"):
                continue
            for document in Document.search([("id", "in", ids)]).sudo():
                # The user may read it: its portal page, without a share token.
                urls[document] = document.access_url
        return urls

    def _b2b_prepare_card_page_values(self, card_sudo, level, page, url_args):
        """Hook: what the card page shows at ``level``."""
        values = {
            "card": card_sudo,
            "b2b_level": level,
            "shows_benefits": card_sudo._is_level_at_least(level, "benefits"),
            "shows_money": level == "full",
            "url_args": url_args,
            "page_name": "b2b_loyalty_card",
        }
        if level == "full":
            values.update(self._b2b_get_ledger_values(card_sudo, page, url_args))
            today = fields.Date.context_today(card_sudo)
            values.update(
                statement_date_from=today.replace(day=1),
                statement_date_to=today,
            )
        return values

    @http.route(
        ["/my/loyalty/<int:card_id>", "/my/loyalty/<int:card_id>/page/<int:page>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_b2b_card(
        self, card_id, page=1, access_token=None, pid=None, hash=None, **kw
    ):
        card_sudo, level = self._b2b_check_card_access(card_id, access_token, pid, hash)
        url_args = {
            key: value
            for key, value in (
                ("access_token", access_token),
                ("pid", pid),
                ("hash", hash),
            )
            if value
        }
        values = self._prepare_portal_layout_values()
        values = self._get_page_view_values(
            card_sudo,
            access_token,
            values,
            "my_b2b_cards_history",
            False,
            pid=pid,
            hash=hash,
        )
        values.update(
            self._b2b_prepare_card_page_values(card_sudo, level, page, url_args)
        )
        return request.render("loyalty_b2b.portal_b2b_card_page", values)

    # Documents -------------------------------------------------------------------

    @http.route(
        "/my/loyalty/<int:card_id>/print",
        type="http",
        auth="public",
        website=True,
    )
    def portal_b2b_card_print(
        self, card_id, access_token=None, pid=None, hash=None, report_type="pdf", **kw
    ):
        card_sudo, _level = self._b2b_check_card_access(
            card_id, access_token, pid, hash
        )
        if report_type not in ("pdf", "html"):
            raise BadRequest()
        return self._show_report(card_sudo, report_type, CARD_REPORT, download=True)

    @http.route(
        "/my/loyalty/<int:card_id>/statement",
        type="http",
        auth="public",
        website=True,
    )
    def portal_b2b_card_statement(
        self,
        card_id,
        date_from=None,
        date_to=None,
        access_token=None,
        pid=None,
        hash=None,
        report_type="pdf",
        **kw,
    ):
        card_sudo, level = self._b2b_check_card_access(card_id, access_token, pid, hash)
        if level != "full":
            raise Forbidden()
        if report_type not in ("pdf", "html"):
            raise BadRequest()
        period = self._b2b_parse_statement_period(date_from, date_to)
        report = (
            request.env["ir.actions.report"].sudo().with_company(card_sudo.company_id)
        )
        try:
            # What was rendered: Odoo renders HTML instead of a PDF in tests.
            content, rendered_type = getattr(report, f"_render_qweb_{report_type}")(
                STATEMENT_REPORT, card_sudo.ids, data=period
            )
        except (UserError, ValidationError) as error:
            raise BadRequest(error.args[0]) from error
        headers = self._get_http_headers(card_sudo, rendered_type, content, True)
        if rendered_type == "pdf":
            headers["Content-Disposition"] = http.content_disposition(
                request.env._(
                    "Statement %(number)s %(date_from)s %(date_to)s.pdf",
                    number=card_sudo.name,
                    **period,
                )
            )
        return request.make_response(content, headers=list(headers.items()))

    def _b2b_parse_statement_period(self, date_from, date_to):
        """``{"date_from", "date_to"}`` as ISO strings, or a 400 that says
        what is wrong with the period."""
        try:
            start, end = request.env["loyalty.b2b.card"]._get_statement_period(
                date_from, date_to
            )
        except UserError as error:
            raise BadRequest(error.args[0]) from error
        return {
            "date_from": fields.Date.to_string(start),
            "date_to": fields.Date.to_string(end),
        }
