//! The demo's data: per preset, the policy in force, the team and its audit log, the
//! product's records (campaigns, numbers, ...), the wallet and the server's activity log.
//! Everything lives in memory and starts from `www/data/<preset>.json`, the file the page
//! draws too.

use rolegate::team::{AuditEvent, Team};
use rolegate::{Attrs, GateDecision, Policy, Principal, Resource, Session, Tenant};
use serde_json::{Map, Value, json};

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

/// One preset's state.
pub(crate) struct Store {
    /// The data file as read (`team` is kept apart, in `team`).
    pub data: Value,
    /// The team, changed only through the team rules.
    pub team: Team,
    /// The audit events of the applied team changes, newest last.
    pub audit: Vec<AuditEvent>,
    /// What the API did, newest last.
    pub activity: Vec<Value>,
    /// The text of the policy in force (JSON), as the page edits it.
    pub policy_text: String,
    /// A counter for the ids of created records.
    created: u32,
}

impl Store {
    /// The store of a data file; the policy text is the preset's, exported as JSON.
    pub fn new(data_text: &str, policy: &Policy) -> Result<Store, String> {
        let mut data: Value =
            serde_json::from_str(data_text).map_err(|e| format!("demo data: {e}"))?;
        let team_value = data
            .as_object_mut()
            .and_then(|d| d.remove("team"))
            .ok_or("demo data: no `team`")?;
        let team = Team::from_json(&team_value.to_string())
            .map_err(|e| format!("demo data: team: {e}"))?;
        let policy_text = serde_json::to_string_pretty(policy.document())
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
        let mut data = self.data.clone();
        if let Some(d) = data.as_object_mut() {
            d.insert("team".into(), parse(&self.team.to_json()));
        }
        json!({
            "data": data,
            "audit": self.audit.iter().map(|e| parse(&e.to_json())).collect::<Vec<_>>(),
            "activity": self.activity,
            "policy": self.policy_text,
            "fingerprint": fingerprint,
        })
    }

    /// The tenant of the data file with the given plan and features.
    pub fn tenant(&self, plan: Option<&str>, features: &[String]) -> Tenant {
        let mut tenant = json!({ "id": self.data["tenant"]["id"].as_str().unwrap_or("tenant"), "features": features });
        if let Some(plan) = plan {
            tenant["plan"] = Value::from(plan);
        }
        Tenant::from_json(&tenant.to_string()).unwrap_or_default()
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

    /// The records of a resource type.
    fn records(&mut self, kind: &str) -> Option<&mut Vec<Value>> {
        self.data["resources"].get_mut(kind)?.as_array_mut()
    }

    /// The attributes of one record, for the gate's `origin` decisions; `None` when it does
    /// not exist.
    pub fn attrs_of(&mut self, resource: &Resource) -> Option<Attrs> {
        let kind = resource.kind.as_deref()?;
        let id = resource.id.as_deref()?;
        let record = self.records(kind)?.iter().find(|r| r["id"] == id)?;
        let attrs = record.get("attrs").cloned().unwrap_or_else(|| json!({}));
        Resource::attrs_from_json(&attrs.to_string()).ok()
    }

    /// Appends to the activity log.
    pub fn log(&mut self, entry: Value) {
        self.activity.push(entry);
        if self.activity.len() > LOG_LEN {
            self.activity.remove(0);
        }
    }

    /// Appends to the audit log.
    pub fn audit(&mut self, event: AuditEvent) {
        self.audit.push(event);
        if self.audit.len() > LOG_LEN {
            self.audit.remove(0);
        }
    }

    /// Carries out a request the gate allowed: what it changes in the data follows from its
    /// action's verb (`campaign.run` sets the campaign running, `*.delete` removes the
    /// record, `*.create` adds one, `wallet.load` adds to the balance, a toggle flips a
    /// setting), a `GET` lists the records of the route's type that the caller may see.
    /// Returns the HTTP status and the body.
    pub fn carry_out(
        &mut self,
        gate: &GateDecision,
        session: &Session,
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
        let effect = match named {
            Some((kind, id)) => {
                let last_is_param = gate
                    .route
                    .as_deref()
                    .and_then(|r| r.rsplit('/').next())
                    .is_some_and(|s| s.starts_with('{'));
                let Some(records) = self.records(&kind) else {
                    return not_found(action, &kind, &id);
                };
                let Some(index) = records.iter().position(|r| r["id"] == id.as_str()) else {
                    return not_found(action, &kind, &id);
                };
                change_record(records, index, verb, method, last_is_param, body)
            }
            None => match (method, verb) {
                ("GET", _) => {
                    let visible = self.visible(noun, action, scope, session);
                    let effect = format!("listed {} {noun} record(s)", visible.len());
                    return self.done(gate, method, effect, json!({ "items": visible }));
                }
                (_, "load") if noun == "wallet" => {
                    let amount = body["amount"].as_f64().unwrap_or(25.0);
                    let balance = self.data["wallet"]["balance"].as_f64().unwrap_or(0.0) + amount;
                    self.data["wallet"]["balance"] = json!(balance);
                    format!("loaded {amount} into the wallet (balance {balance})")
                }
                ("POST", "create" | "purchase" | "upload") => self.create(noun, scope, body),
                (_, v) if v.starts_with("toggle") => {
                    let key = v.trim_start_matches("toggle_").to_owned();
                    let target = if self.data["wallet"].get(&key).is_some() {
                        &mut self.data["wallet"][&key]
                    } else {
                        &mut self.data["settings"][action]
                    };
                    let on = !target.as_bool().unwrap_or(false);
                    *target = Value::Bool(on);
                    format!("{action}: {}", if on { "on" } else { "off" })
                }
                _ => format!("{action}: done"),
            },
        };
        self.done(gate, method, effect, Value::Null)
    }

    fn done(
        &mut self,
        gate: &GateDecision,
        method: &str,
        effect: String,
        extra: Value,
    ) -> (u16, Value) {
        let entry = json!({
            "method": method,
            "route": gate.route.as_deref(),
            "action": gate.action.as_deref(),
            "effect": effect,
        });
        self.log(entry.clone());
        let mut body = entry;
        if let (Some(b), Value::Object(extra)) = (body.as_object_mut(), extra) {
            b.extend(extra);
        }
        (200, body)
    }

    /// The records of type `noun` in `scope` (or all scopes) on which `action` is allowed.
    fn visible(&mut self, noun: &str, action: &str, scope: &str, session: &Session) -> Vec<Value> {
        let Some(records) = self.records(noun) else {
            return Vec::new();
        };
        records
            .iter()
            .filter(|r| {
                let at = r["scope"].as_str().unwrap_or("");
                if !scope.is_empty() && at != scope {
                    return false;
                }
                let resource = json!({ "type": noun, "id": r["id"], "scope": at, "attrs": r.get("attrs").cloned().unwrap_or_else(|| json!({})) });
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
        let name = body["name"]
            .as_str()
            .map_or_else(|| format!("New {noun} {n}"), str::to_owned);
        let mut record = Map::new();
        record.insert("id".into(), Value::from(id.clone()));
        record.insert("name".into(), Value::from(name.clone()));
        record.insert("status".into(), Value::from("draft"));
        if !scope.is_empty() {
            record.insert("scope".into(), Value::from(scope));
        }
        if let Some(attrs) = body.get("attrs").filter(|a| a.is_object()) {
            record.insert("attrs".into(), attrs.clone());
        }
        let resources = &mut self.data["resources"];
        if !resources.is_object() {
            *resources = json!({});
        }
        match resources[noun].as_array_mut() {
            Some(list) => list.push(Value::Object(record)),
            None => resources[noun] = json!([Value::Object(record)]),
        }
        format!("created {noun} {id} ({name})")
    }
}

/// Changes one record by the verb of the action.
fn change_record(
    records: &mut Vec<Value>,
    index: usize,
    verb: &str,
    method: &str,
    last_is_param: bool,
    body: &Value,
) -> String {
    let id = records[index]["id"].as_str().unwrap_or("").to_owned();
    let status = |s: &str| Value::from(s);
    match (method, verb) {
        ("DELETE", "delete" | "remove" | "manage") if last_is_param => {
            records.remove(index);
            format!("deleted {id}")
        }
        (_, "run" | "launch" | "resume") => {
            records[index]["status"] = status("running");
            format!("{id} is running")
        }
        (_, "stop") => {
            records[index]["status"] = status("stopped");
            format!("{id} stopped")
        }
        (_, "pause") => {
            records[index]["status"] = status("paused");
            format!("{id} paused")
        }
        ("DELETE", "unassign" | "assign") => {
            if let Some(attrs) = records[index]["attrs"].as_object_mut() {
                attrs.remove("assignee");
            }
            format!("{id} unassigned")
        }
        (_, "assign") => {
            let to = body["assignee"].as_str().unwrap_or("").to_owned();
            if !records[index]["attrs"].is_object() {
                records[index]["attrs"] = serde_json::json!({});
            }
            records[index]["attrs"]["assignee"] = Value::from(to.clone());
            format!("{id} assigned to {to}")
        }
        ("GET", _) => format!("read {id}"),
        _ => {
            if let Some(name) = body["name"].as_str() {
                records[index]["name"] = Value::from(name);
            }
            format!("updated {id}")
        }
    }
}

fn not_found(action: &str, kind: &str, id: &str) -> (u16, Value) {
    (
        404,
        json!({ "reason": "not_found", "action": action, "message": format!("no {kind} `{id}`") }),
    )
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}
