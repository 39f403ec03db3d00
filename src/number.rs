//! Decimal text to `f64`, correctly rounded (to nearest, ties to even) as
//! `str::parse::<f64>` does, in a fraction of its code size.
//!
//! Policies and inputs carry numbers as decimal text (JSON, conditions). The standard
//! parser carries large tables of powers of five; in the WebAssembly build they cost a
//! fifth of the module. Here, short numbers take the exact fast path (a mantissa below
//! 2^53 times an exactly representable power of ten), and the rest start from an
//! estimate that is corrected ulp by ulp with exact big-integer comparisons. A property
//! test holds the result equal to the standard parser's.

/// Longest number read, in characters; longer text is refused.
const MAX_LEN: usize = 800;

/// Exactly representable powers of ten.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses `-?digits(.digits)?([eE][+-]?digits)?`. `None` for other text, for numbers
/// too large to be finite, and for text longer than 800 characters.
pub fn parse_f64(text: &str) -> Option<f64> {
    if text.len() > MAX_LEN {
        return None;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    let negative = bytes.first() == Some(&b'-');
    if negative {
        i += 1;
    }
    // Significant digits, without leading zeros; the decimal exponent they are scaled by.
    let mut digits: Vec<u8> = Vec::new();
    let mut exponent: i64 = 0;
    let mut seen_digit = false;
    while let Some(&b) = bytes.get(i) {
        if !b.is_ascii_digit() {
            break;
        }
        seen_digit = true;
        if !(digits.is_empty() && b == b'0') {
            digits.push(b - b'0');
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while let Some(&b) = bytes.get(i) {
            if !b.is_ascii_digit() {
                break;
            }
            if !(digits.is_empty() && b == b'0') {
                digits.push(b - b'0');
            }
            exponent -= 1;
            i += 1;
        }
        if i == start {
            return None;
        }
        seen_digit = true;
    }
    if !seen_digit {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        let sign = match bytes.get(i) {
            Some(b'-') => {
                i += 1;
                -1
            }
            Some(b'+') => {
                i += 1;
                1
            }
            _ => 1,
        };
        let start = i;
        let mut e: i64 = 0;
        while let Some(&b) = bytes.get(i) {
            if !b.is_ascii_digit() {
                break;
            }
            e = (e * 10 + i64::from(b - b'0')).min(100_000);
            i += 1;
        }
        if i == start {
            return None;
        }
        exponent += sign * e;
    }
    if i != bytes.len() {
        return None;
    }
    // Trailing zeros only scale.
    while digits.last() == Some(&0) {
        digits.pop();
        exponent += 1;
    }
    let value = magnitude(&digits, exponent)?;
    Some(if negative { -value } else { value })
}

/// The nearest `f64` to `0.digits... x 10^exponent`, written as digits x 10^exponent.
fn magnitude(digits: &[u8], exponent: i64) -> Option<f64> {
    if digits.is_empty() {
        return Some(0.0);
    }
    let count = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    // Beyond these the value is infinite or rounds to zero.
    if count + exponent > 310 {
        return None;
    }
    if count + exponent < -325 {
        return Some(0.0);
    }
    // Fast path: the mantissa and the power of ten are both exact.
    if digits.len() <= 15 {
        let mut m: u64 = 0;
        for &d in digits {
            m = m * 10 + u64::from(d);
        }
        let exact = m as f64;
        if (0..=22).contains(&exponent) {
            return finite(exact * pow10(exponent));
        }
        if (-22..0).contains(&exponent) {
            return finite(exact / pow10(-exponent));
        }
    }
    // Estimate from the first digits, then correct against the exact value.
    let mut m: u64 = 0;
    for &d in digits.iter().take(19) {
        m = m * 10 + u64::from(d);
    }
    let scale = exponent + count - count.min(19);
    let mut guess = estimate(m as f64, scale);
    let exact = Big::from_digits(digits);
    // The estimate is within a few ulps; each step moves one ulp toward the value.
    for _ in 0..4096 {
        match compare_to_halfways(&exact, exponent, guess) {
            Step::Up => guess = next_up(guess),
            Step::Down => guess = next_down(guess),
            Step::Stay => return finite(guess),
            Step::Overflow => return None,
        }
    }
    finite(guess)
}

fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

fn pow10(e: i64) -> f64 {
    POW10
        .get(usize::try_from(e).unwrap_or(0))
        .copied()
        .unwrap_or(1.0)
}

/// `m x 10^e` in floating point: a start for the correction, not exact.
fn estimate(m: f64, e: i64) -> f64 {
    let mut value = m;
    let mut e = e;
    while e > 0 {
        let step = e.min(22);
        value *= pow10(step);
        e -= step;
    }
    while e < 0 {
        let step = (-e).min(22);
        value /= pow10(step);
        e += step;
    }
    if value.is_infinite() {
        f64::MAX
    } else if value == 0.0 {
        f64::from_bits(1)
    } else {
        value
    }
}

fn next_up(x: f64) -> f64 {
    f64::from_bits(x.to_bits() + 1)
}

fn next_down(x: f64) -> f64 {
    if x.to_bits() <= 1 {
        0.0
    } else {
        f64::from_bits(x.to_bits() - 1)
    }
}

enum Step {
    Up,
    Down,
    Stay,
    /// Above the largest finite value: rounds to infinity.
    Overflow,
}

/// Where the exact value `digits x 10^exponent` lies against the halfway points around
/// the positive float `guess`.
fn compare_to_halfways(digits: &Big, exponent: i64, guess: f64) -> Step {
    if guess == 0.0 {
        // Zero: the value is positive, so it rounds up unless below half the smallest.
        return match compare(digits, exponent, 1, -1075) {
            std::cmp::Ordering::Greater => Step::Up,
            _ => Step::Stay,
        };
    }
    let bits = guess.to_bits();
    let biased = i64::try_from((bits >> 52) & 0x7ff).unwrap_or(0);
    let fraction = bits & ((1 << 52) - 1);
    // guess = f x 2^k exactly.
    let (f, k) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    // Halfway points: (2f +- 1) x 2^(k-1). Below a power of two the gap is halved.
    let upper = compare(digits, exponent, 2 * f + 1, k - 1);
    if upper == std::cmp::Ordering::Greater || (upper == std::cmp::Ordering::Equal && f % 2 == 1) {
        if guess == f64::MAX {
            return Step::Overflow;
        }
        return Step::Up;
    }
    let lower = if fraction == 0 && biased > 1 {
        compare(digits, exponent, 4 * f - 1, k - 2)
    } else {
        compare(digits, exponent, 2 * f - 1, k - 1)
    };
    if lower == std::cmp::Ordering::Less || (lower == std::cmp::Ordering::Equal && f % 2 == 1) {
        return Step::Down;
    }
    Step::Stay
}

/// Compares `digits x 10^exponent` with `h x 2^shift`, exactly.
fn compare(digits: &Big, exponent: i64, h: u64, shift: i64) -> std::cmp::Ordering {
    let mut left = digits.clone();
    let mut right = Big::from_u64(h);
    if exponent >= 0 {
        left.mul_pow10(exponent);
    } else {
        right.mul_pow10(-exponent);
    }
    if shift >= 0 {
        right.shl(shift);
    } else {
        left.shl(-shift);
    }
    left.cmp(&right)
}

/// A non-negative big integer, little-endian base 2^32.
#[derive(Clone, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(n: u64) -> Big {
        let mut b = Big(vec![(n & 0xffff_ffff) as u32, (n >> 32) as u32]);
        b.trim();
        b
    }

    fn from_digits(digits: &[u8]) -> Big {
        let mut b = Big(Vec::new());
        for chunk in digits.chunks(9) {
            let mut value = 0u32;
            let mut scale = 1u32;
            for &d in chunk {
                value = value * 10 + u32::from(d);
                scale *= 10;
            }
            b.mul_add(scale, value);
        }
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn mul_add(&mut self, factor: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(factor) + carry;
            *limb = (v & 0xffff_ffff) as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
        self.trim();
    }

    fn mul_pow10(&mut self, mut e: i64) {
        while e > 0 {
            let step = e.min(9);
            self.mul_add(10u32.pow(u32::try_from(step).unwrap_or(0)), 0);
            e -= step;
        }
    }

    fn shl(&mut self, bits: i64) {
        let bits = usize::try_from(bits).unwrap_or(0);
        let (words, rest) = (bits / 32, bits % 32);
        if rest > 0 {
            let mut carry = 0u32;
            for limb in &mut self.0 {
                let v = (u64::from(*limb) << rest) | u64::from(carry);
                *limb = (v & 0xffff_ffff) as u32;
                carry = (v >> 32) as u32;
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        if words > 0 && !self.0.is_empty() {
            let mut shifted = vec![0u32; words];
            shifted.extend_from_slice(&self.0);
            self.0 = shifted;
        }
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Big {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use proptest::prelude::*;

    fn agrees(text: &str) {
        let ours = parse_f64(text);
        let std = text.parse::<f64>().ok().filter(|v| v.is_finite());
        assert_eq!(
            ours.map(f64::to_bits),
            std.map(f64::to_bits),
            "`{text}`: ours {ours:?}, std {std:?}"
        );
    }

    #[test]
    fn hard_cases_round_like_the_standard_parser() {
        for text in [
            "0",
            "-0",
            "0.0",
            "1",
            "-1",
            "0.1",
            "0.2",
            "0.30000000000000004",
            "3.14159",
            "1e23",
            "9007199254740993",
            "9007199254740992.5",
            "9007199254740995",
            "123456789012345678901234567890",
            "2.2250738585072011e-308",
            "2.2250738585072014e-308",
            "4.9e-324",
            "5e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "1e-400",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "1e309",
            "0.000001",
            "1.5",
            "2.5",
            "1e22",
            "1e-22",
            "123.456e-7",
            "7.2057594037927933e16",
            "8.98846567431158e307",
            "4.35679e-10",
            "1.448997445238699",
            "0.1e1",
            "100e-2",
            "1E5",
            "1e+5",
            "00012",
            "0.5000000000000000000000000000001",
            "2.22507385850720113605740979670913197593481954635164564802342610972482222202107694551652952390813508791414915891303962110687008643869459464552765720740782062174337998814106326732925355228688137214901298112245145188984905722230728525513315575501591439747639798341180199932396254828901710708185069063066665599493827577257201576306269066333264756530000924588831643303777979186961204949739037782970490505108060994073026293712895895000358379996720725430436028407889577179615094551674824347103070260914462157228988025818254518032570701886087211312807951223342628836862232150377566662250398253433597456888442390026549819838548794829220689472168983109969836584681402285424333066033985088644580400103493397042756718644338377048603786162277173854562306587467901408672332763671875e-308",
            "2.2250738585072011360574097967091319759348195463516456480234261097248222222e-308",
        ] {
            agrees(text);
        }
        for bad in [
            "", "-", ".", "1.", ".5", "1e", "1e+", "--1", "1x", "0x10", "inf", "NaN", "1.2.3",
        ] {
            assert_eq!(parse_f64(bad), None, "`{bad}`");
        }
        assert_eq!(parse_f64(&"1".repeat(801)), None);
        // Longer than 800 characters: refused, whatever the standard parser says.
        assert_eq!(parse_f64(&format!("1.{}", "0".repeat(900))), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 20_000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn random_decimals_round_like_the_standard_parser(
            int in "[0-9]{1,25}",
            frac in proptest::option::of("[0-9]{1,25}"),
            exp in proptest::option::of(-345i32..345),
            negative in any::<bool>(),
        ) {
            let mut text = String::new();
            if negative { text.push('-'); }
            text.push_str(&int);
            if let Some(f) = frac { text.push('.'); text.push_str(&f); }
            if let Some(e) = exp { text.push_str(&format!("e{e}")); }
            let ours = parse_f64(&text);
            let std = text.parse::<f64>().ok().filter(|v| v.is_finite());
            prop_assert_eq!(ours.map(f64::to_bits), std.map(f64::to_bits), "{}", text);
        }

        #[test]
        fn every_float_printed_shortest_reads_back(bits in any::<u64>()) {
            let x = f64::from_bits(bits);
            prop_assume!(x.is_finite());
            for text in [format!("{x}"), format!("{x:e}"), format!("{x:.17e}")] {
                prop_assert_eq!(parse_f64(&text).map(f64::to_bits), Some(x.to_bits()), "{}", text);
            }
        }
    }
}
