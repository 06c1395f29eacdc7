//! Names and values as a text table shows them: on one line, and read in
//! the table's direction.

/// `text` with each control character (a line break, a tab) and each
/// bidirectional formatting character (which would turn the rest of a
/// terminal's line around) as a space.
pub(super) fn shown(text: &str) -> String {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    text.replace(hidden, " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_one_line_and_its_direction() {
        assert_eq!(shown("Bo\nDiaz\t"), "Bo Diaz ");
        assert_eq!(shown("\u{202E}RTL\u{2066}x\u{2069}"), " RTL x ");
        assert_eq!(shown("José Díaz"), "José Díaz");
        assert_eq!(shown("عمر"), "عمر");
    }
}
