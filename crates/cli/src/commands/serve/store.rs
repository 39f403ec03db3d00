//! The demo's data: per preset, the policy in force, the team and the audit log, the
//! product's records (campaigns, numbers, ...), the wallet and the server's activity log.
//! Everything lives in memory and starts from `www/data/<preset>.json`, the file the page
//! draws too.

use rolegate::team::{AuditEvent, Team};
use rolegate::{Attrs, GateDecision, Policy, Principal, Resource, Session, Tenant};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The demo data of each preset, as the page reads it too.
pub(crate) const DATA: &[(&str, &str)] = &[
    (
        "outreach",
        include_str!("../../../../../www/data/outreach.json"),
    ),
    (
        "calilio",
        include_str!("../../../../../www/data/calilio.json"),
    ),
    (
        "callscaler",
        include_str!("../../../../../www/data/callscaler.json"),
    ),
    (
        "callaro",
        include_str!("../../../../../www/data/callaro.json"),
    ),
    (
        "project-members",
        include_str!("../../../../../www/data/project-members.json"),
    ),
];

/// How many entries the activity and audit logs keep.
const LOG_LEN: usize = 50;

/// One record of the product: a campaign, a number, a job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Record {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The scope it lives in (`business:b1`); the tenant when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Its attributes, for the policy's conditions (`assignee`).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attrs: Map<String, Value>,
}

/// The tenant of the demo data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TenantData {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    #[serde(default)]
    pub features: Vec<String>,
}

/// The wallet of the billing page.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Wallet {
    pub balance: f64,
    pub auto_recharge: bool,
    pub low_balance_alert: bool,
}

/// A data file (`www/data/<preset>.json`), the team apart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DemoData {
    pub product: String,
    pub about: String,
    pub tenant: TenantData,
    #[serde(default)]
    pub names: BTreeMap<String, String>,
    #[serde(default)]
    pub scopes: BTreeMap<String, String>,
    #[serde(default)]
    pub resources: BTreeMap<String, Vec<Record>>,
    #[serde(default)]
    pub wallet: Wallet,
    #[serde(default)]
    pub settings: BTreeMap<String, bool>,
}

/// One preset's state.
pub(crate) struct Store {
    pub data: DemoData,
    /// The team, changed only through the team rules.
    pub team: Team,
    /// The audit log, newest last: the events of applied team changes, and of record
    /// changes that concern people (a number assigned or unassigned), in the same shape.
    pub audit: Vec<Value>,
    /// What the API did, newest last.
    pub activity: Vec<Value>,
    /// The text of the policy in force (JSON), as the page edits it.
    pub policy_text: String,
    /// A counter for the ids of created records.
    created: u32,
}

/// What a request did to the records.
struct Outcome {
    status: u16,
    effect: String,
    extra: Value,
}

impl Outcome {
    fn done(effect: String) -> Outcome {
        Outcome {
            status: 200,
            effect,
            extra: Value::Null,
        }
    }
}

impl Store {
    /// The store of a data file; the policy text is the preset's, exported as JSON.
    pub fn new(data_text: &str, policy: &Policy) -> Result<Store, String> {
        let mut value: Value =
            serde_json::from_str(data_text).map_err(|e| format!("demo data: {e}"))?;
        let team_value = value
            .as_object_mut()
            .and_then(|d| d.remove("team"))
            .ok_or("demo data: no `team`")?;
        let data: DemoData =
            serde_json::from_value(value).map_err(|e| format!("demo data: {e}"))?;
        let team = Team::from_json(&team_value.to_string())
            .map_err(|e| format!("demo data: team: {e}"))?;
        let document = policy
            .document()
            .ok_or("the demo needs a policy read from text")?;
        let policy_text = serde_json::to_string_pretty(document)
            .map_err(|e| format!("cannot print the policy: {e}"))?;
        Ok(Store {
            data,
            team,
            audit: Vec::new(),
            activity: Vec::new(),
            policy_text,
            created: 0,
        })
    }

    /// Everything the page shows, as JSON.
    pub fn snapshot(&self, fingerprint: &str) -> Value {
        let mut data = serde_json::to_value(&self.data).unwrap_or(Value::Null);
        if let Some(d) = data.as_object_mut() {
            d.insert("team".into(), parse(&self.team.to_json()));
        }
        json!({
            "data": data,
            "audit": self.audit,
            "activity": self.activity,
            "policy": self.policy_text,
            "fingerprint": fingerprint,
        })
    }

    /// The tenant of the data file with the given plan and features.
    pub fn tenant(&self, plan: Option<&str>, features: &[String]) -> Tenant {
        Tenant {
            id: self.data.tenant.id.clone(),
            plan: plan.map(str::to_owned),
            features: features.to_vec(),
            ..Tenant::default()
        }
    }

    /// The principal of a team member: their organization role at the root scope and their
    /// scope memberships.
    pub fn principal(&self, member: &str, root: &str) -> Option<Principal> {
        let m = self.team.member(member)?;
        let mut roles: Vec<Value> = m
            .role
            .iter()
            .map(|role| json!({ "role": role, "scope": root }))
            .collect();
        roles.extend(
            m.memberships
                .iter()
                .map(|ms| json!({ "role": ms.role, "scope": ms.scope })),
        );
        Principal::from_json(&json!({ "id": m.id, "roles": roles }).to_string()).ok()
    }

    /// The attributes of one record, for the gate's `origin` decisions; `None` when it does
    /// not exist.
    pub fn attrs_of(&self, resource: &Resource) -> Option<Attrs> {
        let record = self
            .data
            .resources
            .get(resource.kind.as_deref()?)?
            .iter()
            .find(|r| Some(r.id.as_str()) == resource.id.as_deref())?;
        Resource::attrs_from_json(&Value::Object(record.attrs.clone()).to_string()).ok()
    }

    /// Appends to the activity log.
    pub fn log(&mut self, entry: Value) {
        push_bounded(&mut self.activity, entry);
    }

    /// Appends a team change's event to the audit log.
    pub fn audit(&mut self, event: &AuditEvent) {
        push_bounded(&mut self.audit, parse(&event.to_json()));
    }

    /// Carries out a request the gate allowed: what it changes in the data follows from its
    /// action's verb (`campaign.run` sets the campaign running, `*.delete` removes the
    /// record, `*.create` adds one, `*.assign` gives the number to the caller and audits it,
    /// `wallet.load` adds to the balance, a toggle flips a setting); a `GET` lists the
    /// records of the route's type that the caller may see. Returns the HTTP status and the
    /// body.
    pub fn carry_out(
        &mut self,
        gate: &GateDecision,
        session: &Session,
        actor: &str,
        at: u64,
        method: &str,
        body: &Value,
    ) -> (u16, Value) {
        let action = gate.action.as_deref().unwrap_or("");
        let (noun, verb) = action.split_once('.').unwrap_or((action, ""));
        let scope = gate.resource.as_ref().map_or("", |r| r.scope.as_str());
        let named = gate
            .resource
            .as_ref()
            .and_then(|r| Some((r.kind.clone()?, r.id.clone()?)));
        let outcome = match named {
            Some((kind, id)) => {
                let last_is_param = gate
                    .route
                    .as_deref()
                    .and_then(|r| r.rsplit('/').next())
                    .is_some_and(|s| s.starts_with('{'));
                self.change_record(
                    gate,
                    actor,
                    at,
                    (&kind, &id),
                    verb,
                    method,
                    last_is_param,
                    body,
                )
            }
            None => match (method, verb) {
                ("GET", _) => {
                    let visible = self.visible(noun, action, scope, session);
                    Outcome {
                        status: 200,
                        effect: format!("listed {} {noun} record(s)", visible.len()),
                        extra: json!({ "items": visible }),
                    }
                }
                (_, "load") if noun == "wallet" => {
                    let amount = body.get("amount").and_then(Value::as_f64).unwrap_or(25.0);
                    self.data.wallet.balance += amount;
                    Outcome::done(format!(
                        "loaded {amount} into the wallet (balance {})",
                        self.data.wallet.balance
                    ))
                }
                ("POST", "create" | "purchase" | "upload") => {
                    Outcome::done(self.create(noun, scope, body))
                }
                (_, v) if v.starts_with("toggle") => {
                    let on = match v.trim_start_matches("toggle_") {
                        "auto_recharge" => flip(&mut self.data.wallet.auto_recharge),
                        "low_balance" => flip(&mut self.data.wallet.low_balance_alert),
                        _ => flip(self.data.settings.entry(action.to_owned()).or_default()),
                    };
                    Outcome::done(format!("{action}: {}", if on { "on" } else { "off" }))
                }
                _ => Outcome::done(format!("{action}: done")),
            },
        };
        if outcome.status != 200 {
            return (outcome.status, outcome.extra);
        }
        let entry = json!({
            "method": method,
            "route": gate.route.as_deref(),
            "action": gate.action.as_deref(),
            "effect": outcome.effect,
        });
        self.log(entry.clone());
        let mut answer = entry;
        if let (Some(a), Value::Object(extra)) = (answer.as_object_mut(), outcome.extra) {
            a.extend(extra);
        }
        (200, answer)
    }

    /// Changes one named record by the verb of the action; 404 when it does not exist.
    #[allow(clippy::too_many_arguments)]
    fn change_record(
        &mut self,
        gate: &GateDecision,
        actor: &str,
        at: u64,
        (kind, id): (&str, &str),
        verb: &str,
        method: &str,
        last_is_param: bool,
        body: &Value,
    ) -> Outcome {
        let action = gate.action.as_deref().unwrap_or("");
        let not_found = Outcome {
            status: 404,
            effect: String::new(),
            extra: json!({ "reason": "not_found", "action": action, "message": format!("no {kind} `{id}`") }),
        };
        let Some(records) = self.data.resources.get_mut(kind) else {
            return not_found;
        };
        let Some(index) = records.iter().position(|r| r.id == id) else {
            return not_found;
        };
        if method == "DELETE" && last_is_param && matches!(verb, "delete" | "remove" | "manage") {
            records.remove(index);
            return Outcome::done(format!("deleted {id}"));
        }
        let Some(record) = records.get_mut(index) else {
            return not_found;
        };
        let before = record.attrs.get("assignee").cloned();
        let effect = match (method, verb) {
            (_, "run" | "launch" | "resume") => {
                record.status = Some("running".into());
                format!("{id} is running")
            }
            (_, "stop") => {
                record.status = Some("stopped".into());
                format!("{id} stopped")
            }
            (_, "pause") => {
                record.status = Some("paused".into());
                format!("{id} paused")
            }
            ("DELETE", "unassign" | "assign") | (_, "unassign") => {
                record.attrs.remove("assignee");
                format!("{id} unassigned")
            }
            (_, "assign") => {
                let to = body
                    .get("assignee")
                    .and_then(Value::as_str)
                    .unwrap_or(actor)
                    .to_owned();
                record
                    .attrs
                    .insert("assignee".into(), Value::from(to.clone()));
                format!("{id} assigned to {to}")
            }
            ("GET", _) => format!("read {id}"),
            _ => {
                if let Some(name) = body.get("name").and_then(Value::as_str) {
                    record.name = name.to_owned();
                }
                format!("updated {id}")
            }
        };
        let after = record.attrs.get("assignee").cloned();
        if before != after {
            // Who holds a number is a team matter: the holder's role goes with it (for the
            // policy's conditions), and the change is audited like a team change.
            let role = after
                .as_ref()
                .and_then(Value::as_str)
                .and_then(|m| self.team.member(m))
                .and_then(|m| m.role.clone());
            match role {
                Some(role) => record
                    .attrs
                    .insert("assignee_role".into(), Value::from(role)),
                None => record.attrs.remove("assignee_role"),
            };
            let rule = gate
                .decision
                .as_ref()
                .and_then(|d| d.rule.as_deref().or(d.role.as_deref()))
                .unwrap_or("");
            let event = json!({
                "at": at,
                "actor": actor,
                "change": action,
                "target": id,
                "before": { "assignee": before },
                "after": { "assignee": after },
                "rule": rule,
            });
            push_bounded(&mut self.audit, event);
        }
        Outcome::done(effect)
    }

    /// The records of type `noun` in `scope` (or all scopes) on which `action` is allowed.
    fn visible(&self, noun: &str, action: &str, scope: &str, session: &Session) -> Vec<Record> {
        let Some(records) = self.data.resources.get(noun) else {
            return Vec::new();
        };
        records
            .iter()
            .filter(|r| {
                let at = r.scope.as_deref().unwrap_or("");
                if !scope.is_empty() && at != scope {
                    return false;
                }
                let resource = json!({ "type": noun, "id": r.id, "scope": at, "attrs": r.attrs });
                Resource::from_json(&resource.to_string())
                    .is_ok_and(|res| session.check(action, &res).allowed())
            })
            .cloned()
            .collect()
    }

    fn create(&mut self, noun: &str, scope: &str, body: &Value) -> String {
        self.created += 1;
        let n = self.created;
        let id = format!("{}{}", noun.chars().next().unwrap_or('r'), 100 + n);
        let name = body
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("New {noun} {n}"), str::to_owned);
        let record = Record {
            id: id.clone(),
            name: name.clone(),
            status: Some("draft".into()),
            scope: (!scope.is_empty()).then(|| scope.to_owned()),
            attrs: body
                .get("attrs")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        };
        self.data
            .resources
            .entry(noun.to_owned())
            .or_default()
            .push(record);
        format!("created {noun} {id} ({name})")
    }
}

/// Flips a switch; returns its new state.
fn flip(switch: &mut bool) -> bool {
    *switch = !*switch;
    *switch
}

/// Appends to a log that keeps its last [`LOG_LEN`] entries.
fn push_bounded(log: &mut Vec<Value>, entry: Value) {
    log.push(entry);
    if log.len() > LOG_LEN {
        log.remove(0);
    }
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}
