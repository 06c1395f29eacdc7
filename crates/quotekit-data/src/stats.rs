//! Corpus statistics: what `quotekit stats` prints.

use crate::document::{Document, Role};
use crate::tags::{encode, role_fragments, TagScheme};
use crate::tokenize::{trim_span, Tokenizer};
use serde::Serialize;

/// Counts for one role.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RoleStats {
    /// Spans of this role.
    pub spans: usize,
    /// Fragments (a discontinuous span has several).
    pub fragments: usize,
    /// Spans with more than one fragment.
    pub discontinuous: usize,
    /// Mean span length in tokens (over all fragments of a span).
    pub mean_tokens: f64,
    /// Mean span length in characters.
    pub mean_chars: f64,
}

/// Statistics of a corpus.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CorpusStats {
    /// Documents.
    pub documents: usize,
    /// Documents with no span.
    pub documents_without_spans: usize,
    /// Paragraphs.
    pub paragraphs: usize,
    /// Sentences.
    pub sentences: usize,
    /// Tokens.
    pub tokens: usize,
    /// Per role: source, cue, content.
    pub source: RoleStats,
    /// Cue spans.
    pub cue: RoleStats,
    /// Content spans.
    pub content: RoleStats,
    /// Attributions.
    pub attributions: usize,
    /// Attributions that name a source.
    pub attributions_with_source: usize,
    /// Attributions with no source.
    pub attributions_without_source: usize,
    /// Attributions with more than one content span.
    pub attributions_multi_content: usize,
    /// Content spans whose text starts with a quotation mark.
    pub direct_quotes: usize,
    /// Other content spans.
    pub indirect_quotes: usize,
    /// Fragments whose ends (trimmed of whitespace) do not fall on token boundaries.
    pub fragments_off_token_boundaries: usize,
    /// All fragments.
    pub fragments: usize,
    /// Fragments that lost tokens to an overlapping fragment when encoding tags.
    pub encoding_conflicts: usize,
}

impl CorpusStats {
    /// Share of fragments whose ends do not fall on token boundaries.
    pub fn off_boundary_share(&self) -> f64 {
        if self.fragments == 0 {
            0.0
        } else {
            self.fragments_off_token_boundaries as f64 / self.fragments as f64
        }
    }

    /// Statistics of one role.
    pub fn role(&self, role: Role) -> &RoleStats {
        match role {
            Role::Source => &self.source,
            Role::Cue => &self.cue,
            Role::Content => &self.content,
        }
    }

    fn role_mut(&mut self, role: Role) -> &mut RoleStats {
        match role {
            Role::Source => &mut self.source,
            Role::Cue => &mut self.cue,
            Role::Content => &mut self.content,
        }
    }

    /// Computes statistics, tokenizing every document with `tokenizer`.
    /// (Documents are taken as they are: validate them first, as every
    /// reader does. A fragment past a text's end counts the characters
    /// within it.)
    pub fn compute(documents: &[Document], tokenizer: &Tokenizer) -> Self {
        let mut s = CorpusStats {
            documents: documents.len(),
            ..Self::default()
        };
        let mut token_sums = [0usize; 3];
        let mut char_sums = [0usize; 3];
        for doc in documents {
            let index = doc.char_index();
            let tok = tokenizer.tokenize(doc);
            s.paragraphs += tok.paragraphs.len();
            s.sentences += tok.sentences.len();
            s.tokens += tok.tokens.len();
            if doc.spans.is_empty() {
                s.documents_without_spans += 1;
            }
            for span in &doc.spans {
                let r = span.role.index();
                let rs = s.role_mut(span.role);
                rs.spans += 1;
                rs.fragments += span.fragments.len();
                rs.discontinuous += usize::from(span.is_discontinuous());
                for f in &span.fragments {
                    char_sums[r] += f.end.min(index.char_len()).saturating_sub(f.start);
                    token_sums[r] += tok.overlapping(*f).len();
                    s.fragments += 1;
                    if !tok.on_boundaries(doc.text(), &index, *f) {
                        s.fragments_off_token_boundaries += 1;
                    }
                }
                if span.role == Role::Content {
                    let first = span.fragments.iter().min_by_key(|f| f.start).copied();
                    let direct = first
                        .map(|f| trim_span(doc.text(), &index, f))
                        .and_then(|f| index.slice(doc.text(), f))
                        .is_some_and(crate::marks::starts_quoted);
                    if direct {
                        s.direct_quotes += 1;
                    } else {
                        s.indirect_quotes += 1;
                    }
                }
            }
            for a in &doc.attributions {
                s.attributions += 1;
                if a.source.is_some() {
                    s.attributions_with_source += 1;
                } else {
                    s.attributions_without_source += 1;
                }
                s.attributions_multi_content += usize::from(a.content.len() > 1);
            }
            s.encoding_conflicts += encode(&tok, &role_fragments(doc), TagScheme::Bio).conflicts;
        }
        for role in Role::ALL {
            let r = role.index();
            let rs = s.role_mut(role);
            if rs.spans > 0 {
                rs.mean_tokens = token_sums[r] as f64 / rs.spans as f64;
                rs.mean_chars = char_sums[r] as f64 / rs.spans as f64;
            }
        }
        s
    }
}

impl std::fmt::Display for CorpusStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "documents                {:>9}  ({} without any span)",
            self.documents, self.documents_without_spans
        )?;
        writeln!(f, "paragraphs               {:>9}", self.paragraphs)?;
        writeln!(f, "sentences                {:>9}", self.sentences)?;
        writeln!(f, "tokens                   {:>9}", self.tokens)?;
        writeln!(f)?;
        writeln!(
            f,
            "role        spans  fragments  discontinuous  mean tokens  mean chars"
        )?;
        for role in Role::ALL {
            let r = self.role(role);
            writeln!(
                f,
                "{:<8} {:>8} {:>10} {:>14} {:>12.1} {:>11.1}",
                role.brat_label(),
                r.spans,
                r.fragments,
                r.discontinuous,
                r.mean_tokens,
                r.mean_chars
            )?;
        }
        writeln!(f)?;
        writeln!(f, "attributions             {:>9}", self.attributions)?;
        writeln!(
            f,
            "  with source            {:>9}",
            self.attributions_with_source
        )?;
        writeln!(
            f,
            "  without source         {:>9}",
            self.attributions_without_source
        )?;
        writeln!(
            f,
            "  with several contents  {:>9}",
            self.attributions_multi_content
        )?;
        writeln!(f, "content: direct quotes   {:>9}", self.direct_quotes)?;
        writeln!(f, "content: indirect        {:>9}", self.indirect_quotes)?;
        writeln!(
            f,
            "fragments off token boundaries {:>6} of {} ({:.3}%)",
            self.fragments_off_token_boundaries,
            self.fragments,
            100.0 * self.off_boundary_share()
        )?;
        write!(
            f,
            "tag-encoding conflicts (overlapping fragments) {}",
            self.encoding_conflicts
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Attribution, Span};
    use crate::offsets::CharSpan;

    #[test]
    fn counts_roles_quotes_and_boundaries() {
        let mut doc = Document::new("d", "“Rain,” Ann said. Bob thinks it will stop.");
        let span = |id: &str, role, frags: &[(usize, usize)]| Span {
            id: id.into(),
            role,
            fragments: frags.iter().map(|&(s, e)| CharSpan::new(s, e)).collect(),
            name: None,
        };
        doc.spans = vec![
            span("T1", Role::Content, &[(0, 7)]),
            span("T2", Role::Source, &[(8, 11)]),
            span("T3", Role::Cue, &[(12, 16)]),
            span("T4", Role::Source, &[(18, 21)]),
            span("T5", Role::Cue, &[(22, 28)]),
            span("T6", Role::Content, &[(29, 31), (37, 42)]),
            span("T7", Role::Content, &[(30, 36)]),
        ];
        doc.attributions = vec![Attribution {
            id: "E1".into(),
            source: None,
            cue: Some("T3".into()),
            content: vec!["T1".into()],
        }];
        let s = CorpusStats::compute(&[doc], &Tokenizer::new());
        assert_eq!(s.documents, 1);
        assert_eq!(s.tokens, 13);
        assert_eq!(s.sentences, 2);
        assert_eq!(s.content.spans, 3);
        assert_eq!(s.content.discontinuous, 1);
        assert_eq!(s.direct_quotes, 1);
        assert_eq!(s.indirect_quotes, 2);
        assert_eq!(s.fragments, 8);
        assert_eq!(s.fragments_off_token_boundaries, 1, "T7 starts inside `it`");
        assert_eq!(s.attributions_without_source, 1);
        assert_eq!(s.source.mean_tokens, 1.0);
        assert_eq!(s.encoding_conflicts, 1);
    }

    /// A document not validated, with fragments past its text, is counted
    /// within the text, not past the numbers' range.
    #[test]
    fn fragments_past_the_text_count_its_characters() {
        let mut doc = Document::new("d", "Ann said no.");
        doc.spans = (1..=2)
            .map(|k| Span {
                id: format!("T{k}"),
                role: Role::Content,
                fragments: vec![CharSpan::new(0, usize::MAX)],
                name: None,
            })
            .collect();
        let s = CorpusStats::compute(&[doc], &Tokenizer::new());
        assert_eq!(s.content.spans, 2);
        assert_eq!(s.content.mean_chars, 12.0);
    }
}
