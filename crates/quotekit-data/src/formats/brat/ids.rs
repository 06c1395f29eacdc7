//! The ids file of a brat folder ([`IDS_FILE`]): the ids of the documents
//! whose file names are not their ids, written by quotekit's brat output
//! and read by the brat reader.

/// The file in a brat output folder that lists the documents whose file
/// name is not their id: `NAME<TAB>ID` per line ([`ids_line`]).
pub const IDS_FILE: &str = "ids.tsv";

/// The first line of an [`IDS_FILE`] whose lines are [`ids_line`]s. A file
/// without it was written before names and ids were escaped: its lines are
/// read as they are. (It holds no tab, which every line of names has.)
pub const IDS_HEADER: &str = "# quotekit ids: NAME, a tab, ID; \\t \\n \\r \\\\ escaped";

/// The text of an [`IDS_FILE`] naming `pairs` (file name, id): the header,
/// then their [`ids_line`]s.
pub fn ids_text(pairs: &[(String, String)]) -> String {
    let mut out = format!("{IDS_HEADER}\n");
    for (name, id) in pairs {
        out.push_str(&ids_line(name, id));
        out.push('\n');
    }
    out
}

/// True when the text of an [`IDS_FILE`] opens with [`IDS_HEADER`] (after
/// a byte-order mark, if any): its lines are escaped.
pub fn has_header(text: &str) -> bool {
    let text = text.strip_prefix(crate::formats::BOM).unwrap_or(text);
    text.lines().next() == Some(IDS_HEADER)
}

/// The file names and ids in the text of an [`IDS_FILE`]: [`ids_line`]s
/// after [`IDS_HEADER`], or `NAME<TAB>ID` as written without it (a
/// byte-order mark is passed over).
pub fn read_ids(text: &str) -> Vec<(String, String)> {
    let escaped = has_header(text);
    let text = text.strip_prefix(crate::formats::BOM).unwrap_or(text);
    text.lines()
        .skip(usize::from(escaped))
        .filter_map(|line| {
            if escaped {
                parse_ids_line(line)
            } else {
                line.split_once('\t')
                    .map(|(name, id)| (name.to_string(), id.to_string()))
            }
        })
        .collect()
}

/// A rename an [`IDS_FILE`] gives: an article's file name stem, its
/// document id, and the line (from 1) that gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// The article's file name stem.
    pub name: String,
    /// Its document id.
    pub id: String,
    /// The line of the file.
    pub line: usize,
}

/// The renames the text of an [`IDS_FILE`] (`path`) gives the articles of
/// its folder (`articles`, their file name stems), and whether it opens
/// with [`IDS_HEADER`]. With the header, a line that is not a name, a tab
/// and an id ([`ids_line`]) is an error naming it, and a name no
/// article has is passed over (a document removed by hand, or not yet
/// written: a line is written before its document). Without it (an earlier
/// version's file, or another program's), each line is read as the earlier
/// versions wrote it: split at a tab as written (names with a tab were
/// written so once) or unescaped (as they were later, before the header);
/// the reading whose name [`could_name`](super::files::could_name) its id
/// is taken, or else the first that names an article; a line none of whose
/// readings names an article is passed over. Either way, a last line
/// without its end (cut by a kill) that does not read is passed over, and
/// a name given two different ids is an error; a line repeated is read once.
pub fn renames(
    text: &str,
    articles: &std::collections::HashSet<&str>,
    path: &std::path::Path,
) -> Result<(Vec<Rename>, bool), crate::error::DataError> {
    let bad = |line: usize, message: String| crate::error::DataError::Syntax {
        path: path.to_path_buf(),
        line,
        message,
    };
    let escaped = has_header(text);
    let whole = text.ends_with('\n');
    let lines: Vec<&str> = text
        .strip_prefix(crate::formats::BOM)
        .unwrap_or(text)
        .lines()
        .collect();
    let mut out: Vec<Rename> = Vec::new();
    let mut given: std::collections::HashMap<String, usize> = Default::default();
    for (k, line) in lines.iter().enumerate().skip(usize::from(escaped)) {
        let number = k + 1;
        let cut = number == lines.len() && !whole;
        if line.is_empty() {
            continue;
        }
        let (name, id) = if escaped {
            match parse_ids_line(line).filter(|_| line.matches('\t').count() == 1) {
                Some(pair) if articles.contains(pair.0.as_str()) => pair,
                Some(_) => continue,
                None if cut => continue,
                None => {
                    return Err(bad(
                        number,
                        format!(
                            "{:?} is not a file name, a tab and a document id (a tab, line \
                             end or backslash in either written `\\t`, `\\n`, `\\r`, `\\\\`)",
                            crate::message::shorten(line, 80)
                        ),
                    ))
                }
            }
        } else {
            let split = line.match_indices('\t').map(|(at, _)| {
                let (name, id) = line.split_at(at);
                (name.to_string(), id[1..].to_string())
            });
            let unescaped = parse_ids_line(line).filter(|_| line.contains('\\'));
            let readings: Vec<(String, String)> = split
                .chain(unescaped)
                .filter(|(name, _)| articles.contains(name.as_str()))
                .collect();
            let named = readings
                .iter()
                .position(|(name, id)| super::files::could_name(name, id))
                .unwrap_or(0);
            match readings.into_iter().nth(named) {
                Some(pair) => pair,
                None => continue,
            }
        };
        if let Some(&before) = given.get(&name) {
            let earlier = &out[before];
            if earlier.id != id {
                return Err(bad(
                    number,
                    format!(
                        "gives {name:?} the id {id:?}, where line {} gave it {:?}",
                        earlier.line, earlier.id
                    ),
                ));
            }
            continue;
        }
        given.insert(name.clone(), out.len());
        out.push(Rename {
            name,
            id,
            line: number,
        });
    }
    Ok((out, escaped))
}

/// A line of [`IDS_FILE`], without its end: the file name and the id, with
/// backslashes, tabs and line ends in either written `\\`, `\t`, `\n`, `\r`.
pub fn ids_line(name: &str, id: &str) -> String {
    let escape = |s: &str| {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
        out
    };
    format!("{}\t{}", escape(name), escape(id))
}

/// The file name and the id of a line of [`IDS_FILE`] ([`ids_line`]); a
/// backslash before another character is kept as written.
pub fn parse_ids_line(line: &str) -> Option<(String, String)> {
    let unescape = |s: &str| {
        let mut out = String::with_capacity(s.len());
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            let escaped = match (c, chars.peek()) {
                ('\\', Some('\\')) => '\\',
                ('\\', Some('t')) => '\t',
                ('\\', Some('n')) => '\n',
                ('\\', Some('r')) => '\r',
                (c, _) => {
                    out.push(c);
                    continue;
                }
            };
            chars.next();
            out.push(escaped);
        }
        out
    };
    let (name, id) = line.split_once('\t')?;
    Some((unescape(name), unescape(id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names and ids with tabs, line ends and backslashes round-trip
    /// through a line; a file written before escaping (no header) is read
    /// as written, backslashes and all; one with the header, escaped; a
    /// byte-order mark is passed over.
    #[test]
    fn ids_with_tabs_and_line_ends_round_trip() {
        for (name, id) in [("a~1", "wire/a\nb"), ("b\tc", "x\\t\ty\r"), ("c", "plain")] {
            let line = ids_line(name, id);
            assert!(
                !line.contains('\n') && line.matches('\t').count() == 1,
                "{line:?}"
            );
            assert_eq!(parse_ids_line(&line), Some((name.into(), id.into())));
        }
        let old = "C:_news_tax~1\tC:\\news\\tax\r\na_b~1\ta\\b\n";
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            read_ids(old),
            pairs(&[("C:_news_tax~1", "C:\\news\\tax"), ("a_b~1", "a\\b")])
        );
        let named = pairs(&[("C:_news_tax~1", "C:\\news\\tax")]);
        let new = format!("\u{feff}{}", ids_text(&named));
        assert!(has_header(&new) && !has_header(old));
        assert_eq!(read_ids(&new), named);
    }
}
