//! The routes pass: the `routes` section becomes a segment tree that maps a request's method
//! and path to the route it asks for.
//!
//! Each key is a pattern, `"METHOD /literal/{param}"`; its value names the action, a scope
//! template over the pattern's parameters (`workspace:{workspace}`), and optionally the
//! resource's type and an id template. The pass checks every part (codes `bad_route`,
//! `unknown_param`, `unknown_action`, `bad_scope_level`, `bad_name`, `route_conflict`) and
//! builds one tree for all methods: a node per path segment, literal children before the
//! parameter child, the route at the node where its pattern ends, one per method. Matching
//! (in `gate/`) walks the tree, trying the literal child first and the parameter child
//! when the literal branch does not end in a route for the method.

use super::catalog::Catalog;
use super::context::{Context, NAME_RULE, is_name};
use super::levels::LevelTree;
use super::{ActionId, LevelId};
use crate::document::RouteDoc;
use crate::error::{DocPath, ErrorCode};
use std::sync::Arc;

/// The methods a route can name. `HEAD` requests are matched as `GET`.
pub const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Most segments a pattern may have; requests with more never match.
pub const MAX_SEGMENTS: usize = 32;

/// A text with `{param}` placeholders, the parameters resolved to their index in the
/// pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template(pub Vec<Piece>);

/// A part of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Text copied as it is.
    Text(Box<str>),
    /// The value of the pattern's parameter with this index.
    Param(usize),
}

impl Template {
    /// The text with each parameter replaced by its value.
    pub fn render(&self, values: &[String]) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Param(i) => out.push_str(values.get(*i).map_or("", String::as_str)),
            }
        }
        out
    }
}

/// A compiled route.
#[derive(Debug, Clone)]
pub struct Route {
    /// The pattern as written: `GET /api/workspaces/{workspace}/campaigns`.
    pub pattern: Arc<str>,
    /// Index into [`METHODS`].
    pub(crate) method: usize,
    /// The action the request needs.
    pub action: ActionId,
    /// The pattern's parameter names, in path order.
    pub params: Vec<Arc<str>>,
    /// The scope: one template per level below the root, outermost first (empty for the
    /// tenant).
    pub(crate) scope: Vec<(LevelId, Template)>,
    /// The resource's type.
    pub resource: Option<Arc<str>>,
    /// The resource's id.
    pub(crate) id: Option<Template>,
}

impl Route {
    /// The scope template as text (`workspace:{workspace}/project:{project}`), given the
    /// policy's levels; `None` for the tenant.
    pub fn scope_template(&self, levels: &[super::Level]) -> Option<String> {
        let parts: Vec<String> = self
            .scope
            .iter()
            .map(|(level, t)| {
                let name = levels.get(*level).map_or("", |l| &*l.name);
                format!("{name}:{}", self.template_text(t))
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    /// The resource id template as text (`{campaign}`).
    pub fn id_template(&self) -> Option<String> {
        self.id.as_ref().map(|t| self.template_text(t))
    }

    fn template_text(&self, t: &Template) -> String {
        let names: Vec<String> = self.params.iter().map(|p| format!("{{{p}}}")).collect();
        t.render(&names)
    }

    /// The method the route answers (`HEAD` requests come as `GET`).
    pub fn method(&self) -> &'static str {
        METHODS.get(self.method).copied().unwrap_or("")
    }
}

/// A node of the segment tree.
#[derive(Debug, Clone, Default)]
pub(crate) struct Node {
    /// Literal children, sorted by text for binary search.
    pub literals: Vec<(Box<str>, usize)>,
    /// The parameter child.
    pub param: Option<usize>,
    /// The route that ends here, by method.
    pub routes: [Option<usize>; METHODS.len()],
}

/// The compiled route table: the routes in document order and their segment tree.
#[derive(Debug, Clone, Default)]
pub(crate) struct RouteTable {
    pub routes: Vec<Route>,
    /// Node 0 is the root (the path `/`).
    pub nodes: Vec<Node>,
}

/// A segment of a pattern.
enum Segment<'a> {
    Literal(&'a str),
    Param(&'a str),
}

/// Characters a literal segment may hold: RFC 3986's unreserved and sub-delimiters, `:`
/// and `@` (no `%`: requests are decoded before they are compared).
fn is_literal_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@".contains(c)
}

/// Reads a pattern into its method and segments, or says what is wrong with it.
fn parse_pattern(pattern: &str) -> Result<(usize, Vec<Segment<'_>>), String> {
    let Some((method, path)) = pattern.split_once(' ') else {
        return Err("write a route as `METHOD /path`, like `GET /api/campaigns`".into());
    };
    let method_id = match METHODS.iter().position(|m| *m == method) {
        Some(id) => id,
        None if method == "HEAD" => {
            return Err(
                "`HEAD` requests are matched by `GET` routes: declare the `GET` route".into(),
            );
        }
        None => {
            return Err(format!(
                "`{method}` is not a method: use one of {}",
                METHODS.join(", ")
            ));
        }
    };
    let Some(rest) = path.strip_prefix('/') else {
        return Err(format!("the path `{path}` must start with `/`"));
    };
    let mut segments = Vec::new();
    if rest.is_empty() {
        return Ok((method_id, segments));
    }
    for raw in rest.split('/') {
        segments.push(parse_segment(raw, path)?);
    }
    if segments.len() > MAX_SEGMENTS {
        return Err(format!("a route has at most {MAX_SEGMENTS} segments"));
    }
    let mut seen: Vec<&str> = Vec::new();
    for s in &segments {
        if let Segment::Param(name) = s {
            if seen.contains(name) {
                return Err(format!("parameter `{{{name}}}` appears twice in the path"));
            }
            seen.push(name);
        }
    }
    Ok((method_id, segments))
}

fn parse_segment<'a>(raw: &'a str, path: &str) -> Result<Segment<'a>, String> {
    if raw.is_empty() {
        return Err(format!(
            "the path `{path}` has an empty segment (`//` or a trailing `/`): requests with a trailing slash match the route without it"
        ));
    }
    if let Some(inner) = raw.strip_prefix('{') {
        let Some(name) = inner.strip_suffix('}') else {
            return Err(format!(
                "segment `{raw}` is not a parameter: a parameter is a whole segment, `{{name}}`"
            ));
        };
        if !is_name(name) {
            return Err(format!("parameter name `{name}` is not valid: {NAME_RULE}"));
        }
        return Ok(Segment::Param(name));
    }
    if raw == "." || raw == ".." {
        return Err(format!(
            "the path `{path}` has a `{raw}` segment, which no request matches"
        ));
    }
    if let Some(c) = raw.chars().find(|&c| !is_literal_char(c)) {
        return Err(format!(
            "segment `{raw}` has the character `{c}`: a literal segment holds letters, digits and `-._~!$&'()*+,;=:@`; a parameter is a whole segment, `{{name}}`"
        ));
    }
    Ok(Segment::Literal(raw))
}

/// Reads a template over the pattern's parameters.
fn parse_template(
    cx: &mut Context<'_>,
    text: &str,
    params: &[&str],
    path: &DocPath,
) -> Option<Template> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let open = rest.find('{');
        let close = rest.find('}');
        match (open, close) {
            (None, None) => {
                pieces.push(Piece::Text(rest.into()));
                break;
            }
            (Some(o), Some(c)) if o < c => {
                if o > 0 {
                    pieces.push(Piece::Text(rest.get(..o)?.into()));
                }
                let name = rest.get(o + 1..c)?;
                match params.iter().position(|p| *p == name) {
                    Some(i) => pieces.push(Piece::Param(i)),
                    None => {
                        let known = if params.is_empty() {
                            "the path has no parameters".to_owned()
                        } else {
                            format!("the path's parameters: {}", params.join(", "))
                        };
                        cx.error_help(
                            ErrorCode::UnknownParam,
                            path.clone(),
                            format!("`{{{name}}}` is not a parameter of the route's path"),
                            known,
                        );
                        return None;
                    }
                }
                rest = rest.get(c + 1..)?;
            }
            _ => {
                cx.error(
                    ErrorCode::BadRoute,
                    path.clone(),
                    format!("template `{text}` has an unmatched `{{` or `}}`"),
                );
                return None;
            }
        }
    }
    Some(Template(pieces))
}

/// Reads a scope template, `level:{param}/level:{param}`, outermost first; the root
/// level's name alone (or no template) is the tenant.
fn scope_template(
    cx: &mut Context<'_>,
    levels: &LevelTree,
    text: &str,
    params: &[&str],
    path: &DocPath,
) -> Option<Vec<(LevelId, Template)>> {
    let root_name = levels.levels.get(levels.root).map_or("", |l| &l.name);
    if text == root_name {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    let mut parent = levels.root;
    for part in text.split('/') {
        let Some((level_name, id)) = part.split_once(':') else {
            cx.error(
                ErrorCode::BadRoute,
                path.clone(),
                format!("`{part}` is not a scope segment: write `level:{{param}}`, as in `workspace:{{workspace}}`"),
            );
            return None;
        };
        let level = levels.level_of(cx, level_name, path.clone())?;
        let level_parent = levels.levels.get(level).and_then(|l| l.parent);
        if level_parent != Some(parent) {
            let parent_name = levels.levels.get(parent).map_or("", |l| &l.name);
            cx.error(
                ErrorCode::BadScopeLevel,
                path.clone(),
                format!("scope level `{level_name}` cannot stand directly below `{parent_name}`"),
            );
            return None;
        }
        if id.is_empty() {
            cx.error(
                ErrorCode::BadRoute,
                path.clone(),
                format!("scope segment `{part}` has an empty id"),
            );
            return None;
        }
        out.push((level, parse_template(cx, id, params, path)?));
        parent = level;
    }
    Some(out)
}

/// One route, checked against the catalog and the scope tree.
fn compile_route(
    cx: &mut Context<'_>,
    levels: &LevelTree,
    catalog: &Catalog,
    key: &str,
    doc: &RouteDoc,
) -> Option<(Route, Vec<Option<Box<str>>>)> {
    let base = DocPath::root().key("routes").key(key);
    let parsed = parse_pattern(key);
    let action = catalog.action_index.get(doc.action.as_str()).copied();
    if action.is_none() {
        cx.error(
            ErrorCode::UnknownAction,
            base.key("action"),
            format!("action `{}` is not in the catalog", doc.action),
        );
    }
    let (method, segments) = match parsed {
        Ok(p) => p,
        Err(message) => {
            cx.error(ErrorCode::BadRoute, base, message);
            return None;
        }
    };
    let params: Vec<&str> = segments
        .iter()
        .filter_map(|s| match s {
            Segment::Param(p) => Some(*p),
            Segment::Literal(_) => None,
        })
        .collect();
    let scope = match &doc.scope {
        Some(text) => scope_template(cx, levels, text, &params, &base.key("scope")),
        None => Some(Vec::new()),
    };
    if let Some(r) = &doc.resource {
        if !is_name(r) {
            cx.error(
                ErrorCode::BadName,
                base.key("resource"),
                format!("resource type `{r}` is not valid: {NAME_RULE}"),
            );
        }
    }
    let id = match &doc.id {
        Some(text) => Some(parse_template(cx, text, &params, &base.key("id"))?),
        None => None,
    };
    let scope = scope?;
    let action = action?;
    let act = catalog.actions.get(action)?;
    let level = scope.last().map_or(levels.root, |(l, _)| *l);
    if !levels.within(level, act.level) {
        let name_of = |l: LevelId| levels.levels.get(l).map_or("", |l| &*l.name).to_owned();
        let path = if doc.scope.is_some() {
            base.key("scope")
        } else {
            base.clone()
        };
        cx.error_help(
            ErrorCode::BadScopeLevel,
            path,
            format!(
                "the route's scope is at level `{}`, but action `{}` is decided at level `{}`",
                name_of(level),
                doc.action,
                name_of(act.level)
            ),
            format!(
                "give a `scope` template at level `{}` or below",
                name_of(act.level)
            ),
        );
        return None;
    }
    let shape = segments
        .iter()
        .map(|s| match s {
            Segment::Literal(t) => Some(Box::from(*t)),
            Segment::Param(_) => None,
        })
        .collect();
    Some((
        Route {
            pattern: Arc::from(key),
            method,
            action,
            params: params.iter().map(|p| Arc::from(*p)).collect(),
            scope,
            resource: doc.resource.as_deref().map(Arc::from),
            id,
        },
        shape,
    ))
}

/// Checks every route and builds the table; two routes of one method whose paths have the
/// same shape (the same literals, parameters at the same places) match the same requests,
/// and the second is a `route_conflict`.
#[inline(always)] // Called once, by `compile`: see there why it is inlined.
pub(super) fn compile_routes(
    cx: &mut Context<'_>,
    levels: &LevelTree,
    catalog: &Catalog,
) -> RouteTable {
    let mut table = RouteTable {
        routes: Vec::new(),
        nodes: vec![Node::default()],
    };
    let mut seen: Vec<&str> = Vec::new();
    for (key, doc) in cx.doc.routes.iter() {
        if seen.contains(&key) {
            cx.error(
                ErrorCode::DuplicateName,
                DocPath::root().key("routes").key(key),
                format!("route `{key}` is declared twice"),
            );
            continue;
        }
        seen.push(key);
        let Some((route, shape)) = compile_route(cx, levels, catalog, key, doc) else {
            continue;
        };
        let node = table.insert_path(&shape);
        let id = table.routes.len();
        let slot = table
            .nodes
            .get_mut(node)
            .and_then(|n| n.routes.get_mut(route.method));
        match slot {
            Some(Some(other)) => {
                let other = table
                    .routes
                    .get(*other)
                    .map_or("", |r| &*r.pattern)
                    .to_owned();
                cx.error_help(
                    ErrorCode::RouteConflict,
                    DocPath::root().key("routes").key(key),
                    format!("route `{key}` matches the same requests as `{other}`"),
                    "remove one, or make their literal segments differ".to_owned(),
                );
            }
            Some(slot) => {
                *slot = Some(id);
                table.routes.push(route);
            }
            None => {}
        }
    }
    table
}

impl RouteTable {
    /// The node where a path of this shape ends, created as needed.
    fn insert_path(&mut self, shape: &[Option<Box<str>>]) -> usize {
        let mut node = 0;
        for segment in shape {
            let next = self.nodes.len();
            let Some(n) = self.nodes.get_mut(node) else {
                return node;
            };
            let child = match segment {
                Some(text) => match n.literals.binary_search_by(|(t, _)| (**t).cmp(&**text)) {
                    Ok(i) => n.literals.get(i).map_or(next, |(_, c)| *c),
                    Err(i) => {
                        n.literals.insert(i, (text.clone(), next));
                        next
                    }
                },
                None => *n.param.get_or_insert(next),
            };
            if child == next {
                self.nodes.push(Node::default());
            }
            node = child;
        }
        node
    }

    /// The route a request matches and its parameters' values, in path order: literal
    /// segments first, the parameter when the literal branch has no route for the method.
    pub fn find<'p>(&self, method: usize, segments: &[&'p str]) -> Option<(usize, Vec<&'p str>)> {
        let mut values = Vec::new();
        let route = self.find_from(0, method, segments, &mut values)?;
        Some((route, values))
    }

    fn find_from<'p>(
        &self,
        node: usize,
        method: usize,
        segments: &[&'p str],
        values: &mut Vec<&'p str>,
    ) -> Option<usize> {
        let n = self.nodes.get(node)?;
        let Some((first, rest)) = segments.split_first() else {
            return n.routes.get(method).copied().flatten();
        };
        if let Ok(i) = n.literals.binary_search_by(|(t, _)| (**t).cmp(*first)) {
            let child = n.literals.get(i).map(|(_, c)| *c)?;
            if let Some(found) = self.find_from(child, method, rest, values) {
                return Some(found);
            }
        }
        let child = n.param?;
        values.push(first);
        let found = self.find_from(child, method, rest, values);
        if found.is_none() {
            values.pop();
        }
        found
    }
}
