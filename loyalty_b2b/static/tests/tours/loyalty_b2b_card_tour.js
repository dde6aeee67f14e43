import { registry } from "@web/core/registry";

// A salesperson reads the cards: tier, benefit and next tier on the kanban, the
// program's logo only when it has one, the same on the card and the company.
registry.category("web_tour.tours").add("loyalty_b2b_card_tour", {
    url: "/odoo/action-loyalty_b2b.loyalty_b2b_card_action",
    steps: () => [
        {
            content: "The kanban shows the tier and its discount",
            trigger:
                ".o_kanban_record:contains(Tour Volume) [name=tier]:contains(Silver)",
        },
        {
            content: "and the benefit",
            trigger: ".o_kanban_record:contains(Tour Volume) [name=benefit]:contains(3 %)",
        },
        {
            content: "and what it takes to reach the next tier",
            trigger:
                ".o_kanban_record:contains(Tour Volume) [name=next_tier]:contains(to reach Gold: 7 %)",
        },
        {
            content: "No image where a program has no logo",
            trigger: ".o_kanban_record:contains(Tour Volume):not(:has(aside, img))",
        },
        {
            content: "The program's logo where it has one",
            trigger: ".o_kanban_record:contains(Tour Logo) aside img",
        },
        {
            content: "A discount card shows its discount, no tier",
            trigger:
                ".o_kanban_record:contains(Tour Logo):not(:has([name=tier])) [name=benefit]:contains(10 %)",
        },
        {
            content: "Open the tiered card",
            trigger: ".o_kanban_record:contains(Tour Volume) main",
            run: "click",
        },
        {
            content: "The card form says what the next tier takes",
            trigger: ".alert[name=next_tier]:contains(to reach Gold: 7 %)",
        },
        {
            content: "Open its customer",
            trigger: ".o_field_widget[name=partner_id] a",
            run: "click",
        },
        {
            content: "Open the Loyalty tab",
            trigger: ".o_notebook a[name=loyalty_b2b]",
            run: "click",
        },
        {
            content: "The company's cards with tier and next tier",
            trigger:
                ".o_field_widget[name=b2b_card_ids] .o_data_row:contains(Silver):contains(to reach Gold: 7 %)",
        },
    ],
});
