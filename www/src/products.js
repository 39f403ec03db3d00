// How each preset's product fills the demo's screen: which action decides each control.
// A control whose action the policy's catalog does not have is not part of that product
// (the page leaves it out and says so in "Why?" mode). Controls on a record (a campaign
// row, a number row) are decided on that record: its type, id, scope and attributes.
// Actions of a scope level below the tenant (a business, a project) are decided at the
// scope chosen in the switcher.

/** The screen's pages, in sidebar order. */
export const PAGES = [
  ["dashboard", "Dashboard"],
  ["campaigns", "Campaigns"],
  ["outreach", "Outreach"],
  ["numbers", "Numbers"],
  ["recordings", "Recordings"],
  ["live", "Live monitor"],
  ["reports", "Reports"],
  ["team", "Team"],
  ["billing", "Billing"],
  ["settings", "Settings"],
];

/**
 * Per preset: `nav` (page -> action, or null for a page every member sees), `campaigns`
 * and `numbers` (the record type the list shows and the action of each button), `billing`,
 * `settings`, `outreach`, `reports`, `recordings`, `live` (buttons: [label, action]), and
 * `team` (the actions that gate the team panel's buttons, before the team rules decide).
 */
export const PRODUCTS = {
  outreach: {
    nav: { dashboard: null, campaigns: "outreach.view", outreach: "outreach.view", team: null, settings: null },
    campaigns: {
      type: "campaign",
      view: null,
      toolbar: [["New campaign", "campaign.create", "POST"], ["Export", "campaign.export", "GET"], ["Upload contacts", "contact.upload", "POST"], ["Templates", "template.build", "PUT"], ["Send test email", "test_email.send", "POST"]],
      row: [["Edit", "campaign.edit"], ["Run", "campaign.run"], ["Stop", "campaign.stop"], ["Delete", "campaign.delete"]],
    },
    outreach: [["Request access", "outreach.request"], ["Configure SMS (Twilio)", "sms.configure"], ["Configure email (SendGrid)", "email.configure"], ["Domains and senders", "sender.manage"]],
    settings: [["SMS settings", "sms.configure"], ["Email settings", "email.configure"]],
    team: { invite: null },
  },
  calilio: {
    nav: { dashboard: null, campaigns: null, numbers: null, recordings: null, live: "live_monitoring.view", team: null, billing: null, settings: null },
    campaigns: {
      type: "campaign",
      view: null,
      label: "Power Dialer campaigns",
      toolbar: [["New campaign", "campaign.manage", "POST"]],
      row: [["Join", "campaign.participate"]],
    },
    numbers: {
      type: "number",
      view: "number.view",
      toolbar: [["Buy number", "number.purchase", "POST"], ["Port a number", "number.port", "POST"]],
      row: [["Call history", "call_history.view"], ["Assign to me", "number.assign"], ["Unassign", "number.unassign"], ["Delete", "number.delete"]],
    },
    recordings: [["Auto-record calls", "auto_record.toggle"]],
    live: [["Open live monitoring", "live_monitoring.view"]],
    billing: {
      subscription: "subscription.manage",
      payment: "payment_method.manage",
      wallet: { load: "wallet.load", auto_recharge: "wallet.toggle_auto_recharge", low_balance_alert: "wallet.toggle_low_balance" },
    },
    settings: [["Rename workspace", "workspace.rename"], ["Workspace preferences", "settings.configure"]],
    team: { invite: "member.invite" },
  },
  callscaler: {
    scoped: "business",
    nav: { dashboard: null, numbers: "number.view", recordings: "call.view", reports: "report.view", team: "team.view", billing: "billing.view", settings: null },
    numbers: {
      type: "number",
      view: "number.view",
      toolbar: [["Add tracking number", "number.create", "POST"], ["Export calls", "call.export", "GET"]],
      row: [["Edit", "number.edit"], ["Delete", "number.delete"]],
    },
    recordings: [["Play latest recording", "recording.play"], ["Delete recording", "recording.delete"], ["Tag calls", "call.tag"]],
    reports: [["New report", "report.create"], ["Export report", "report.export"]],
    billing: { subscription: "billing.manage", payment: "billing.manage", wallet: { load: "billing.manage" } },
    settings: [["Account settings", "account.configure"], ["Single sign-on", "sso.configure"], ["Business settings", "business.configure"], ["Integrations", "integration.manage"], ["Delete business", "business.delete"], ["Delete account", "account.delete"]],
    team: { invite: "team.invite", change_role: "team.change_role", remove: "team.remove" },
    newScope: "business.create",
  },
  callaro: {
    nav: { dashboard: null, campaigns: "campaign.view", numbers: null, recordings: "call.view", reports: "analytics.view", team: "team.view", billing: "billing.view", settings: null },
    campaigns: {
      type: "campaign",
      view: "campaign.view",
      toolbar: [["New campaign", "campaign.create", "POST"], ["Upload contacts", "contact.upload", "POST"]],
      row: [["Edit", "campaign.edit"], ["Launch", "campaign.launch"], ["Pause", "campaign.pause"], ["Resume", "campaign.resume"]],
    },
    numbers: { type: "number", view: null, toolbar: [], row: [["Assign to campaign", "number.assign"]] },
    recordings: [["Review call quality", "quality.review"]],
    reports: [["Outcomes and follow-ups", "outcome.view"]],
    billing: { subscription: "billing.manage", payment: "billing.manage" },
    settings: [["Workspace settings", "settings.manage"], ["Integrations", "integration.manage"]],
    team: { invite: "team.invite", change_role: "team.assign_role" },
  },
  "project-members": {
    scoped: "project",
    nav: { dashboard: null, campaigns: "job.view", recordings: "record.view", live: "dialer.supervise", reports: "analytics.view", team: null, billing: "billing.manage", settings: "settings.view" },
    campaigns: {
      type: "job",
      view: "job.view",
      label: "Jobs",
      toolbar: [],
      row: [["Run", "job.run"]],
    },
    recordings: [["Outcomes", "outcome.view"]],
    live: [["Take live calls", "dialer.use"], ["Supervise agents", "dialer.supervise"]],
    reports: [["Data tables", "table.edit"], ["Spinners", "spinner.edit"], ["Publish automation", "automation.publish"]],
    billing: { subscription: "billing.manage", payment: "billing.manage" },
    settings: [["Change project settings", "settings.edit"], ["Invite to project", "member.invite"], ["Create project", "project.create"], ["Manage users and seats", "user.manage"]],
    team: { invite: "user.manage" },
    newScope: "project.create",
  },
};
