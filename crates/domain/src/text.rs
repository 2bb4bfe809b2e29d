//! Text rules shared by validators: full-width digits, blank strings.

/// Turns full-width ASCII (０-９, Ａ-Ｚ, ａ-ｚ) into half-width, and trims white space
/// (including the ideographic space U+3000).
pub fn normalize_ascii(input: &str) -> String {
    input
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
        .chars()
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            other => other,
        })
        .collect()
}

/// Like [`normalize_ascii`], and drops the spaces people put inside long numbers
/// ("331199 19560312 0026").
pub fn normalize_number(input: &str) -> String {
    normalize_ascii(input)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect()
}

/// Whether a string is empty once white space is removed.
pub fn is_blank(s: &str) -> bool {
    s.chars().all(|c| c.is_whitespace() || c == '\u{3000}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_become_ascii() {
        assert_eq!(normalize_ascii(" ３３０１２３\u{3000}"), "330123");
        assert_eq!(normalize_ascii("ＡＢｃ"), "ABc");
        assert!(is_blank(" \u{3000}\t"));
        assert_eq!(
            normalize_number("３３１１９９ １９５６０３１２\u{3000}００２６ "),
            "331199195603120026"
        );
        assert!(!is_blank("x"));
    }
}
