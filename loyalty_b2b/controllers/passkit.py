"""Apple's PassKit web service for the cards' Apple Wallet passes
(https://developer.apple.com/documentation/walletpasses/adding-a-web-service-to-update-passes):
the phones holding a pass register for its updates and fetch its latest
version, proving with the pass's authentication token that they hold it."""

import calendar
import json
import logging
import re
import time
from datetime import datetime, timezone

from werkzeug.http import http_date

from odoo import http
from odoo.http import request
from odoo.tools import consteq

from ..models.loyalty_b2b_card_wallet import MAX_WALLET_REGISTRATIONS
from ..models.wallet_pkpass import MEDIA_TYPE

_logger = logging.getLogger(__name__)

PREFIX = "/loyalty/passkit/v1"
# Apple's identifiers and tokens are short: anything longer is refused.
IDENTIFIER = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
PUSH_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,256}$")
MAX_REGISTRATION_BODY = 1024
MAX_LOG_BODY = 16384
MAX_LOG_LINES = 20
MAX_LOG_LINE = 500
# Compared with a token presented for a pass that does not exist, so that the
# answer costs the same time as for a wrong token.
NO_TOKEN = "-" * 43


def _epoch(value):
    return calendar.timegm(value.timetuple())


class LoyaltyB2bPassKit(http.Controller):
    # Helpers -------------------------------------------------------------------

    def _b2b_response(self, status, payload=None, headers=()):
        if payload is None:
            return request.make_response(b"", headers=list(headers), status=status)
        return request.make_json_response(payload, headers=list(headers), status=status)

    def _b2b_find_pass_card(self, pass_type, serial):
        """The card (sudo) of the pass ``pass_type``/``serial`` whose
        authentication token the request presents, in the context of the
        pass's level (``b2b_wallet_level``, from the serial), or None. A pass
        that does not exist and a wrong token (the other level's token
        included) look the same to the caller."""
        scheme, _sep, token = request.httprequest.headers.get(
            "Authorization", ""
        ).partition(" ")
        token = token.strip()
        if scheme != "ApplePass" or not token or len(token) > 256:
            return None
        if not IDENTIFIER.match(pass_type) or len(serial) > 128:
            return None
        # sudo: the pass is identified by the company's Pass Type ID and the card
        # number, then proven by the pass's secret token before anything is read.
        Card = request.env["loyalty.b2b.card"].sudo()
        number, level = Card._parse_wallet_serial(serial)
        cards = Card.search(
            [
                ("name", "=", number),
                ("company_id.b2b_apple_pass_type_identifier", "=", pass_type),
            ]
        )
        found = None
        for card in cards:
            if card.wallet_auth_token and consteq(
                token, card._get_wallet_auth_token(level)
            ):
                found = card.with_context(b2b_wallet_level=level)
        if not cards:
            consteq(token, NO_TOKEN)
        return found

    def _b2b_read_json(self, limit):
        """The request's JSON body of at most ``limit`` bytes, or None."""
        httprequest = request.httprequest
        length = httprequest.content_length
        if length is None or length > limit:
            return None
        # The body is read up to its announced length, checked above.
        data = httprequest.get_data(cache=False)
        try:
            return json.loads(data)
        except (UnicodeDecodeError, ValueError):
            return None

    # Registrations -------------------------------------------------------------

    @http.route(
        f"{PREFIX}/devices/<string:device>/registrations/<string:pass_type>"
        "/<string:serial>",
        type="http",
        auth="public",
        methods=["POST", "DELETE"],
        csrf=False,
        save_session=False,
    )
    def b2b_passkit_registration(self, device, pass_type, serial, **kw):
        card = self._b2b_find_pass_card(pass_type, serial)
        if not card:
            return self._b2b_response(401)
        if not IDENTIFIER.match(device):
            return self._b2b_response(400)
        Registration = request.env["loyalty.b2b.wallet.registration"].sudo()
        level = card._get_wallet_level()
        registration = Registration.search(
            [
                ("card_id", "=", card.id),
                ("level", "=", level),
                ("device_library_identifier", "=", device),
                ("pass_type_identifier", "=", pass_type),
            ]
        )
        if request.httprequest.method == "DELETE":
            registration.unlink()
            return self._b2b_response(200)
        body = self._b2b_read_json(MAX_REGISTRATION_BODY)
        push_token = body.get("pushToken") if isinstance(body, dict) else None
        if not isinstance(push_token, str) or not PUSH_TOKEN.match(push_token):
            return self._b2b_response(400)
        if registration:
            if registration.push_token != push_token:
                registration.push_token = push_token
            return self._b2b_response(200)
        if (
            Registration.search_count([("card_id", "=", card.id)])
            >= MAX_WALLET_REGISTRATIONS
        ):
            return self._b2b_response(429)
        Registration.create(
            {
                "card_id": card.id,
                "level": level,
                "device_library_identifier": device,
                "pass_type_identifier": pass_type,
                "push_token": push_token,
            }
        )
        return self._b2b_response(201)

    @http.route(
        f"{PREFIX}/devices/<string:device>/registrations/<string:pass_type>",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def b2b_passkit_updated_serials(
        self, device, pass_type, passesUpdatedSince=None, **kw
    ):
        """The serial numbers of the passes registered on ``device`` that
        changed after the tag ``passesUpdatedSince`` (a time in seconds since
        the epoch, as given by the previous answer's ``lastUpdated``)."""
        if not IDENTIFIER.match(device) or not IDENTIFIER.match(pass_type):
            return self._b2b_response(400)
        since = None
        if passesUpdatedSince:
            if not passesUpdatedSince.isdigit() or len(passesUpdatedSince) > 12:
                return self._b2b_response(400)
            since = datetime.fromtimestamp(
                int(passesUpdatedSince), timezone.utc
            ).replace(tzinfo=None)
        # The answer's tag: a change made in this very second shows next time.
        last_updated = str(int(time.time()) - 1)
        # sudo: the device's own registrations; they only reveal the serial
        # numbers of the passes it registered with the pass's token.
        registrations = (
            request.env["loyalty.b2b.wallet.registration"]
            .sudo()
            .search(
                [
                    ("device_library_identifier", "=", device),
                    ("pass_type_identifier", "=", pass_type),
                ]
            )
        )
        # Both passes of a card are dated by the card (a ledger entry dates the
        # benefits pass too, though it shows no balance).
        modified = registrations.card_id._get_wallet_modified_at()
        serials = set()
        for registration in registrations:
            card = registration.card_id
            if since is None or (modified[card] and modified[card] > since):
                serials.add(card._get_wallet_serial(registration.level))
        serials = sorted(serials)
        if not serials:
            return self._b2b_response(204)
        return self._b2b_response(
            200, {"serialNumbers": serials, "lastUpdated": last_updated}
        )

    # Passes ----------------------------------------------------------------------

    @http.route(
        f"{PREFIX}/passes/<string:pass_type>/<string:serial>",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def b2b_passkit_pass(self, pass_type, serial, **kw):
        card = self._b2b_find_pass_card(pass_type, serial)
        if not card:
            return self._b2b_response(401)
        if not card.company_id.b2b_has_apple_wallet:
            return self._b2b_response(404)
        modified = card._get_wallet_modified_at()[card]
        headers = []
        if modified:
            modified_epoch = _epoch(modified)
            headers.append(("Last-Modified", http_date(modified_epoch)))
            since = request.httprequest.if_modified_since
            if since and modified_epoch <= since.timestamp():
                return self._b2b_response(304, headers=headers)
        lang = card.partner_id.lang or card.company_id.partner_id.lang
        content = card.with_context(lang=lang)._get_apple_pass()
        return request.make_response(
            content,
            headers=[
                ("Content-Type", MEDIA_TYPE),
                ("Content-Length", len(content)),
                ("Cache-Control", "no-cache"),
                *headers,
            ],
        )

    # Log -------------------------------------------------------------------------

    @http.route(
        f"{PREFIX}/log",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def b2b_passkit_log(self, **kw):
        """What the phones report of errors with the web service, written to
        the server log (a few short lines per request)."""
        body = self._b2b_read_json(MAX_LOG_BODY)
        logs = body.get("logs") if isinstance(body, dict) else None
        if not isinstance(logs, list):
            return self._b2b_response(400)
        for line in logs[:MAX_LOG_LINES]:
            _logger.info("Apple Wallet: %r", str(line)[:MAX_LOG_LINE])
        return self._b2b_response(200)
