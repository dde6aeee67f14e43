import { registry } from "@web/core/registry";

// The spreadsheet draws its cells on a canvas: the figures are read from the
// model of the dashboard the Dashboards action shows.
function getOpenDashboardModel() {
    const nodes = [odoo.__WOWL_DEBUG__.root.__owl__];
    while (nodes.length) {
        const node = nodes.pop();
        const model = node.component?.state?.activeDashboard?.model;
        if (model) {
            return model;
        }
        nodes.push(...Object.values(node.children));
    }
    return undefined;
}

// Waits (less than a tour step's 10 s) for the pivots to load.
async function checkCell(sheetName, col, row, expected) {
    let value;
    for (let attempt = 0; attempt < 80; attempt++) {
        const model = getOpenDashboardModel();
        if (model) {
            const sheetId = model.getters.getSheetIdByName(sheetName);
            value = model.getters.getEvaluatedCell({ sheetId, col, row }).value;
            if (value === expected) {
                return;
            }
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${sheetName} cell (${col}, ${row}) is ${value}, not ${expected}`);
}

// A loyalty administrator opens the Loyalty dashboard, then the Cashback
// Liability one. Headline figures are in column B of their Data sheet.
registry.category("web_tour.tours").add("loyalty_b2b_dashboard_tour", {
    url: "/odoo/dashboards",
    steps: () => [
        {
            content: "Select the Loyalty dashboard",
            trigger: ".o_search_panel_category_value[data-name='Loyalty']",
            run: "click",
        },
        {
            content: "The Loyalty dashboard is open",
            trigger: ".o_search_panel_category_value.active[data-name='Loyalty']",
        },
        {
            content: "Active members: the two cards that spent this year",
            trigger: ".o_spreadsheet_dashboard_action .o-spreadsheet",
            run: () => checkCell("Data", 1, 1, 2),
        },
        {
            content: "Spend: 1,500.00 + 1,000.00",
            trigger: ".o_spreadsheet_dashboard_action .o-spreadsheet",
            run: () => checkCell("Data", 1, 2, 2500),
        },
        {
            content: "Cashback earned: 2 % of 1,000.00",
            trigger: ".o_spreadsheet_dashboard_action .o-spreadsheet",
            run: () => checkCell("Data", 1, 4, 20),
        },
        {
            content: "Select the Cashback Liability dashboard",
            trigger: ".o_search_panel_category_value[data-name='Cashback Liability']",
            run: "click",
        },
        {
            content: "The Cashback Liability dashboard is open",
            trigger: ".o_search_panel_category_value.active[data-name='Cashback Liability']",
        },
        {
            content: "Cashback owed per the card ledger: 20.00",
            trigger: ".o_spreadsheet_dashboard_action .o-spreadsheet",
            run: () => checkCell("Data", 1, 1, 20),
        },
        {
            content: "The liability account agrees: no difference",
            trigger: ".o_spreadsheet_dashboard_action .o-spreadsheet",
            run: () => checkCell("Data", 1, 3, 0),
        },
    ],
});
