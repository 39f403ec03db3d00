//! The condition language of `when`: parse, type-check, evaluate.
//!
//! ```text
//! expr    := or
//! or      := and ("||" and)*
//! and     := unary ("&&" unary)*
//! unary   := "!" unary | compare
//! compare := primary (("==" | "!=" | "in") primary)?
//! primary := string | number | "true" | "false" | list | path | has | "(" expr ")"
//! list    := "[" (literal ("," literal)*)? "]"
//! path    := entity "." name
//! has     := entity "has" name
//! entity  := "principal" | "resource" | "tenant"
//! ```
//!
//! Evaluation is total: values of different types are unequal, nothing errors at decision
//! time, and a comparison that reads an attribute the request lacks is undecided
//! ([`Truth::Missing`]): an allow rule then does not apply and a deny rule does.

use crate::document::AttrType;
use crate::value::{Value, ValueRef};
use std::fmt;

/// Nesting deeper than this is rejected, so that parsing and evaluation stay bounded.
pub(crate) const MAX_DEPTH: usize = 64;

/// Which input an attribute is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    /// The principal asking.
    Principal,
    /// The resource acted on.
    Resource,
    /// The tenant (organization).
    Tenant,
}

impl Entity {
    /// The name used in conditions.
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Principal => "principal",
            Entity::Resource => "resource",
            Entity::Tenant => "tenant",
        }
    }
}

/// An attribute read by a condition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrRef {
    /// Where from.
    pub entity: Entity,
    /// The attribute's name (`id`, `type`, `plan`, `features` are built in).
    pub name: String,
}

impl fmt::Display for AttrRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.entity.as_str(), self.name)
    }
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal value, and its 1-based column in the condition.
    Literal(Value, usize),
    /// An attribute read, and its 1-based column in the condition.
    Attr(AttrRef, usize),
    /// `resource has status`: whether the attribute is present (not absent, not `null`),
    /// and the 1-based column of the entity. Never undecided.
    Has(AttrRef, usize),
    /// `a == b`.
    Eq(Box<Expr>, Box<Expr>),
    /// `a != b`.
    Ne(Box<Expr>, Box<Expr>),
    /// `a in b`.
    In(Box<Expr>, Box<Expr>),
    /// `a && b && ...` (a chain is one node, so that long chains nest no deeper).
    And(Vec<Expr>),
    /// `a || b || ...`.
    Or(Vec<Expr>),
    /// `!a`.
    Not(Box<Expr>),
}

/// What a condition failed on, with the 1-based column inside the condition text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionError {
    /// `bad_condition`, `unknown_attribute`, `type_mismatch` or `limit_exceeded`.
    pub kind: ConditionErrorKind,
    /// 1-based column (in characters) inside the condition.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// The kind of a [`ConditionError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionErrorKind {
    /// Syntax.
    Syntax,
    /// An attribute that is not declared.
    UnknownAttribute,
    /// Operands of the wrong type.
    TypeMismatch,
    /// Over a limit: the condition's length, its nesting, a list's items.
    Limit,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Str(String),
    Num(f64),
    Ident(String),
    EqEq,
    NotEq,
    AndAnd,
    OrOr,
    Bang,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    End,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Str(s) => format!("string `\"{s}\"`"),
            Token::Num(_) => "a number".into(),
            Token::Ident(s) => format!("`{s}`"),
            Token::EqEq => "`==`".into(),
            Token::NotEq => "`!=`".into(),
            Token::AndAnd => "`&&`".into(),
            Token::OrOr => "`||`".into(),
            Token::Bang => "`!`".into(),
            Token::LParen => "`(`".into(),
            Token::RParen => "`)`".into(),
            Token::LBracket => "`[`".into(),
            Token::RBracket => "`]`".into(),
            Token::Comma => "`,`".into(),
            Token::Dot => "`.`".into(),
            Token::End => "the end of the condition".into(),
        }
    }
}

fn over_limit(column: usize, message: impl Into<String>) -> ConditionError {
    ConditionError {
        kind: ConditionErrorKind::Limit,
        column,
        message: message.into(),
    }
}

fn syntax(column: usize, message: impl Into<String>) -> ConditionError {
    ConditionError {
        kind: ConditionErrorKind::Syntax,
        column,
        message: message.into(),
    }
}

/// Splits a condition into tokens, each with its column (1-based, in characters).
///
/// One match over characters, about 120 lines, kept whole on purpose: it is in the page's
/// WebAssembly module, and splitting it into a function per token kind measured 52 bytes
/// larger after gzip (inlined, 101 bytes).
fn lex(text: &str) -> Result<Vec<(Token, usize)>, ConditionError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let column = i + 1;
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                i += 1;
                continue;
            }
            '=' if next == Some('=') => {
                tokens.push((Token::EqEq, column));
                i += 2;
            }
            '!' if next == Some('=') => {
                tokens.push((Token::NotEq, column));
                i += 2;
            }
            '&' if next == Some('&') => {
                tokens.push((Token::AndAnd, column));
                i += 2;
            }
            '|' if next == Some('|') => {
                tokens.push((Token::OrOr, column));
                i += 2;
            }
            '!' => {
                tokens.push((Token::Bang, column));
                i += 1;
            }
            '(' => {
                tokens.push((Token::LParen, column));
                i += 1;
            }
            ')' => {
                tokens.push((Token::RParen, column));
                i += 1;
            }
            '[' => {
                tokens.push((Token::LBracket, column));
                i += 1;
            }
            ']' => {
                tokens.push((Token::RBracket, column));
                i += 1;
            }
            ',' => {
                tokens.push((Token::Comma, column));
                i += 1;
            }
            '.' => {
                tokens.push((Token::Dot, column));
                i += 1;
            }
            '"' | '\'' => {
                let quote = c;
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(syntax(column, "string is not closed")),
                        Some(&d) if d == quote => {
                            i += 1;
                            break;
                        }
                        Some('\\') => {
                            match chars.get(i + 1) {
                                Some(&e @ ('"' | '\'' | '\\')) => value.push(e),
                                Some('n') => value.push('\n'),
                                Some('t') => value.push('\t'),
                                _ => {
                                    return Err(syntax(
                                        i + 1,
                                        "unknown escape: use `\\\"`, `\\'`, `\\\\`, `\\n` or `\\t`",
                                    ));
                                }
                            }
                            i += 2;
                        }
                        Some(&d) => {
                            value.push(d);
                            i += 1;
                        }
                    }
                }
                tokens.push((Token::Str(value), column));
            }
            '-' | '0'..='9' => {
                let start = i;
                i += 1;
                while let Some(&d) = chars.get(i) {
                    let sign_of_exponent =
                        (d == '-' || d == '+') && matches!(chars.get(i - 1), Some('e' | 'E'));
                    if !(d.is_ascii_digit() || d == '.' || d == 'e' || d == 'E' || sign_of_exponent)
                    {
                        break;
                    }
                    i += 1;
                }
                let raw: String = chars.get(start..i).unwrap_or_default().iter().collect();
                match crate::number::parse_f64(&raw) {
                    Some(n) => tokens.push((Token::Num(n), column)),
                    None => return Err(syntax(column, format!("`{raw}` is not a number"))),
                }
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '_' || *d == '-')
                {
                    i += 1;
                }
                let word: String = chars.get(start..i).unwrap_or_default().iter().collect();
                tokens.push((Token::Ident(word), column));
            }
            other => return Err(syntax(column, format!("unexpected character `{other}`"))),
        }
    }
    tokens.push((Token::End, chars.len() + 1));
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> (&Token, usize) {
        match self.tokens.get(self.pos) {
            Some((t, c)) => (t, *c),
            None => (&Token::End, self.tokens.last().map_or(1, |(_, c)| *c)),
        }
    }

    fn bump(&mut self) -> (Token, usize) {
        let (t, c) = self.peek();
        let out = (t.clone(), c);
        self.pos += 1;
        out
    }

    fn enter(&mut self, column: usize) -> Result<(), ConditionError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(over_limit(
                column,
                format!("condition nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, ConditionError> {
        let first = self.and()?;
        if *self.peek().0 != Token::OrOr {
            return Ok(first);
        }
        let mut terms = vec![first];
        while *self.peek().0 == Token::OrOr {
            self.bump();
            terms.push(self.and()?);
        }
        Ok(Expr::Or(terms))
    }

    fn and(&mut self) -> Result<Expr, ConditionError> {
        let first = self.unary()?;
        if *self.peek().0 != Token::AndAnd {
            return Ok(first);
        }
        let mut terms = vec![first];
        while *self.peek().0 == Token::AndAnd {
            self.bump();
            terms.push(self.unary()?);
        }
        Ok(Expr::And(terms))
    }

    fn unary(&mut self) -> Result<Expr, ConditionError> {
        let (token, column) = self.peek();
        if *token == Token::Bang {
            self.bump();
            self.enter(column)?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr, ConditionError> {
        let left = self.primary()?;
        let op = match self.peek().0 {
            Token::EqEq => Expr::Eq as fn(Box<Expr>, Box<Expr>) -> Expr,
            Token::NotEq => Expr::Ne,
            Token::Ident(w) if w == "in" => Expr::In,
            _ => return Ok(left),
        };
        self.bump();
        let right = self.primary()?;
        Ok(op(Box::new(left), Box::new(right)))
    }

    fn primary(&mut self) -> Result<Expr, ConditionError> {
        let (token, column) = self.bump();
        match token {
            Token::Str(s) => Ok(Expr::Literal(Value::String(s), column)),
            Token::Num(n) => Ok(Expr::Literal(Value::Number(n), column)),
            Token::Ident(w) if w == "true" => Ok(Expr::Literal(Value::Bool(true), column)),
            Token::Ident(w) if w == "false" => Ok(Expr::Literal(Value::Bool(false), column)),
            Token::Ident(w) => {
                let entity = match w.as_str() {
                    "principal" => Entity::Principal,
                    "resource" => Entity::Resource,
                    "tenant" => Entity::Tenant,
                    _ => {
                        return Err(syntax(
                            column,
                            format!(
                                "unknown name `{w}`: attributes are read as `principal.<name>`, `resource.<name>` or `tenant.<name>`"
                            ),
                        ));
                    }
                };
                if matches!(self.peek().0, Token::Ident(h) if h == "has") {
                    self.bump();
                    return match self.bump() {
                        (Token::Ident(name), _) => Ok(Expr::Has(AttrRef { entity, name }, column)),
                        (other, c) => Err(syntax(
                            c,
                            format!(
                                "expected an attribute name after `has`, found {}",
                                other.describe()
                            ),
                        )),
                    };
                }
                let (dot, dot_column) = self.bump();
                if dot != Token::Dot {
                    return Err(syntax(
                        dot_column,
                        format!("expected `.` after `{w}`, found {}", dot.describe()),
                    ));
                }
                match self.bump() {
                    (Token::Ident(name), _) => Ok(Expr::Attr(AttrRef { entity, name }, column)),
                    (other, c) => Err(syntax(
                        c,
                        format!("expected an attribute name, found {}", other.describe()),
                    )),
                }
            }
            Token::LParen => {
                self.enter(column)?;
                let inner = self.or()?;
                self.depth -= 1;
                let (close, c) = self.bump();
                if close != Token::RParen {
                    return Err(syntax(
                        c,
                        format!("expected `)`, found {}", close.describe()),
                    ));
                }
                Ok(inner)
            }
            Token::LBracket => {
                let mut items = Vec::new();
                if *self.peek().0 == Token::RBracket {
                    self.bump();
                    return Ok(Expr::Literal(Value::List(items), column));
                }
                loop {
                    let (item, c) = self.bump();
                    match item {
                        Token::Str(s) => items.push(Value::String(s)),
                        Token::Num(n) => items.push(Value::Number(n)),
                        Token::Ident(w) if w == "true" => items.push(Value::Bool(true)),
                        Token::Ident(w) if w == "false" => items.push(Value::Bool(false)),
                        other => {
                            return Err(syntax(
                                c,
                                format!(
                                    "list items are literals (strings, numbers, booleans), found {}",
                                    other.describe()
                                ),
                            ));
                        }
                    }
                    if items.len() > MAX_LIST_ITEMS {
                        return Err(over_limit(
                            column,
                            format!("a list holds more than {MAX_LIST_ITEMS} items"),
                        ));
                    }
                    match self.bump() {
                        (Token::Comma, _) => continue,
                        (Token::RBracket, _) => break,
                        (other, c) => {
                            return Err(syntax(
                                c,
                                format!("expected `,` or `]`, found {}", other.describe()),
                            ));
                        }
                    }
                }
                Ok(Expr::Literal(Value::List(items), column))
            }
            other => Err(syntax(
                column,
                format!("expected a value, found {}", other.describe()),
            )),
        }
    }
}

/// The most items of a list literal (`resource.status in ["a", "b"]`).
pub const MAX_LIST_ITEMS: usize = 256;

/// Longest condition read, in bytes.
pub const MAX_CONDITION_LEN: usize = 4096;

/// Parses a condition.
pub fn parse(text: &str) -> Result<Expr, ConditionError> {
    if text.len() > MAX_CONDITION_LEN {
        return Err(over_limit(
            1,
            format!(
                "condition is {} bytes long, over the limit of {MAX_CONDITION_LEN}",
                text.len()
            ),
        ));
    }
    let tokens = lex(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let expr = parser.or()?;
    let (rest, column) = parser.bump();
    if rest != Token::End {
        return Err(syntax(
            column,
            format!("unexpected {} after a complete condition", rest.describe()),
        ));
    }
    Ok(expr)
}

/// The static type of an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Known(AttrType),
    EmptyList,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Known(t) => t.as_str(),
            Ty::EmptyList => "empty list",
        }
    }
    fn is_list(self) -> bool {
        matches!(self, Ty::EmptyList) || matches!(self, Ty::Known(t) if t.element().is_some())
    }
}

fn literal_type(value: &Value) -> Result<Ty, String> {
    Ok(match value {
        Value::Null => return Err("`null` is not a literal of the condition language".into()),
        Value::Bool(_) => Ty::Known(AttrType::Bool),
        Value::Number(_) => Ty::Known(AttrType::Number),
        Value::String(_) => Ty::Known(AttrType::String),
        Value::List(items) => {
            let mut element: Option<AttrType> = None;
            for item in items {
                let t = match item {
                    Value::String(_) => AttrType::String,
                    Value::Number(_) => AttrType::Number,
                    _ => return Err("list literals hold strings or numbers".into()),
                };
                if element.is_some_and(|e| e != t) {
                    return Err("a list literal mixes strings and numbers".into());
                }
                element = Some(t);
            }
            match element {
                None => Ty::EmptyList,
                Some(AttrType::Number) => Ty::Known(AttrType::NumberList),
                Some(_) => Ty::Known(AttrType::StringList),
            }
        }
    })
}

/// The type of a built-in attribute (`principal.id`, `tenant.features`).
pub fn builtin_type(attr: &AttrRef) -> Option<AttrType> {
    match (attr.entity, attr.name.as_str()) {
        (Entity::Principal, "id")
        | (Entity::Resource, "id")
        | (Entity::Resource, "type")
        | (Entity::Tenant, "id")
        | (Entity::Tenant, "plan") => Some(AttrType::String),
        (Entity::Tenant, "features") => Some(AttrType::StringList),
        _ => None,
    }
}

/// Type-checks a condition. `declared` gives the type of a declared attribute.
pub fn check(
    expr: &Expr,
    declared: &dyn Fn(&AttrRef) -> Option<AttrType>,
) -> Result<(), ConditionError> {
    let ty = type_of(expr, declared)?;
    if ty != Ty::Known(AttrType::Bool) {
        return Err(mismatch(
            expr,
            format!(
                "a condition must be true or false, this one is a {}",
                ty.name()
            ),
        ));
    }
    Ok(())
}

/// The column where `expr` starts in the condition: errors point there.
fn column_of(expr: &Expr) -> usize {
    match expr {
        Expr::Literal(_, column) | Expr::Attr(_, column) | Expr::Has(_, column) => *column,
        Expr::Eq(l, _) | Expr::Ne(l, _) | Expr::In(l, _) => column_of(l),
        Expr::And(terms) | Expr::Or(terms) => terms.first().map_or(1, column_of),
        Expr::Not(inner) => column_of(inner).saturating_sub(1).max(1),
    }
}

fn mismatch(at: &Expr, message: String) -> ConditionError {
    ConditionError {
        kind: ConditionErrorKind::TypeMismatch,
        column: column_of(at),
        message,
    }
}

fn type_of(
    expr: &Expr,
    declared: &dyn Fn(&AttrRef) -> Option<AttrType>,
) -> Result<Ty, ConditionError> {
    let boolean = Ty::Known(AttrType::Bool);
    match expr {
        Expr::Literal(v, _) => literal_type(v).map_err(|m| mismatch(expr, m)),
        Expr::Attr(a, _) => match builtin_type(a).or_else(|| declared(a)) {
            Some(t) => Ok(Ty::Known(t)),
            None => Err(ConditionError {
                kind: ConditionErrorKind::UnknownAttribute,
                column: column_of(expr),
                message: format!(
                    "`{a}` is not declared: add it under `[attributes.{}]`",
                    a.entity.as_str()
                ),
            }),
        },
        Expr::Has(a, _) => match builtin_type(a).or_else(|| declared(a)) {
            Some(_) => Ok(boolean),
            None => Err(ConditionError {
                kind: ConditionErrorKind::UnknownAttribute,
                column: column_of(expr),
                message: format!(
                    "`{a}` is not declared: add it under `[attributes.{}]`",
                    a.entity.as_str()
                ),
            }),
        },
        Expr::Eq(l, r) | Expr::Ne(l, r) => {
            let (lt, rt) = (type_of(l, declared)?, type_of(r, declared)?);
            let compatible = lt == rt
                || (lt.is_list() && rt.is_list() && (lt == Ty::EmptyList || rt == Ty::EmptyList));
            if !compatible {
                return Err(mismatch(
                    expr,
                    format!("cannot compare a {} with a {}", lt.name(), rt.name()),
                ));
            }
            Ok(boolean)
        }
        Expr::In(l, r) => {
            let (lt, rt) = (type_of(l, declared)?, type_of(r, declared)?);
            let ok = match rt {
                Ty::EmptyList => matches!(lt, Ty::Known(AttrType::String | AttrType::Number)),
                Ty::Known(t) => t.element().is_some_and(|e| lt == Ty::Known(e)),
            };
            if !ok {
                return Err(mismatch(
                    r,
                    format!(
                        "`in` needs a list of the left side's type on its right, found a {} in a {}",
                        lt.name(),
                        rt.name()
                    ),
                ));
            }
            Ok(boolean)
        }
        Expr::And(terms) | Expr::Or(terms) => {
            for side in terms {
                let t = type_of(side, declared)?;
                if t != boolean {
                    return Err(mismatch(
                        side,
                        format!(
                            "`&&` and `||` combine true/false values, found a {}",
                            t.name()
                        ),
                    ));
                }
            }
            Ok(boolean)
        }
        Expr::Not(inner) => {
            let t = type_of(inner, declared)?;
            if t != boolean {
                return Err(mismatch(
                    inner,
                    format!("`!` negates a true/false value, found a {}", t.name()),
                ));
            }
            Ok(boolean)
        }
    }
}

/// Where evaluation reads attribute values from.
pub trait AttrSource {
    /// The value of an attribute; [`ValueRef::Null`] when absent.
    fn attr(&self, attr: &AttrRef) -> ValueRef<'_>;

    /// Whether the attribute's value is known; a partial evaluation
    /// ([`eval_partial`]) treats an unknown one as any value at all, or absent.
    fn known(&self, _attr: &AttrRef) -> bool {
        true
    }
}

/// The value of a condition for one request: true, false, or undecided because it read an
/// attribute the request lacks (`null` counts as lacking) and the attributes it has do not
/// decide it. Connectives follow three-valued logic: `false && x` is false and `true || x`
/// true whatever `x` is; `!` of an undecided condition is undecided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth<'e> {
    /// The condition holds.
    True,
    /// The condition does not hold.
    False,
    /// Undecided for want of this attribute: the first one the condition reads, in the
    /// order of its text, that left it undecided.
    Missing(&'e AttrRef),
}

impl<'e> Truth<'e> {
    fn of(b: bool) -> Self {
        if b { Truth::True } else { Truth::False }
    }

    /// `!self`.
    pub fn not(self) -> Self {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            missing => missing,
        }
    }
}

/// An operand of `==`, `!=` or `in`: its value, or the attribute that left it undecided.
fn operand<'e: 'v, 's: 'v, 'v>(
    expr: &'e Expr,
    source: &'s dyn AttrSource,
) -> Result<ValueRef<'v>, &'e AttrRef> {
    match expr {
        Expr::Literal(v, _) => Ok(v.as_ref()),
        Expr::Attr(a, _) => match source.attr(a) {
            ValueRef::Null => Err(a),
            v => Ok(v),
        },
        // A sub-condition (`(a == b) == true`) by its truth.
        _ => match eval(expr, source) {
            Truth::True => Ok(ValueRef::Bool(true)),
            Truth::False => Ok(ValueRef::Bool(false)),
            Truth::Missing(a) => Err(a),
        },
    }
}

/// Evaluates a condition. Total: never errors, never panics. An attribute the request
/// lacks makes the comparison reading it undecided ([`Truth::Missing`]), whichever operator
/// it is under: `resource.n != 3` is not true of a resource without `n`.
pub fn eval<'e>(expr: &'e Expr, source: &dyn AttrSource) -> Truth<'e> {
    match expr {
        Expr::Literal(Value::Bool(b), _) => Truth::of(*b),
        Expr::Literal(..) => Truth::False,
        Expr::Attr(a, _) => match source.attr(a) {
            ValueRef::Null => Truth::Missing(a),
            v => Truth::of(v == ValueRef::Bool(true)),
        },
        Expr::Has(a, _) => Truth::of(source.attr(a) != ValueRef::Null),
        Expr::Eq(l, r) => equal(l, r, source),
        Expr::Ne(l, r) => equal(l, r, source).not(),
        Expr::In(l, r) => match (operand(l, source), operand(r, source)) {
            (Err(a), _) | (Ok(_), Err(a)) => Truth::Missing(a),
            (Ok(needle), Ok(ValueRef::List(items))) => {
                Truth::of(items.iter().any(|i| i.as_ref() == needle))
            }
            (Ok(_), Ok(_)) => Truth::False,
        },
        Expr::And(terms) | Expr::Or(terms) => {
            // `&&` is decided by a false term, `||` by a true one; else a missing
            // attribute leaves it undecided.
            let decisive = Truth::of(matches!(expr, Expr::Or(_)));
            let mut missing = None;
            for t in terms {
                match eval(t, source) {
                    Truth::Missing(a) => {
                        missing.get_or_insert(a);
                    }
                    v if v == decisive => return decisive,
                    _ => {}
                }
            }
            missing.map_or(decisive.not(), Truth::Missing)
        }
        Expr::Not(inner) => eval(inner, source).not(),
    }
}

fn equal<'e>(l: &'e Expr, r: &'e Expr, source: &dyn AttrSource) -> Truth<'e> {
    match (operand(l, source), operand(r, source)) {
        (Err(a), _) | (Ok(_), Err(a)) => Truth::Missing(a),
        (Ok(a), Ok(b)) => Truth::of(a == b),
    }
}

/// The values a condition may take over the values its unknown attributes
/// ([`AttrSource::known`]) may have, absence included: a set of true, false and
/// undecided ([`Truth::Missing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcomes(u8);

impl Outcomes {
    /// Only true.
    pub const TRUE: Outcomes = Outcomes(1);
    /// Only false.
    pub const FALSE: Outcomes = Outcomes(2);
    /// Only undecided.
    pub const MISSING: Outcomes = Outcomes(4);
    /// Anything.
    pub const ANY: Outcomes = Outcomes(7);

    /// Whether the condition may be true.
    pub fn may_be_true(self) -> bool {
        self.0 & 1 != 0
    }

    /// Whether the condition may be false.
    pub fn may_be_false(self) -> bool {
        self.0 & 2 != 0
    }

    /// Whether the condition may be undecided.
    pub fn may_be_missing(self) -> bool {
        self.0 & 4 != 0
    }

    /// Whether a rule with this condition may apply (see [`Truth::applies`]).
    pub fn may_apply(self, deny: bool) -> bool {
        self.may_be_true() || (deny && self.may_be_missing())
    }

    /// Whether a rule with this condition applies whatever the unknown values are.
    pub fn must_apply(self, deny: bool) -> bool {
        !self.may_be_false() && (deny || !self.may_be_missing())
    }

    fn of(truth: Truth<'_>) -> Self {
        match truth {
            Truth::True => Outcomes::TRUE,
            Truth::False => Outcomes::FALSE,
            Truth::Missing(_) => Outcomes::MISSING,
        }
    }

    fn not(self) -> Self {
        Outcomes((self.0 & 4) | ((self.0 & 1) << 1) | ((self.0 & 2) >> 1))
    }
}

/// Evaluates a condition some of whose attributes are unknown ([`AttrSource::known`]): the
/// values it may take ([`Outcomes`]). A comparison that reads an unknown attribute may be
/// anything; `&&` may be false when a term may be, true when every term may be, undecided
/// when every term may be true or undecided and one may be undecided (`||` alike). Sound,
/// not complete: `resource.a == 1 && resource.a == 2` may be true, though it never is.
pub fn eval_partial(expr: &Expr, source: &dyn AttrSource) -> Outcomes {
    match expr {
        Expr::And(terms) | Expr::Or(terms) => {
            // For `&&`: true when all may be true, false when one may be false (`||`: the
            // other way around).
            let (all, one) = if matches!(expr, Expr::And(_)) {
                (1, 2)
            } else {
                (2, 1)
            };
            let (mut every, mut some, mut every_or_missing, mut some_missing) =
                (true, false, true, false);
            for t in terms {
                let o = eval_partial(t, source).0;
                every &= o & all != 0;
                some |= o & one != 0;
                every_or_missing &= o & (all | 4) != 0;
                some_missing |= o & 4 != 0;
            }
            Outcomes(
                if every { all } else { 0 }
                    | if some { one } else { 0 }
                    | if every_or_missing && some_missing {
                        4
                    } else {
                        0
                    },
            )
        }
        Expr::Not(inner) => eval_partial(inner, source).not(),
        // Present or not, never undecided.
        Expr::Has(a, _) if !source.known(a) => Outcomes(3),
        _ if expr.reads_unknown(source) => Outcomes::ANY,
        _ => Outcomes::of(eval(expr, source)),
    }
}

impl Expr {
    /// The attributes the condition reads, each read once, in the order of its text.
    pub fn attr_reads(&self) -> Vec<&AttrRef> {
        let mut out = Vec::new();
        self.visit_attrs(&mut |a| {
            out.push(a);
            true
        });
        out
    }

    /// Calls `f` on each attribute read in the order of the text while it returns true;
    /// whether every call did.
    fn visit_attrs<'e>(&'e self, f: &mut impl FnMut(&'e AttrRef) -> bool) -> bool {
        match self {
            Expr::Literal(..) => true,
            Expr::Attr(a, _) | Expr::Has(a, _) => f(a),
            Expr::Eq(l, r) | Expr::Ne(l, r) | Expr::In(l, r) => {
                l.visit_attrs(f) && r.visit_attrs(f)
            }
            Expr::And(terms) | Expr::Or(terms) => terms.iter().all(|t| t.visit_attrs(f)),
            Expr::Not(inner) => inner.visit_attrs(f),
        }
    }

    /// The position of the attribute read `read` (a reference into this expression, as
    /// [`Truth::Missing`] holds) among [`Expr::attr_reads`].
    pub fn position_of(&self, read: &AttrRef) -> Option<usize> {
        let mut index = 0;
        let mut found = false;
        self.visit_attrs(&mut |a| {
            found = std::ptr::eq(a, read);
            index += usize::from(!found);
            !found
        });
        found.then_some(index)
    }
}

impl Expr {
    /// Whether the expression reads an attribute whose value `source` does not know.
    fn reads_unknown(&self, source: &dyn AttrSource) -> bool {
        match self {
            Expr::Literal(..) => false,
            Expr::Attr(a, _) | Expr::Has(a, _) => !source.known(a),
            Expr::Eq(l, r) | Expr::Ne(l, r) | Expr::In(l, r) => {
                l.reads_unknown(source) || r.reads_unknown(source)
            }
            Expr::And(terms) | Expr::Or(terms) => terms.iter().any(|t| t.reads_unknown(source)),
            Expr::Not(inner) => inner.reads_unknown(source),
        }
    }

    /// Whether the expression reads an attribute of `entity`.
    pub fn reads(&self, entity: Entity) -> bool {
        match self {
            Expr::Literal(..) => false,
            Expr::Attr(a, _) | Expr::Has(a, _) => a.entity == entity,
            Expr::Eq(l, r) | Expr::Ne(l, r) | Expr::In(l, r) => l.reads(entity) || r.reads(entity),
            Expr::And(terms) | Expr::Or(terms) => terms.iter().any(|t| t.reads(entity)),
            Expr::Not(inner) => inner.reads(entity),
        }
    }
}

/// Prints a condition in the condition language itself: the text parses back to the same
/// expression (columns aside), with parentheses only where the tree needs them (`&&` inside
/// `||` needs none; `||` inside `&&`, a chain inside a chain of the same kind, `&&`/`||`
/// under `!` and a compound operand of `==`, `!=` or `in` get them), so it nests no deeper
/// than the text it was parsed from. Numbers print as integers when they are integral and
/// below 10^15, else in the shortest form that reads back to the same `f64` (`0.25`, and
/// `1.5e-300` where the plain digits would be long);
/// strings with `\"`, `\\`, `\n` and `\t` escaped. The fuzz target `condition` holds
/// print-then-parse to the identity.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Literal(v, _) => print_literal(f, v),
            Expr::Attr(a, _) => write!(f, "{a}"),
            Expr::Has(a, _) => write!(f, "{} has {}", a.entity.as_str(), a.name),
            Expr::Eq(l, r) | Expr::Ne(l, r) | Expr::In(l, r) => {
                let op = match self {
                    Expr::Eq(..) => " == ",
                    Expr::Ne(..) => " != ",
                    _ => " in ",
                };
                print_operand(f, l)?;
                f.write_str(op)?;
                print_operand(f, r)
            }
            Expr::And(terms) | Expr::Or(terms) => {
                let and = matches!(self, Expr::And(_));
                for (i, t) in terms.iter().enumerate() {
                    if i > 0 {
                        f.write_str(if and { " && " } else { " || " })?;
                    }
                    // A chain inside a chain of the same kind, or `||` inside `&&`, keeps
                    // its parentheses; `&&` inside `||` binds tighter without them.
                    let wrap = matches!(t, Expr::Or(_)) || (and && matches!(t, Expr::And(_)));
                    print_wrapped(f, t, wrap)?;
                }
                Ok(())
            }
            Expr::Not(inner) => {
                f.write_str("!")?;
                print_wrapped(f, inner, matches!(**inner, Expr::And(_) | Expr::Or(_)))
            }
        }
    }
}

fn print_wrapped(f: &mut fmt::Formatter<'_>, expr: &Expr, wrap: bool) -> fmt::Result {
    if wrap {
        write!(f, "({expr})")
    } else {
        write!(f, "{expr}")
    }
}

/// An operand of `==`, `!=` or `in`: a literal or an attribute as it is, anything else in
/// parentheses.
fn print_operand(f: &mut fmt::Formatter<'_>, expr: &Expr) -> fmt::Result {
    print_wrapped(
        f,
        expr,
        !matches!(expr, Expr::Literal(..) | Expr::Attr(..) | Expr::Has(..)),
    )
}

fn print_literal(f: &mut fmt::Formatter<'_>, value: &Value) -> fmt::Result {
    match value {
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
            if *n == 0.0 && n.is_sign_negative() {
                f.write_str("-0")
            } else {
                write!(f, "{}", *n as i64)
            }
        }
        // The shortest digits that read back to the same number: `0.25`, or `1.5e-300`
        // where the plain form would be long.
        Value::Number(n) => {
            let plain = n.to_string();
            if plain.len() <= 24 {
                f.write_str(&plain)
            } else {
                write!(f, "{n:e}")
            }
        }
        Value::String(s) => {
            f.write_str("\"")?;
            for c in s.chars() {
                match c {
                    '"' => f.write_str("\\\"")?,
                    '\\' => f.write_str("\\\\")?,
                    '\n' => f.write_str("\\n")?,
                    '\t' => f.write_str("\\t")?,
                    c => write!(f, "{c}")?,
                }
            }
            f.write_str("\"")
        }
        Value::List(items) => {
            f.write_str("[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                print_literal(f, item)?;
            }
            f.write_str("]")
        }
        Value::Bool(b) => write!(f, "{b}"),
        Value::Null => f.write_str("null"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use std::collections::BTreeMap;

    struct Attrs(BTreeMap<String, Value>);
    impl AttrSource for Attrs {
        fn attr(&self, attr: &AttrRef) -> ValueRef<'_> {
            self.0
                .get(&attr.to_string())
                .map_or(ValueRef::Null, Value::as_ref)
        }
    }

    fn declared(a: &AttrRef) -> Option<AttrType> {
        match a.name.as_str() {
            "assignee" | "department" => Some(AttrType::String),
            "level" => Some(AttrType::Number),
            "locked" => Some(AttrType::Bool),
            "teams" => Some(AttrType::StringList),
            _ => None,
        }
    }

    /// The condition's value: `Some(b)`, or `None` when undecided, with the name of the
    /// missing attribute.
    fn run(text: &str, attrs: &[(&str, Value)]) -> Result<bool, String> {
        let expr = parse(text).unwrap();
        check(&expr, &declared).unwrap();
        let attrs = Attrs(
            attrs
                .iter()
                .map(|(k, v)| ((*k).into(), v.clone()))
                .collect(),
        );
        match eval(&expr, &attrs) {
            Truth::True => Ok(true),
            Truth::False => Ok(false),
            Truth::Missing(a) => {
                assert_eq!(expr.position_of(a).map(|i| expr.attr_reads()[i]), Some(a));
                Err(a.to_string())
            }
        }
    }

    /// Principal attributes known, resource attributes unknown (as at a gate).
    struct Partial(BTreeMap<String, Value>);
    impl AttrSource for Partial {
        fn attr(&self, attr: &AttrRef) -> ValueRef<'_> {
            self.0
                .get(&attr.to_string())
                .map_or(ValueRef::Null, Value::as_ref)
        }
        fn known(&self, attr: &AttrRef) -> bool {
            attr.entity != Entity::Resource
        }
    }

    #[test]
    fn partial_evaluation_is_unknown_only_where_the_unknown_attributes_decide() {
        let source = Partial(BTreeMap::from([(
            "principal.department".to_owned(),
            Value::String("ops".into()),
        )]));
        let partial = |text: &str| eval_partial(&parse(text).unwrap(), &source);
        let (t, f, m) = (Outcomes::TRUE, Outcomes::FALSE, Outcomes::MISSING);
        assert_eq!(partial("resource.assignee == \"u1\""), Outcomes::ANY);
        assert_eq!(partial("principal.department == \"ops\""), t);
        assert_eq!(
            partial("principal.department == \"sales\" && resource.locked == true"),
            f,
            "a false term decides `&&`"
        );
        assert_eq!(
            partial("principal.department == \"ops\" || resource.locked == true"),
            t,
            "a true term decides `||`"
        );
        assert_eq!(
            partial("principal.department == \"ops\" && resource.locked == true"),
            Outcomes::ANY
        );
        assert_eq!(partial("!(resource.locked == true)"), Outcomes::ANY);
        assert_eq!(partial("!(principal.department == \"ops\")"), f);
        // A known attribute that is missing leaves the comparison undecided.
        assert_eq!(partial("principal.team == \"a\""), m);
        assert_eq!(partial("!(principal.team == \"a\")"), m);
        // Undecided and anything: false or undecided under `&&`; true or undecided
        // under `||`.
        let and = partial("principal.team == \"a\" && resource.locked == true");
        assert!(and.may_be_false() && and.may_be_missing() && !and.may_be_true());
        let or = partial("principal.team == \"a\" || resource.locked == true");
        assert!(or.may_be_true() && or.may_be_missing() && !or.may_be_false());
        assert!(or.may_apply(false) && !or.must_apply(false) && or.must_apply(true));
        // With everything known, it is `eval`.
        let known = Attrs(BTreeMap::from([(
            "resource.locked".to_owned(),
            Value::Bool(true),
        )]));
        let expr = parse("resource.locked == true && !(resource.assignee == \"x\")").unwrap();
        assert_eq!(eval_partial(&expr, &known), m);
        let expr = parse("resource.locked == true && !(resource.locked == false)").unwrap();
        assert_eq!(eval_partial(&expr, &known), t);
    }

    #[test]
    fn evaluates_comparisons_and_connectives() {
        let u2 = Value::String("u2".into());
        assert_eq!(
            run(
                "resource.assignee == principal.id",
                &[
                    ("resource.assignee", u2.clone()),
                    ("principal.id", u2.clone())
                ]
            ),
            Ok(true)
        );
        assert_eq!(
            run(
                "principal.department in [\"sales\", \"ops\"] && !(resource.locked == true)",
                &[
                    ("principal.department", Value::String("ops".into())),
                    ("resource.locked", Value::Bool(false))
                ]
            ),
            Ok(true)
        );
        assert_eq!(
            run(
                "\"a\" in principal.teams || resource.level == 3",
                &[("resource.level", Value::Number(3.0))]
            ),
            Ok(true),
            "a true term decides `||` whatever the missing one"
        );
        assert_eq!(
            run(
                "resource.level == 2 && \"a\" in principal.teams",
                &[("resource.level", Value::Number(3.0))]
            ),
            Ok(false),
            "a false term decides `&&` whatever the missing one"
        );
    }

    #[test]
    fn a_missing_attribute_leaves_every_operator_undecided() {
        let u2 = || Value::String("u2".into());
        let missing = |text: &str, attrs: &[(&str, Value)], name: &str| {
            assert_eq!(run(text, attrs), Err(name.to_owned()), "{text}");
        };
        // `==`, `!=` and `in`, whichever side is missing, and `!` over them.
        missing(
            "resource.assignee == principal.id",
            &[("principal.id", u2())],
            "resource.assignee",
        );
        missing(
            "resource.assignee != principal.id",
            &[("principal.id", u2())],
            "resource.assignee",
        );
        missing(
            "!(resource.assignee == principal.id)",
            &[("principal.id", u2())],
            "resource.assignee",
        );
        missing("resource.level != 3", &[], "resource.level");
        missing("resource.level in [1, 2]", &[], "resource.level");
        missing("\"a\" in principal.teams", &[], "principal.teams");
        missing("!(resource.locked == true)", &[], "resource.locked");
        missing("resource.locked", &[], "resource.locked");
        missing("!resource.locked", &[], "resource.locked");
        // Both sides missing: the left one is named, not equal to each other.
        missing(
            "resource.department == principal.department",
            &[],
            "resource.department",
        );
        missing(
            "resource.department != principal.department",
            &[],
            "resource.department",
        );
        // A compound operand: undecided as its sub-condition is.
        missing("(resource.level == 3) == true", &[], "resource.level");
        // Connectives: the first missing attribute of the terms that do not decide.
        missing(
            "resource.level == 3 && principal.department == \"ops\"",
            &[("principal.department", Value::String("ops".into()))],
            "resource.level",
        );
        missing(
            "principal.department == \"x\" || resource.level == 3 || resource.locked",
            &[("principal.department", Value::String("ops".into()))],
            "resource.level",
        );
        // `null` counts as missing.
        missing(
            "resource.level != 3",
            &[("resource.level", Value::Null)],
            "resource.level",
        );
    }

    #[test]
    fn reports_syntax_errors_with_columns() {
        let err = parse("resource.assignee == ").unwrap_err();
        assert_eq!(err.kind, ConditionErrorKind::Syntax);
        assert_eq!(err.column, 22);
        assert_eq!(parse("user.id == 1").unwrap_err().column, 1);
        assert_eq!(
            parse("(resource.a == 1").unwrap_err().kind,
            ConditionErrorKind::Syntax
        );
        assert!(parse(&"!".repeat(1000)).is_err());
        assert!(parse(&"(".repeat(1000)).is_err());
        // Long chains are one node each: no deep recursion when checking or evaluating.
        let chain = vec!["resource.level == 1"; 150].join(" && ");
        let expr = parse(&chain).unwrap();
        assert!(matches!(&expr, Expr::And(terms) if terms.len() == 150));
        check(&expr, &declared).unwrap();
        assert!(parse(&"principal.id == \"x\" || ".repeat(300)).is_err());
    }

    /// Columns aside, two expressions are the same tree (numbers compared bit for bit).
    fn same(a: &Expr, b: &Expr) -> bool {
        fn same_value(a: &Value, b: &Value) -> bool {
            match (a, b) {
                (Value::Number(x), Value::Number(y)) => x.to_bits() == y.to_bits(),
                (Value::List(x), Value::List(y)) => {
                    x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y))
                }
                _ => a == b,
            }
        }
        match (a, b) {
            (Expr::Literal(x, _), Expr::Literal(y, _)) => same_value(x, y),
            (Expr::Attr(x, _), Expr::Attr(y, _)) => x == y,
            (Expr::Eq(a, b), Expr::Eq(c, d))
            | (Expr::Ne(a, b), Expr::Ne(c, d))
            | (Expr::In(a, b), Expr::In(c, d)) => same(a, c) && same(b, d),
            (Expr::And(x), Expr::And(y)) | (Expr::Or(x), Expr::Or(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
            }
            (Expr::Not(x), Expr::Not(y)) => same(x, y),
            _ => false,
        }
    }

    #[test]
    fn prints_conditions_that_parse_back_to_the_same_tree() {
        for text in [
            "resource.assignee == principal.id",
            "(resource.b == 1)",
            "resource.a == 1 && (resource.b == 2 || resource.c == 3)",
            "(resource.a == 1 && resource.b == 2) && resource.c == 3",
            "(resource.a == 1 || resource.b == 2) || resource.c == 3",
            "resource.a == 1 && resource.b == 2 || resource.c == 3",
            "!(resource.a == 1 && resource.b == 2)",
            "!resource.a == 1",
            "!!!resource.locked",
            "(resource.a == 1) == (resource.b == 2)",
            "(!resource.locked) != true",
            "-0 == resource.n",
            "resource.n in [1.5, -2.25e-300, 1e300, 123456789012345678, 0.1]",
            "\"a\\\"b\\\\c\\nd\\te'f\" == 'x\\'y'",
            "resource.t in []",
            "[true, false] == resource.x",
        ] {
            let expr = parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            let printed = expr.to_string();
            let again = parse(&printed).unwrap_or_else(|e| panic!("{printed}: {e:?}"));
            assert!(same(&expr, &again), "{text} printed as {printed}");
        }
        assert_eq!(
            parse("((resource.a == 1) || resource.b == 2) && !(resource.c in [1])")
                .unwrap()
                .to_string(),
            "(resource.a == 1 || resource.b == 2) && !resource.c in [1]"
        );
        // Printed text nests no deeper than the text it came from.
        let deep = format!("{}resource.locked", "!".repeat(64));
        assert!(parse(&parse(&deep).unwrap().to_string()).is_ok());
    }

    #[test]
    fn reports_type_errors() {
        let text = "resource.assignee == 5";
        let err = check(&parse(text).unwrap(), &declared).unwrap_err();
        assert_eq!(err.kind, ConditionErrorKind::TypeMismatch);
        let text = "resource.owner == principal.id";
        let err = check(&parse(text).unwrap(), &declared).unwrap_err();
        assert_eq!(err.kind, ConditionErrorKind::UnknownAttribute);
        assert_eq!(err.column, 1);
        let text = "principal.id";
        assert!(check(&parse(text).unwrap(), &declared).is_err());
        let text = "resource.level in [\"a\"]";
        assert!(check(&parse(text).unwrap(), &declared).is_err());
    }
}
