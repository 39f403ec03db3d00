//! Building the policy model from a document tree, with every structural error reported
//! (unknown and missing fields, wrong types and values), each at its path.

use super::model::{
    ActionDoc, AttrType, AttributesDoc, Document, FeatureDoc, ManageDoc, NamedMap, PlanDoc,
    RoleDoc, RuleDoc, RuleEffect, ScopeLevelDoc, TeamDoc, TeamLintDoc, TransferDoc,
};
use super::tree::{self, Entry, Kind, Node};
use crate::error::{Diagnostic, DocPath, ErrorCode, InputError, InputErrorCode};

/// Collects the errors of one reading.
#[derive(Default)]
pub(crate) struct Reader {
    pub errors: Vec<Diagnostic>,
    /// Offsets of the nodes the errors point at, parallel to `errors`.
    pub offsets: Vec<usize>,
}

/// A table being read: which keys were taken.
pub(crate) struct Table<'a> {
    entries: &'a [Entry],
    path: DocPath,
    start: usize,
    taken: Vec<bool>,
}

impl<'a> Table<'a> {
    /// The first entry with this key, marked as read.
    pub fn take(&mut self, key: &str) -> Option<&'a Node> {
        let index = self.entries.iter().position(|e| e.key == key)?;
        if let Some(t) = self.taken.get_mut(index) {
            *t = true;
        }
        self.entries.get(index).map(|e| &e.value)
    }

    /// The path of an entry of this table.
    pub fn path(&self, key: &str) -> DocPath {
        self.path.key(key)
    }

    /// Every entry, all marked as read.
    pub fn entries(&mut self) -> impl Iterator<Item = (&'a str, &'a Node)> + use<'a> {
        self.taken.iter_mut().for_each(|t| *t = true);
        self.entries.iter().map(|e| (e.key.as_str(), &e.value))
    }
}

impl Reader {
    /// Reads a value given at run time (a principal, a team) from JSON text, as a tree;
    /// a syntax error is a `bad_input` error at `what`.
    pub fn parse_input(text: &str, what: &str) -> Result<Node, InputError> {
        tree::parse_json(text).map_err(|e| {
            InputError::new(
                InputErrorCode::BadInput,
                DocPath::root().key(what),
                format!(
                    "{what} is not valid JSON: {} (at byte {})",
                    e.message, e.offset
                ),
            )
        })
    }

    /// `value`, or the first error found while reading it, as a `bad_input` error.
    pub fn into_input<T>(self, value: T) -> Result<T, InputError> {
        match self.errors.into_iter().next() {
            Some(Diagnostic { path, message, .. }) => {
                Err(InputError::new(InputErrorCode::BadInput, path, message))
            }
            None => Ok(value),
        }
    }

    pub fn error(&mut self, code: ErrorCode, path: DocPath, offset: usize, message: String) {
        self.errors.push(Diagnostic::error(code, path, message));
        self.offsets.push(offset);
    }

    pub fn bad_type(&mut self, node: &Node, path: DocPath, expected: &str) {
        self.error(
            ErrorCode::BadType,
            path,
            node.start,
            format!("expected {expected}, found {}", node.kind.describe()),
        );
    }

    /// Starts reading a table.
    pub fn table<'a>(&mut self, node: &'a Node, path: &DocPath, what: &str) -> Option<Table<'a>> {
        match &node.kind {
            Kind::Table(entries) => Some(Table {
                entries,
                path: path.clone(),
                start: node.start,
                taken: vec![false; entries.len()],
            }),
            _ => {
                self.bad_type(node, path.clone(), what);
                None
            }
        }
    }

    /// Ends reading a table: reports repeated and unknown fields.
    pub fn finish(&mut self, table: Table<'_>, fields: &[&str]) {
        let mut seen: Vec<&str> = Vec::new();
        for (entry, taken) in table.entries.iter().zip(&table.taken) {
            let path = table.path.key(&entry.key);
            if seen.contains(&entry.key.as_str()) {
                self.error(
                    ErrorCode::DuplicateName,
                    path,
                    entry.key_start,
                    format!("field `{}` is given twice", entry.key),
                );
                continue;
            }
            seen.push(&entry.key);
            if !taken {
                let expected = fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.error(
                    ErrorCode::UnknownField,
                    path,
                    entry.key_start,
                    format!("unknown field `{}`, expected one of {expected}", entry.key),
                );
            }
        }
    }

    /// A required field.
    pub fn required<'a>(&mut self, table: &mut Table<'a>, key: &str) -> Option<&'a Node> {
        let node = table.take(key);
        if node.is_none() {
            self.error(
                ErrorCode::MissingField,
                table.path.clone(),
                table.start,
                format!("missing field `{key}`"),
            );
        }
        node
    }

    pub fn string(&mut self, node: &Node, path: DocPath) -> Option<String> {
        match &node.kind {
            Kind::String(s) => Some(s.clone()),
            _ => {
                self.bad_type(node, path, "a string");
                None
            }
        }
    }

    pub fn opt_string(&mut self, table: &mut Table<'_>, key: &str) -> Option<String> {
        let node = table.take(key)?;
        self.string(node, table.path(key))
    }

    pub fn bool(&mut self, table: &mut Table<'_>, key: &str) -> bool {
        match table.take(key) {
            None => false,
            Some(Node {
                kind: Kind::Bool(b),
                ..
            }) => *b,
            Some(node) => {
                self.bad_type(node, table.path(key), "`true` or `false`");
                false
            }
        }
    }

    pub fn strings(&mut self, table: &mut Table<'_>, key: &str) -> Vec<String> {
        match table.take(key) {
            Some(node) => self.string_list(node, table.path(key)),
            None => Vec::new(),
        }
    }

    pub fn string_list(&mut self, node: &Node, path: DocPath) -> Vec<String> {
        match &node.kind {
            Kind::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.string(item, path.index(i)))
                .collect(),
            _ => {
                self.bad_type(node, path, "a list of strings");
                Vec::new()
            }
        }
    }

    /// A table keyed by name, every entry read by `read`.
    pub fn named<T>(
        &mut self,
        table: &mut Table<'_>,
        key: &str,
        read: fn(&mut Reader, &Node, &DocPath) -> Option<T>,
    ) -> NamedMap<T> {
        let mut out = NamedMap::default();
        self.each_named(table, key, &mut |r, name, node, path| {
            if let Some(value) = read(r, node, path) {
                out.0.push((name.to_owned(), value));
            }
        });
        out
    }

    /// The entries of the table at `key`, one by one (not generic, so that the reading of
    /// every kind of table shares this code).
    fn each_named(
        &mut self,
        table: &mut Table<'_>,
        key: &str,
        each: &mut dyn FnMut(&mut Reader, &str, &Node, &DocPath),
    ) {
        let Some(node) = table.take(key) else {
            return;
        };
        let path = table.path(key);
        let Some(inner) = self.table(node, &path, "a table keyed by name") else {
            return;
        };
        for entry in inner.entries {
            each(self, &entry.key, &entry.value, &path.key(&entry.key));
        }
    }
}

fn attr_type(r: &mut Reader, node: &Node, path: &DocPath) -> Option<AttrType> {
    let text = r.string(node, path.clone())?;
    let ty = match text.as_str() {
        "string" => AttrType::String,
        "number" => AttrType::Number,
        "bool" => AttrType::Bool,
        "string[]" => AttrType::StringList,
        "number[]" => AttrType::NumberList,
        _ => {
            r.error(
                ErrorCode::BadValue,
                path.clone(),
                node.start,
                format!(
                    "`{text}` is not an attribute type: expected one of `string`, `number`, `bool`, `string[]`, `number[]`"
                ),
            );
            return None;
        }
    };
    Some(ty)
}

fn scope_level(r: &mut Reader, node: &Node, path: &DocPath) -> Option<ScopeLevelDoc> {
    let mut t = r.table(node, path, "a scope level table")?;
    let doc = ScopeLevelDoc {
        parent: r.opt_string(&mut t, "parent"),
        label: r.opt_string(&mut t, "label"),
    };
    r.finish(t, &["parent", "label"]);
    Some(doc)
}

fn feature(r: &mut Reader, node: &Node, path: &DocPath) -> Option<FeatureDoc> {
    let mut t = r.table(node, path, "a feature table")?;
    let doc = FeatureDoc {
        label: r.opt_string(&mut t, "label"),
        hint: r.opt_string(&mut t, "hint"),
    };
    r.finish(t, &["label", "hint"]);
    Some(doc)
}

fn plan(r: &mut Reader, node: &Node, path: &DocPath) -> Option<PlanDoc> {
    let mut t = r.table(node, path, "a plan table")?;
    let doc = PlanDoc {
        label: r.opt_string(&mut t, "label"),
        features: r.strings(&mut t, "features"),
        limits: r.named(&mut t, "limits", count),
    };
    r.finish(t, &["label", "features", "limits"]);
    Some(doc)
}

fn action(r: &mut Reader, node: &Node, path: &DocPath) -> Option<ActionDoc> {
    let mut t = r.table(node, path, "an action table")?;
    let scope = r
        .required(&mut t, "scope")
        .and_then(|n| r.string(n, path.key("scope")));
    let doc = ActionDoc {
        scope: scope.unwrap_or_default(),
        label: r.opt_string(&mut t, "label"),
        group: r.opt_string(&mut t, "group"),
        tags: r.strings(&mut t, "tags"),
        feature: r.opt_string(&mut t, "feature"),
        plans: r.strings(&mut t, "plans"),
        hint: r.opt_string(&mut t, "hint"),
    };
    r.finish(
        t,
        &[
            "scope", "label", "group", "tags", "feature", "plans", "hint",
        ],
    );
    Some(doc)
}

fn role(r: &mut Reader, node: &Node, path: &DocPath) -> Option<RoleDoc> {
    let mut t = r.table(node, path, "a role table")?;
    let scope = r
        .required(&mut t, "scope")
        .and_then(|n| r.string(n, path.key("scope")));
    let doc = RoleDoc {
        scope: scope.unwrap_or_default(),
        label: r.opt_string(&mut t, "label"),
        description: r.opt_string(&mut t, "description"),
        cascade: r.bool(&mut t, "cascade"),
        includes: r.strings(&mut t, "includes"),
        allow: r.strings(&mut t, "allow"),
    };
    r.finish(
        t,
        &[
            "scope",
            "label",
            "description",
            "cascade",
            "includes",
            "allow",
        ],
    );
    Some(doc)
}

fn rule(r: &mut Reader, node: &Node, path: &DocPath) -> Option<RuleDoc> {
    let mut t = r.table(node, path, "a rule table")?;
    let effect = r.required(&mut t, "effect").and_then(|n| {
        let text = r.string(n, path.key("effect"))?;
        match text.as_str() {
            "allow" => Some(RuleEffect::Allow),
            "deny" => Some(RuleEffect::Deny),
            _ => {
                r.error(
                    ErrorCode::BadValue,
                    path.key("effect"),
                    n.start,
                    format!("`{text}` is not a rule effect: expected `allow` or `deny`"),
                );
                None
            }
        }
    });
    let roles = match r.required(&mut t, "roles") {
        Some(n) => r.string_list(n, path.key("roles")),
        None => Vec::new(),
    };
    let actions = match r.required(&mut t, "actions") {
        Some(n) => r.string_list(n, path.key("actions")),
        None => Vec::new(),
    };
    let when = r.opt_string(&mut t, "when");
    let description = r.opt_string(&mut t, "description");
    r.finish(t, &["effect", "roles", "actions", "when", "description"]);
    Some(RuleDoc {
        effect: effect.unwrap_or(RuleEffect::Deny),
        roles,
        actions,
        when,
        description,
    })
}

fn count(r: &mut Reader, node: &Node, path: &DocPath) -> Option<u32> {
    match &node.kind {
        Kind::Integer(n) => match u32::try_from(*n) {
            Ok(n) => Some(n),
            Err(_) => {
                r.error(
                    ErrorCode::BadValue,
                    path.clone(),
                    node.start,
                    format!("`{n}` is not a count: expected a whole number from 0"),
                );
                None
            }
        },
        _ => {
            r.bad_type(node, path.clone(), "a whole number");
            None
        }
    }
}

fn opt_count(r: &mut Reader, t: &mut Table<'_>, key: &str) -> Option<u32> {
    let node = t.take(key)?;
    count(r, node, &t.path(key))
}

fn manage(r: &mut Reader, node: &Node, path: &DocPath) -> Option<ManageDoc> {
    let mut t = r.table(node, path, "a table of what a role may manage")?;
    let doc = ManageDoc {
        assign: r.strings(&mut t, "assign"),
        remove: r.strings(&mut t, "remove"),
        scopes: r.bool(&mut t, "scopes"),
    };
    r.finish(t, &["assign", "remove", "scopes"]);
    Some(doc)
}

fn team(r: &mut Reader, node: &Node, path: &DocPath) -> Option<TeamDoc> {
    let mut t = r.table(node, path, "a team table")?;
    let transfer = match t.take("transfer") {
        None => None,
        Some(n) => {
            let p = path.key("transfer");
            let mut tt = r.table(n, &p, "a transfer table")?;
            let role = r
                .required(&mut tt, "role")
                .and_then(|n| r.string(n, p.key("role")));
            let to = match r.required(&mut tt, "to") {
                Some(n) => r.string_list(n, p.key("to")),
                None => Vec::new(),
            };
            let previous = r
                .required(&mut tt, "previous")
                .and_then(|n| r.string(n, p.key("previous")));
            r.finish(tt, &["role", "to", "previous"]);
            Some(TransferDoc {
                role: role.unwrap_or_default(),
                to,
                previous: previous.unwrap_or_default(),
            })
        }
    };
    let require_org_member = t.take("require_org_member").and_then(|n| match n.kind {
        Kind::Bool(b) => Some(b),
        _ => {
            r.bad_type(n, path.key("require_org_member"), "`true` or `false`");
            None
        }
    });
    let lint = match t.take("lint") {
        None => TeamLintDoc::default(),
        Some(n) => {
            let p = path.key("lint");
            let mut lt = r.table(n, &p, "a lint table")?;
            let doc = TeamLintDoc {
                admin_roles: r.strings(&mut lt, "admin_roles"),
                min_admins: opt_count(r, &mut lt, "min_admins"),
                max_admins: opt_count(r, &mut lt, "max_admins"),
                reviewer_roles: r.strings(&mut lt, "reviewer_roles"),
                inactive_days: opt_count(r, &mut lt, "inactive_days"),
                scope_owner_roles: r.named(&mut lt, "scope_owner_roles", |r, n, p| {
                    Some(r.string_list(n, p.clone()))
                }),
            };
            r.finish(
                lt,
                &[
                    "admin_roles",
                    "min_admins",
                    "max_admins",
                    "reviewer_roles",
                    "inactive_days",
                    "scope_owner_roles",
                ],
            );
            doc
        }
    };
    let doc = TeamDoc {
        unique: r.strings(&mut t, "unique"),
        protected: r.strings(&mut t, "protected"),
        manage: r.named(&mut t, "manage", manage),
        transfer,
        require_org_member,
        lint,
    };
    r.finish(
        t,
        &[
            "unique",
            "protected",
            "manage",
            "transfer",
            "require_org_member",
            "lint",
        ],
    );
    Some(doc)
}

fn attributes(r: &mut Reader, node: &Node, path: &DocPath) -> Option<AttributesDoc> {
    let mut t = r.table(node, path, "an attributes table")?;
    let doc = AttributesDoc {
        principal: r.named(&mut t, "principal", attr_type),
        resource: r.named(&mut t, "resource", attr_type),
        tenant: r.named(&mut t, "tenant", attr_type),
    };
    r.finish(t, &["principal", "resource", "tenant"]);
    Some(doc)
}

/// Builds the model from a tree. All structural errors are reported, each with the
/// offset of the node it points at (for line and column).
pub(crate) fn document(node: &Node) -> Result<Document, (Vec<Diagnostic>, Vec<usize>)> {
    let mut r = Reader::default();
    let root = DocPath::root();
    let Some(mut t) = r.table(node, &root, "a policy document (a table)") else {
        return Err((r.errors, r.offsets));
    };
    let version = match r.required(&mut t, "version") {
        None => 0,
        Some(Node {
            kind: Kind::Integer(n),
            start,
        }) => u32::try_from(*n).unwrap_or_else(|_| {
            r.error(
                ErrorCode::BadValue,
                root.key("version"),
                *start,
                format!("version `{n}` is out of range"),
            );
            0
        }),
        Some(other) => {
            r.bad_type(other, root.key("version"), "an integer");
            0
        }
    };
    let name = r.opt_string(&mut t, "name");
    let description = r.opt_string(&mut t, "description");
    let scopes = r.named(&mut t, "scopes", scope_level);
    let features = r.named(&mut t, "features", feature);
    let plans = r.named(&mut t, "plans", plan);
    let attributes = match t.take("attributes") {
        Some(n) => attributes(&mut r, n, &root.key("attributes")).unwrap_or_default(),
        None => AttributesDoc::default(),
    };
    let actions = r.named(&mut t, "actions", action);
    let roles = r.named(&mut t, "roles", role);
    let rules = r.named(&mut t, "rules", rule);
    let team = match t.take("team") {
        Some(n) => team(&mut r, n, &root.key("team")).unwrap_or_default(),
        None => TeamDoc::default(),
    };
    r.finish(
        t,
        &[
            "version",
            "name",
            "description",
            "scopes",
            "features",
            "plans",
            "attributes",
            "actions",
            "roles",
            "rules",
            "team",
        ],
    );
    if !r.errors.is_empty() {
        return Err((r.errors, r.offsets));
    }
    Ok(Document {
        version,
        name,
        description,
        scopes,
        features,
        plans,
        attributes,
        actions,
        roles,
        rules,
        team,
    })
}
