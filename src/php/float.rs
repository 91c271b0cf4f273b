//! PHP's float-to-text conversion with `serialize_precision = -1` (the default):
//! the shortest digits that round-trip, laid out as `zend_gcvt` lays them out.

/// Formats `f` as PHP's `serialize()` writes it after `d:` (e.g. `0.1`, `1.0E+25`,
/// `-0`, `INF`, `NAN`). `var_export` and `json_encode` start from the same text.
pub fn php_repr(f: f64) -> String {
    if f.is_nan() {
        return "NAN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "INF" } else { "-INF" }.to_string();
    }
    let (digits, decpt) = shortest_digits(f.abs());
    let mut out = String::with_capacity(digits.len() + 8);
    if f.is_sign_negative() {
        out.push('-');
    }
    if !(-3..=17).contains(&decpt) {
        push_exponential(&mut out, &digits, decpt);
    } else if decpt <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-decpt) as usize));
        out.push_str(&digits);
    } else {
        push_positional(&mut out, &digits, decpt as usize);
    }
    out
}

/// The shortest round-trip decimal digits of `f` (non-negative, finite) and the
/// position of the decimal point: `f = 0.DIGITS × 10^decpt`.
///
/// Like `zend_dtoa` mode 0, when two digit strings of that length are equally
/// close to `f`, the one ending in an even digit wins: Rust's shortest form
/// picks the other one, so the digits are re-rounded exactly to that length.
fn shortest_digits(f: f64) -> (String, i32) {
    let shortest = format!("{f:e}"); // e.g. "1.2345e-5", "0e0"
    let len = shortest
        .split_once('e')
        .map_or(0, |(m, _)| m.replace('.', "").len());
    let sci = format!("{f:.*e}", len.saturating_sub(1)); // exact, ties to even
    let (mantissa, exp) = sci.split_once('e').expect("{:e} always has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp + 1)
}

fn push_exponential(out: &mut String, digits: &str, decpt: i32) {
    let (first, rest) = digits.split_at(1);
    out.push_str(first);
    out.push('.');
    out.push_str(if rest.is_empty() { "0" } else { rest });
    let exp = decpt - 1;
    out.push('E');
    out.push(if exp < 0 { '-' } else { '+' });
    out.push_str(&exp.abs().to_string());
}

fn push_positional(out: &mut String, digits: &str, decpt: usize) {
    if digits.len() <= decpt {
        out.push_str(digits);
        out.extend(std::iter::repeat_n('0', decpt - digits.len()));
    } else {
        out.push_str(&digits[..decpt]);
        out.push('.');
        out.push_str(&digits[decpt..]);
    }
}

#[cfg(test)]
mod tests {
    use super::php_repr;

    #[test]
    fn layouts_match_zend_gcvt() {
        let cases = [
            (1e25, "1.0E+25"),
            (1e17, "1.0E+17"),
            (1e16, "10000000000000000"),
            (0.0001, "0.0001"),
            (0.00001, "1.0E-5"),
            (-0.0, "-0"),
            (0.0, "0"),
            (0.1, "0.1"),
            (1.5e-7, "1.5E-7"),
            (123456789012345678.0, "1.2345678901234568E+17"),
            (5e-324, "5.0E-324"),
            (-3_657_145_509_890_017.0 / 4.0, "-914286377472504.2"), // a tie: even digit wins,
            (f64::INFINITY, "INF"),
            (f64::NEG_INFINITY, "-INF"),
            (f64::NAN, "NAN"),
        ];
        for (f, want) in cases {
            assert_eq!(php_repr(f), want, "{f:e}");
        }
    }
}
