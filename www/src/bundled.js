// What a static page decides from: the demo data and the presets' policies (exported as
// JSON by the build), bundled into the page.

import outreach from "../data/outreach.json";
import calilio from "../data/calilio.json";
import callscaler from "../data/callscaler.json";
import callaro from "../data/callaro.json";
import projectMembers from "../data/project-members.json";
import policies from "../generated/policies.json";

export const DATA = { outreach, calilio, callscaler, callaro, "project-members": projectMembers };
export const PRESETS = Object.keys(DATA);
export const DEFAULT_PRESET = "outreach";
export const POLICIES = policies;
