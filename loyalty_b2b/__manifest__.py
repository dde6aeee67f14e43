# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "B2B Loyalty Cards",
    "summary": "Company loyalty cards for B2B sales: discount, accumulating "
    "discount, cashback and stamp programs",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/loyalty-b2b/loyalty_b2b",
    "author": "loyalty_b2b contributors",
    "license": "LGPL-3",
    "depends": ["sale_management", "account"],
    "data": [
        "security/loyalty_b2b_groups.xml",
        "security/ir.model.access.csv",
        "security/loyalty_b2b_rules.xml",
        "data/ir_sequence_data.xml",
        "data/product_product_data.xml",
        "views/loyalty_b2b_program_views.xml",
        "views/loyalty_b2b_card_views.xml",
        "views/loyalty_b2b_transaction_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/res_config_settings_views.xml",
        "views/loyalty_b2b_menus.xml",
    ],
    "demo": [
        "demo/res_partner_demo.xml",
        "demo/loyalty_b2b_program_demo.xml",
        "demo/loyalty_b2b_card_demo.xml",
    ],
    "assets": {
        "web.assets_tests": ["loyalty_b2b/static/tests/tours/*.js"],
    },
    "post_init_hook": "post_init_hook",
    "installable": True,
    "application": False,
}
