//! Training data shared by every trainer: documents tokenized, with their
//! gold tag ids and each kind's own inputs; batches grouped by size; and the
//! dev exact micro F1 that early stopping follows.

use crate::annotator::build_annotation;
use crate::decode::{decode_sequences, ChainScores, Scored};
use crate::error::ModelError;
use crate::eval::counts::Counts;
use crate::eval::exact_scores;
use quotekit_data::{encode, role_fragments, Document, Tag, TagSet, Tokenized, Tokenizer};
use rayon::prelude::*;

/// A document prepared for training: its tokens, gold tag ids and the inputs
/// `I` of one model kind.
#[derive(Debug, Clone)]
pub struct Prepared<I> {
    /// The document.
    pub document: Document,
    /// Its tokens.
    pub tokens: Tokenized,
    /// Gold tag id per token.
    pub gold: Vec<u8>,
    /// What the model kind computes from the document.
    pub inputs: I,
}

/// Tokenizes every document, encodes its gold tags and computes its inputs
/// with `inputs`, in parallel (results in document order).
pub fn prepare<I: Send>(
    documents: Vec<Document>,
    tags: &TagSet,
    inputs: impl Fn(&Document, &Tokenized) -> I + Sync,
) -> Vec<Prepared<I>> {
    let tokenizer = Tokenizer::new();
    documents
        .into_par_iter()
        .map(|document| {
            let tokens = tokenizer.tokenize(&document);
            Prepared {
                gold: gold_ids(&document, &tokens, tags),
                inputs: inputs(&document, &tokens),
                document,
                tokens,
            }
        })
        .collect()
}

/// Tokens in prepared training documents; an error when there are none.
pub fn training_tokens<I>(docs: &[Prepared<I>]) -> Result<usize, ModelError> {
    match docs.iter().map(|d| d.gold.len()).sum() {
        0 => Err(ModelError::Training(
            "the training corpus has no tokens".into(),
        )),
        tokens => Ok(tokens),
    }
}

/// The gold tag id of every token of a document.
pub fn gold_ids(doc: &Document, tokens: &Tokenized, tags: &TagSet) -> Vec<u8> {
    encode(tokens, &role_fragments(doc), tags.scheme())
        .tags
        .iter()
        .map(|t| tags.index(*t).expect("encode uses the scheme's tags") as u8)
        .collect()
}

/// Groups items into batches whose padded size (items × the largest `size`)
/// stays within `budget`, smallest first; an item larger than the budget is
/// a batch alone. Returns indices into `sizes`.
pub fn group_by_size(sizes: &[usize], budget: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| (sizes[i], i));
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for i in order {
        if !current.is_empty() && (current.len() + 1) * sizes[i] > budget {
            batches.push(std::mem::take(&mut current));
        }
        current.push(i);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// Exact-span counts of predicted `tags` against a document's gold spans,
/// after spans are built and linked as [`crate::annotator::Annotator`] does.
pub fn exact_micro(doc: &Document, tokens: &Tokenized, tags: &[Tag]) -> Counts {
    exact_scores(doc, &build_annotation(doc, tokens, tags, None).document).micro
}

/// The dev exact micro F1 that early stopping follows: each document's
/// sequences scored by `scored` (given its index), decoded with `chain`
/// (`outside_penalty` off every `O` score), built into spans, linked and
/// counted against its gold spans, in parallel.
pub fn exact_f1<I: Sync, T: Copy + Into<f64> + Sync>(
    docs: &[Prepared<I>],
    chain: ChainScores<'_, T>,
    tags: &TagSet,
    outside_penalty: f64,
    scored: impl Fn(usize, &Prepared<I>) -> Result<Vec<Scored>, ModelError> + Sync,
) -> Result<f64, ModelError> {
    let counts = docs
        .par_iter()
        .enumerate()
        .map(|(i, d)| {
            let n = d.tokens.tokens.len();
            let (predicted, _) =
                decode_sequences(chain, scored(i, d)?, n, tags, outside_penalty, false);
            Ok(exact_micro(&d.document, &d.tokens, &predicted))
        })
        .collect::<Result<Vec<Counts>, ModelError>>()?;
    Ok(counts.into_iter().sum::<Counts>().f1())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_stay_within_the_budget_smallest_first() {
        let sizes = [5, 1, 9, 3, 3, 20];
        let batches = group_by_size(&sizes, 10);
        assert_eq!(batches, vec![vec![1, 3, 4], vec![0], vec![2], vec![5]]);
        for b in &batches {
            let largest = b.iter().map(|&i| sizes[i]).max().unwrap();
            assert!(b.len() == 1 || b.len() * largest <= 10, "{b:?}");
        }
        assert!(group_by_size(&[], 10).is_empty());
    }

    #[test]
    fn gold_ids_follow_the_spans_and_prepare_keeps_document_order() {
        use quotekit_data::{CharSpan, Role, Span, TagScheme};
        let mut d = Document::new("d", "Ann said it rains.");
        d.spans = vec![Span {
            id: "T1".into(),
            role: Role::Source,
            fragments: vec![CharSpan::new(0, 3)],
            name: None,
        }];
        let tags = TagSet::new(TagScheme::Bio);
        let other = Document::new("e", "Nothing.");
        let prepared = prepare(vec![d, other], &tags, |doc, tok| {
            (doc.id.clone(), tok.tokens.len())
        });
        assert_eq!(prepared[0].inputs, ("d".to_string(), 5));
        assert_eq!(prepared[1].inputs, ("e".to_string(), 2));
        let o = tags.index(Tag::Outside).unwrap() as u8;
        assert_ne!(prepared[0].gold[0], o, "Ann is a source");
        assert!(prepared[0].gold[1..].iter().all(|&g| g == o));
        assert_eq!(training_tokens(&prepared).unwrap(), 7);
        let none = prepare(vec![Document::new("x", "")], &tags, |_, _| ());
        let e = training_tokens(&none).unwrap_err().to_string();
        assert!(e.contains("the training corpus has no tokens"), "{e}");
        let gold_tags: Vec<Tag> = prepared[0]
            .gold
            .iter()
            .map(|&g| tags.tags()[g as usize])
            .collect();
        let counts = exact_micro(&prepared[0].document, &prepared[0].tokens, &gold_tags);
        assert_eq!((counts.tp, counts.fp, counts.fn_), (1, 0, 0));
    }
}
