//! TypeScript unions of a policy's names (actions, roles, scope levels, features, plans),
//! as `rolegate types` prints them, so a frontend's checks are typed by its policy.

use crate::Policy;

/// TypeScript unions of a policy's names, for typed checks in a frontend: the text that
/// `rolegate types` prints.
pub fn unions(policy: &Policy) -> String {
    let union = |names: Vec<String>| -> String {
        if names.is_empty() {
            return " never".to_owned();
        }
        names
            .iter()
            .map(|n| format!("\n  | {}", serde_json::Value::String(n.clone())))
            .collect()
    };
    let p = &*policy.inner;
    let name = policy.name().unwrap_or("policy");
    format!(
        "// The names of policy `{name}`, written by `rolegate types`.\n\
         export type Action ={};\n\
         export type Role ={};\n\
         export type ScopeLevel ={};\n\
         export type Feature ={};\n\
         export type Plan ={};\n\
         /** For typed checks: `Policy.load<PolicyNames>(bytes)` (the package's `Names`). */\n\
         export interface PolicyNames {{\n  \
         action: Action;\n  \
         role: Role;\n  \
         level: ScopeLevel;\n  \
         feature: Feature;\n  \
         plan: Plan;\n\
         }}\n",
        union(p.actions.iter().map(|a| a.name.to_string()).collect()),
        union(p.roles.iter().map(|r| r.name.to_string()).collect()),
        union(p.levels.iter().map(|l| l.name.to_string()).collect()),
        union(p.features.iter().map(|f| f.name.to_string()).collect()),
        union(p.plans.iter().map(|pl| pl.name.to_string()).collect()),
    )
}
