//! Amounts in yuan as the gateway writes them (`"5.00"`), held as a whole number of fen (cents).

/// Parses `"5"`, `"5.0"` or `"5.00"` into fen. `None` for anything else: signs, exponents, more than two decimals,
/// spaces, or a value too large to hold.
pub(crate) fn parse_fen(text: &str) -> Option<u64> {
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 || whole.len() > 12 {
        return None;
    }
    if text.ends_with('.') {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let frac: u64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<u64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(frac)
}

/// Parses an amount in the documented request format only: yuan with exactly two decimals (`"8.88"`).
pub(crate) fn parse_two_decimals(text: &str) -> Option<u64> {
    let (_, frac) = text.split_once('.')?;
    if frac.len() != 2 {
        return None;
    }
    parse_fen(text)
}

/// Formats fen as yuan with two decimals: `500` → `"5.00"`.
pub(crate) fn format_fen(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_format_and_shorter_forms() {
        assert_eq!(parse_fen("5.00"), Some(500));
        assert_eq!(parse_fen("5.5"), Some(550));
        assert_eq!(parse_fen("12"), Some(1200));
        assert_eq!(parse_fen("0.01"), Some(1));
    }

    #[test]
    fn rejects_what_is_not_a_plain_amount() {
        for bad in [
            "", ".5", "5.", "5.001", "-1", "+1", "1e3", " 1", "1,00", "一",
        ] {
            assert_eq!(parse_fen(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_request_format_needs_exactly_two_decimals() {
        assert_eq!(parse_two_decimals("8.88"), Some(888));
        assert_eq!(parse_two_decimals("8.8"), None);
        assert_eq!(parse_two_decimals("8"), None);
    }

    #[test]
    fn formats_with_two_decimals() {
        assert_eq!(format_fen(500), "5.00");
        assert_eq!(format_fen(1), "0.01");
        assert_eq!(format_fen(123_456), "1234.56");
    }
}
