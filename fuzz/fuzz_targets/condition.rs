//! The condition parser (`when = "..."`). Oracle: a condition that parses prints (the
//! `Display` of the expression) as text that parses back to the same tree, columns aside,
//! numbers bit for bit; printing that again gives the same text.
//!
//! Input: the condition text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolegate::Value;
use rolegate::test_util::condition::{Expr, MAX_CONDITION_LEN, parse};

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.to_bits() == y.to_bits(),
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y))
        }
        _ => a == b,
    }
}

/// The same tree, columns aside.
fn same(a: &Expr, b: &Expr) -> bool {
    match (a, b) {
        (Expr::Literal(x, _), Expr::Literal(y, _)) => same_value(x, y),
        (Expr::Attr(x, _), Expr::Attr(y, _)) | (Expr::Has(x, _), Expr::Has(y, _)) => x == y,
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

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(expr) = parse(text) else {
        return;
    };
    let printed = expr.to_string();
    // Integers print in full (`1e14` is 15 digits): printed text may pass the length limit
    // that its source was within.
    if printed.len() > MAX_CONDITION_LEN {
        return;
    }
    let again = match parse(&printed) {
        Ok(e) => e,
        Err(e) => panic!("{text:?} printed as {printed:?}, which does not parse: {e:?}"),
    };
    assert!(
        same(&expr, &again),
        "{text:?} printed as {printed:?}, which parses to another tree:\n{expr:?}\n{again:?}"
    );
    assert_eq!(again.to_string(), printed, "printing is not stable");
});
