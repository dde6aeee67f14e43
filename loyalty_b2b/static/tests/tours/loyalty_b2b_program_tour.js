import { registry } from "@web/core/registry";

// An administrator configures an accumulating program with a tier and issues a card.
registry.category("web_tour.tours").add("loyalty_b2b_program_tour", {
    url: "/odoo/action-loyalty_b2b.loyalty_b2b_program_action",
    steps: () => [
        {
            content: "Create a program",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour Volume",
        },
        {
            content: "Accumulating discount card",
            trigger: ".o_field_widget[name=program_type] input[data-value=accumulative]",
            run: "click",
        },
        {
            content: "Discount field of discount cards is gone",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=discount_percent]))",
        },
        {
            content: "Open the tiers",
            trigger: ".o_notebook a[name=tiers]",
            run: "click",
        },
        {
            content: "Add a tier",
            trigger: ".o_field_widget[name=tier_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Tier name",
            trigger: ".o_field_widget[name=tier_ids] .o_data_row [name=name] input",
            run: "edit Gold",
        },
        {
            content: "Tier discount",
            trigger:
                ".o_field_widget[name=tier_ids] .o_data_row [name=discount_percent] input",
            run: "edit 5",
        },
        {
            content: "Save the program",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_breadcrumb .active:contains(Tour Volume)",
        },
        {
            content: "Open its cards",
            trigger: "button[name=action_view_cards]",
            run: "click",
        },
        {
            content: "Issue a card",
            trigger: ".o-kanban-button-new",
            run: "click",
        },
        {
            content: "Pick the customer company",
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Tour Customer",
        },
        {
            content: "Select it",
            trigger: ".o-autocomplete--dropdown-item:contains(Tour Customer)",
            run: "click",
        },
        {
            content: "Save the card",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The card has its number",
            trigger: ".o_field_widget[name=name]:contains(B2B-)",
        },
        {
            content: "and the tier's discount",
            trigger: ".o_field_widget[name=discount_percent]:contains(5.00)",
        },
    ],
});
