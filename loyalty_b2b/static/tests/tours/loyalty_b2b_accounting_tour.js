import { registry } from "@web/core/registry";

// An accountant reviews the cashback liability, finds it reconciled, and a
// loyalty administrator adjusts a card's balance.
registry.category("web_tour.tours").add("loyalty_b2b_accounting_tour", {
    url: "/odoo/action-loyalty_b2b.loyalty_b2b_liability_report_action",
    steps: () => [
        {
            content: "The liability is grouped by partner",
            trigger: ".o_group_header:contains(Tour Cashback Customer)",
            run: "click",
        },
        {
            content: "Ledger and liability account agree",
            trigger:
                ".o_data_row:has(td[name=ledger_balance]:contains(20.00)):has(td[name=account_balance]:contains(20.00))",
        },
        {
            content: "Open the reconciliation check",
            trigger: ".o_breadcrumb",
            run: "goToUrl /odoo/action-loyalty_b2b.loyalty_b2b_liability_report_action_mismatch",
        },
        {
            content: "No mismatch",
            trigger: ".o_view_nocontent:contains(The card ledger and the liability accounts agree)",
        },
        {
            content: "Open the cashback entries",
            trigger: ".o_breadcrumb",
            run: "goToUrl /odoo/action-loyalty_b2b.account_move_action_b2b_cashback",
        },
        {
            content: "The accrual is listed",
            trigger: ".o_data_row td[name=b2b_cashback_kind]:contains(Cashback earned)",
            run: "click",
        },
        {
            content: "Its form shows the program",
            trigger: ".o_field_widget[name=b2b_program_id]:contains(Tour Cashback)",
        },
        {
            content: "Open the card ledger",
            trigger: ".o_breadcrumb",
            run: "goToUrl /odoo/action-loyalty_b2b.loyalty_b2b_transaction_action_accounting",
        },
        {
            content: "The pivot shows the partner",
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains(Tour Cashback Customer)",
        },
        {
            content: "Open the adjustment wizard",
            trigger: ".o_breadcrumb",
            run: "goToUrl /odoo/action-loyalty_b2b.loyalty_b2b_card_action",
        },
        {
            content: "Open the card",
            trigger: ".o_kanban_record:contains(Tour Cashback Customer)",
            run: "click",
        },
        {
            content: "Actions menu",
            trigger: ".o_form_view .o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            content: "Adjust Cashback",
            trigger: ".dropdown-menu .o_menu_item:contains(Adjust Cashback)",
            run: "click",
        },
        {
            content: "Amount",
            trigger: ".modal .o_field_widget[name=amount] input",
            run: "edit 5",
        },
        {
            content: "Reason",
            trigger: ".modal .o_field_widget[name=reason] input",
            run: "edit Goodwill",
        },
        {
            content: "Post it",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
