//! Names and values as a text table shows them: on one line, and read in
//! the table's direction.

/// `text` with each control character (a line break, a tab) and each
/// bidirectional formatting character (which would turn the rest of a
/// terminal's line around) as a space.
pub(super) fn shown(text: &str) -> String {
    text.replace(hidden, " ")
}

/// True for the characters [`shown`] writes as a space: control
/// characters, and the marks that reorder text on a terminal.
pub(super) fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` ([`shown`]) and the spaces that fill it to `width` columns of a
/// terminal: a combining mark takes none, a wide character two (a name in
/// decomposed form, `José` as `e` and an accent, lines up with its
/// neighbours).
pub(super) fn padded(text: &str, width: usize) -> String {
    let text = shown(text);
    let columns = unicode_width::UnicodeWidthStr::width(text.as_str());
    let fill = width.saturating_sub(columns);
    text + &" ".repeat(fill)
}

/// The columns of `text` as [`padded`] counts them.
pub(super) fn columns(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(shown(text).as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_padded_by_the_columns_they_take() {
        let decomposed = "Jose\u{301} Di\u{301}az";
        assert_eq!(columns(decomposed), 9);
        assert_eq!(padded(decomposed, 11), format!("{decomposed}  "));
        assert_eq!(padded("习近平", 8), "习近平  ");
        assert_eq!(padded("Ann\nLee", 5), "Ann Lee");
    }

    #[test]
    fn a_name_keeps_one_line_and_its_direction() {
        assert_eq!(shown("Bo\nDiaz\t"), "Bo Diaz ");
        assert_eq!(shown("\u{202E}RTL\u{2066}x\u{2069}"), " RTL x ");
        assert_eq!(shown("José Díaz"), "José Díaz");
        assert_eq!(shown("عمر"), "عمر");
    }
}
