# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "B2B Loyalty Cards: Dashboards",
    "summary": "Loyalty and cashback liability dashboards in the Dashboards app",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/loyalty-b2b/loyalty_b2b",
    "author": "loyalty_b2b contributors",
    "license": "LGPL-3",
    "depends": ["loyalty_b2b", "spreadsheet_dashboard"],
    "data": [
        "data/dashboards.xml",
    ],
    "assets": {
        "web.assets_tests": ["loyalty_b2b_dashboard/static/tests/tours/*.js"],
    },
    "installable": True,
    "auto_install": True,
}
