//! The rule linker on its own: every gold document's spans, encoded as the
//! tags a perfect tagger would give them, are linked into attributions as
//! predictions are, so that scoring them against gold measures what linking
//! loses with tagging errors left out.

use crate::annotator::link_tagged;
use crate::eval::{evaluate, Evaluation};
use quotekit_data::{encode, role_fragments, Document, TagScheme, Tokenizer};

/// The gold documents with their spans as a perfect tagger would find them
/// (one span per token run of each fragment) and their attributions made
/// by the linker instead of the annotators.
pub fn link_gold(gold: &[Document], tokenizer: &Tokenizer) -> Vec<Document> {
    gold.iter()
        .map(|doc| {
            let tok = tokenizer.tokenize(doc);
            let tags = encode(&tok, &role_fragments(doc), TagScheme::Bio).tags;
            link_tagged(doc, &tok, &tags).document
        })
        .collect()
}

/// The rule linker's scores on the gold spans of `gold` (`quotekit eval
/// --link-gold`): [`link_gold`] scored against gold. The linked spans carry
/// no speaker names, so there is no who-said-what section.
pub fn score_linker(gold: &[Document], tokenizer: &Tokenizer) -> Evaluation {
    evaluate(gold, &link_gold(gold, tokenizer), tokenizer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quotekit_data::{Attribution, CharSpan, Role, Span};

    fn span(id: &str, role: Role, text: &str, part: &str) -> Span {
        let start = text.find(part).unwrap();
        Span {
            id: id.into(),
            role,
            fragments: vec![CharSpan::new(start, start + part.len())],
            name: None,
        }
    }

    fn attribution(id: &str, cue: &str, source: &str, content: &str) -> Attribution {
        Attribution {
            id: id.into(),
            source: Some(source.into()),
            cue: Some(cue.into()),
            content: vec![content.into()],
        }
    }

    #[test]
    fn the_linker_on_gold_spans_finds_near_attributions_and_misses_far_ones() {
        let text = "Smith said the plan works.\n\
                    Taxes will fall, according to the mayor.\n\
                    Prices rose.";
        let mut doc = Document::new("d", text);
        doc.spans = vec![
            span("T1", Role::Source, text, "Smith"),
            span("T2", Role::Cue, text, "said"),
            span("T3", Role::Content, text, "the plan works"),
            span("T4", Role::Content, text, "Taxes will fall"),
            span("T5", Role::Cue, text, "according to"),
            span("T6", Role::Source, text, "the mayor"),
            span("T7", Role::Content, text, "Prices rose"),
        ];
        doc.attributions = vec![
            attribution("E1", "T2", "T1", "T3"),
            attribution("E2", "T5", "T6", "T4"),
            // Smith's again, two paragraphs on: the linker gives a quote
            // that opens a paragraph the last cue before it, the mayor's.
            attribution("E3", "T2", "T1", "T7"),
        ];
        let linked = link_gold(std::slice::from_ref(&doc), &Tokenizer::new());
        assert_eq!(linked[0].spans.len(), 7);
        let ev = score_linker(&[doc], &Tokenizer::new());
        assert_eq!(ev.exact.micro.f1(), 1.0, "the spans are gold");
        assert_eq!(
            (ev.attribution.tp, ev.attribution.fp, ev.attribution.fn_),
            (2, 0, 1)
        );
    }
}
