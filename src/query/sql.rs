//! A query plan as a parameterized SQL `WHERE` fragment, for PostgreSQL (`$1`) and SQLite
//! (`?`). Every value goes into the parameters; the text holds only column names (checked
//! identifiers from the column map), placeholders and SQL keywords.

use super::{Outcome, QueryPlan, Residual};
use crate::error::{DocPath, InputError, InputErrorCode, codes, escape_controls};
use crate::json::read::Reader;
use crate::value::Value;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write;

/// The SQL dialect of a fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL: `$1` placeholders, list columns as arrays (`= ANY(col)`), `starts_with`.
    Postgres,
    /// SQLite: `?` placeholders, list columns as JSON arrays (`json_each`), booleans as
    /// 1 and 0.
    Sqlite,
}

impl Dialect {
    /// `postgres` (or `postgresql`) or `sqlite`.
    pub fn from_name(name: &str) -> Option<Dialect> {
        match name {
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            "sqlite" => Some(Dialect::Sqlite),
            _ => None,
        }
    }
}

/// Where a table keeps what a plan reads: the column of each resource attribute, of the
/// resource's scope (its canonical text, `workspace:w1/project:p7`, the root as the root
/// level's name) and of the scope's level name (needed only by plans over a scope tree
/// with several branches).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    /// The column holding the resource's scope.
    pub scope: Option<String>,
    /// The column holding the level name of the resource's scope.
    pub scope_level: Option<String>,
    /// Resource attribute name (`id` included) -> column.
    pub attributes: BTreeMap<String, String>,
}

/// Whether `name` is a column name the fragment may hold: `name` or `table.name`, each
/// part `[A-Za-z_][A-Za-z0-9_]*`.
fn is_column(name: &str) -> bool {
    let part = |p: &str| {
        p.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let mut parts = name.split('.');
    let ok = parts.next().is_some_and(part);
    match (parts.next(), parts.next()) {
        (None, _) => ok,
        (Some(second), None) => ok && part(second),
        _ => false,
    }
}

impl Columns {
    /// Reads a column map: `{ "scope": "scope", "scope_level": "scope_level",
    /// "attributes": { "assignee": "assignee_id" } }`. Errors are `bad_input`, at the field.
    pub fn from_json(text: &str) -> Result<Columns, InputError> {
        let node = Reader::parse_input(text, "columns")?;
        let mut r = Reader::default();
        let root = DocPath::root().key("columns");
        let mut columns = Columns::default();
        if let Some(mut table) = r.table(&node, &root, "an object") {
            columns.scope = r.nullable_string(&mut table, "scope");
            columns.scope_level = r.nullable_string(&mut table, "scope_level");
            let mut seen = Vec::new();
            r.each_named(&mut table, "attributes", &mut |r, name, node, path| {
                if seen.iter().any(|s| s == name) {
                    r.error(
                        crate::error::ErrorCode::DuplicateName,
                        path.clone(),
                        node.start,
                        format!("attribute `{name}` is given twice"),
                    );
                }
                seen.push(name.to_owned());
                if let Some(column) = r.string(node, path.clone()) {
                    columns.attributes.insert(name.to_owned(), column);
                }
            });
            r.finish(table, &["scope", "scope_level", "attributes"]);
        }
        let columns = r.into_input(columns)?;
        let named = [
            ("scope", &columns.scope),
            ("scope_level", &columns.scope_level),
        ];
        let bad = named
            .iter()
            .filter_map(|(key, c)| c.as_deref().map(|c| (root.key(key), c)))
            .chain(
                columns
                    .attributes
                    .iter()
                    .map(|(a, c)| (root.key("attributes").key(a), c.as_str())),
            )
            .find(|(_, c)| !is_column(c));
        match bad {
            Some((path, column)) => Err(InputError::new(
                InputErrorCode::BadInput,
                path,
                format!(
                    "`{column}` is not a column name: write `name` or `table.name`, of letters, digits and `_`"
                ),
            )),
            None => Ok(columns),
        }
    }
}

codes! {
    /// Why a plan could not be translated. The codes are stable.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum TranslateErrorCode {
        /// The plan reads a resource attribute that the column map does not map.
        UnmappedAttribute = "unmapped_attribute",
        /// The plan reads the resource's scope (or its level), and the column map gives no
        /// column for it.
        UnmappedScope = "unmapped_scope",
        /// The plan compares in a way the target cannot express (a list attribute with a
        /// whole list).
        Unsupported = "unsupported",
    }
}

/// A plan that cannot be translated: the code, the path into the plan's JSON
/// (`condition.args[1].attr`) and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranslateError {
    /// The stable code.
    pub code: TranslateErrorCode,
    /// Where in the plan.
    pub path: DocPath,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TranslateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}] at {}: {}", self.code, self.path, self.message)
    }
}

impl std::error::Error for TranslateError {}

fn error(code: TranslateErrorCode, path: DocPath, message: String) -> TranslateError {
    TranslateError {
        code,
        path,
        message: escape_controls(message),
    }
}

/// A `WHERE` fragment and its parameters, in placeholder order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SqlWhere {
    /// The fragment (no `WHERE` keyword): `(assignee IS NOT NULL AND assignee = $1)`.
    pub sql: String,
    /// The values of the placeholders: strings, numbers and (for PostgreSQL) booleans.
    pub params: Vec<Value>,
}

struct Writer<'a> {
    dialect: Dialect,
    columns: &'a Columns,
    sql: String,
    params: Vec<Value>,
}

impl Writer<'_> {
    /// Appends a placeholder for `value`.
    fn param(&mut self, value: &Value) {
        let value = match (self.dialect, value) {
            (Dialect::Sqlite, Value::Bool(b)) => Value::Number(if *b { 1.0 } else { 0.0 }),
            _ => value.clone(),
        };
        self.params.push(value);
        match self.dialect {
            Dialect::Postgres => {
                let _ = write!(self.sql, "${}", self.params.len());
            }
            Dialect::Sqlite => self.sql.push('?'),
        }
    }

    fn attr(&self, name: &str, path: DocPath) -> Result<String, TranslateError> {
        self.columns.attributes.get(name).cloned().ok_or_else(|| {
            error(
                TranslateErrorCode::UnmappedAttribute,
                path,
                format!("resource attribute `{name}` has no column in the column map"),
            )
        })
    }

    fn scope(&self, path: DocPath) -> Result<String, TranslateError> {
        self.columns.scope.clone().ok_or_else(|| {
            error(
                TranslateErrorCode::UnmappedScope,
                path,
                "the plan reads the resource's scope, and the column map has no `scope` column"
                    .into(),
            )
        })
    }

    /// A scalar value to compare a column with.
    fn scalar<'v>(&self, value: &'v Value, path: DocPath) -> Result<&'v Value, TranslateError> {
        match value {
            Value::List(_) | Value::Null => Err(error(
                TranslateErrorCode::Unsupported,
                path,
                format!("comparing a column with `{value}` has no SQL translation"),
            )),
            _ => Ok(value),
        }
    }

    /// `list` (a list column) holds what `push` writes.
    fn holds(&mut self, list: &str, push: impl FnOnce(&mut Self)) {
        match self.dialect {
            Dialect::Postgres => {
                self.sql.push_str("COALESCE(");
                push(self);
                let _ = write!(self.sql, " = ANY({list}), FALSE)");
            }
            Dialect::Sqlite => {
                let _ = write!(
                    self.sql,
                    "EXISTS (SELECT 1 FROM json_each({list}) WHERE json_each.value = "
                );
                push(self);
                self.sql.push(')');
            }
        }
    }

    /// The scope column starts with the text of `prefix`.
    fn starts_with(&mut self, column: &str, prefix: &Value) {
        match self.dialect {
            Dialect::Postgres => {
                let _ = write!(self.sql, "starts_with({column}, ");
                self.param(prefix);
                self.sql.push(')');
            }
            Dialect::Sqlite => {
                // Not LIKE: SQLite's LIKE ignores the case of ASCII letters.
                let _ = write!(self.sql, "substr({column}, 1, length(");
                self.param(prefix);
                self.sql.push_str(")) = ");
                self.param(prefix);
            }
        }
    }

    fn write(&mut self, c: &Residual, path: &DocPath) -> Result<(), TranslateError> {
        match c {
            Residual::And { args } | Residual::Or { args } => {
                let op = if matches!(c, Residual::And { .. }) {
                    " AND "
                } else {
                    " OR "
                };
                self.sql.push('(');
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        self.sql.push_str(op);
                    }
                    self.write(arg, &path.key("args").index(i))?;
                }
                self.sql.push(')');
            }
            Residual::Not { arg } => {
                // Every atom is true or false, never NULL: NOT is safe.
                self.sql.push_str("NOT ");
                self.write(arg, &path.key("arg"))?;
            }
            Residual::Present { attr } => {
                let column = self.attr(attr, path.key("attr"))?;
                let _ = write!(self.sql, "{column} IS NOT NULL");
            }
            Residual::Eq { attr, value } => {
                let column = self.attr(attr, path.key("attr"))?;
                let value = self.scalar(value, path.key("value"))?;
                let _ = write!(self.sql, "({column} IS NOT NULL AND {column} = ");
                self.param(value);
                self.sql.push(')');
            }
            Residual::In { attr, values } => {
                let column = self.attr(attr, path.key("attr"))?;
                let _ = write!(self.sql, "({column} IS NOT NULL AND {column} IN (");
                for (i, value) in values.iter().enumerate() {
                    let value = self.scalar(value, path.key("values").index(i))?;
                    if i > 0 {
                        self.sql.push_str(", ");
                    }
                    self.param(value);
                }
                self.sql.push_str("))");
            }
            Residual::Contains { attr, value } => {
                let column = self.attr(attr, path.key("attr"))?;
                let value = self.scalar(value, path.key("value"))?;
                self.holds(&column, |w| w.param(value));
            }
            Residual::EqAttr { attr, other } => {
                let a = self.attr(attr, path.key("attr"))?;
                let b = self.attr(other, path.key("other"))?;
                let _ = write!(
                    self.sql,
                    "({a} IS NOT NULL AND {b} IS NOT NULL AND {a} = {b})"
                );
            }
            Residual::InAttr { attr, list } => {
                let a = self.attr(attr, path.key("attr"))?;
                let l = self.attr(list, path.key("list"))?;
                let _ = write!(self.sql, "({a} IS NOT NULL AND ");
                self.holds(&l, |w| w.sql.push_str(&a));
                self.sql.push(')');
            }
            Residual::ScopeIn { scope } => {
                let column = self.scope(path.key("scope"))?;
                let _ = write!(self.sql, "({column} = ");
                self.param(&Value::String(scope.clone()));
                self.sql.push_str(" OR ");
                self.starts_with(&column, &Value::String(format!("{scope}/")));
                self.sql.push(')');
            }
            Residual::ScopeIs { scope } => {
                let column = self.scope(path.key("scope"))?;
                let _ = write!(self.sql, "{column} IN (");
                self.param(&Value::String(scope.clone()));
                // The root may be stored as the empty scope too.
                if !scope.contains(':') {
                    self.sql.push_str(", ");
                    self.param(&Value::String(String::new()));
                }
                self.sql.push(')');
            }
            Residual::ScopeLevel { levels } => {
                let column = self.columns.scope_level.clone().ok_or_else(|| {
                    error(
                        TranslateErrorCode::UnmappedScope,
                        path.key("levels"),
                        "the plan reads the level of the resource's scope (the scope tree has several branches), and the column map has no `scope_level` column".into(),
                    )
                })?;
                let _ = write!(self.sql, "{column} IN (");
                for (i, level) in levels.iter().enumerate() {
                    if i > 0 {
                        self.sql.push_str(", ");
                    }
                    self.param(&Value::String(level.clone()));
                }
                self.sql.push(')');
            }
        }
        Ok(())
    }
}

impl QueryPlan {
    /// The plan as a `WHERE` fragment over a table of the plan's resource type, whose
    /// columns `columns` names: the plan's condition, and the plan's scope when it is not
    /// the tenant (so that rows of other scopes are never returned). `(1 = 1)` when every
    /// row is allowed, `(1 = 0)` when none is. An attribute or scope that the plan reads
    /// and the map does not name is an error, never a silent `true`.
    pub fn to_sql(&self, columns: &Columns, dialect: Dialect) -> Result<SqlWhere, TranslateError> {
        let mut w = Writer {
            dialect,
            columns,
            sql: String::new(),
            params: Vec::new(),
        };
        let within = (self.scope != self.root).then(|| Residual::ScopeIn {
            scope: self.scope.clone(),
        });
        if let Some(within) = &within {
            w.sql.push('(');
            w.write(within, &DocPath::root())?;
            w.sql.push_str(" AND ");
        }
        match &self.outcome {
            Outcome::AllowAll => w.sql.push_str("(1 = 1)"),
            Outcome::DenyAll { .. } => w.sql.push_str("(1 = 0)"),
            Outcome::Conditional(c) => w.write(c, &DocPath::root().key("condition"))?,
        }
        if within.is_some() {
            w.sql.push(')');
        }
        Ok(SqlWhere {
            sql: w.sql,
            params: w.params,
        })
    }
}
