import { registry } from "@web/core/registry";

// The director of a customer company finds the company's cards from the portal
// home, opens the cashback card, reads its balance and ledger, and follows the
// ledger to the invoice that earned the cashback.
registry.category("web_tour.tours").add("loyalty_b2b_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "The portal home counts the company's cards",
            trigger:
                ".o_portal_index_card:not(.d-none) a[href='/my/loyalty']:has([data-placeholder_count=b2b_card_count]:contains(3))",
            run: "click",
        },
        {
            content: "The list shows the cashback card with its balance",
            trigger: ".o_portal_my_doc_table tr:contains(Cashback):contains(55.00)",
        },
        {
            content: "Open the cashback card",
            trigger: ".o_portal_my_doc_table tr:contains(Cashback) td:first-child a",
            run: "click",
        },
        {
            content: "The card shows its face with the code",
            trigger: ".o_b2b_portal_card .o_b2b_card_face",
        },
        {
            content: "The balance is there",
            trigger: ".o_b2b_cashback tr[name=b2b_balance]:contains(55.00)",
        },
        {
            content: "The statement can be downloaded",
            trigger: ".o_b2b_statement button.o_b2b_download_statement",
        },
        {
            content: "The ledger links the invoice that earned the cashback",
            trigger: ".o_b2b_ledger a[href^='/my/invoices/']",
            run: "click",
        },
        {
            content: "The invoice opens in the portal",
            trigger: "#portal_sale_content, .o_portal_sidebar, #invoice_content",
        },
    ],
});
