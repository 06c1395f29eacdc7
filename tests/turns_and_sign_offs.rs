//! The layout's attributions (a transcript's turns, a vox-pop's sign-offs:
//! `quotekit_model::layout`) on the six original articles of
//! `datasets/layouts`, annotated by PolNeAR's scheme before the rule was run
//! on them: how many of their gold attributions the layout alone makes
//! exactly (source, cue and content), how many with the right source and
//! cue only, and how many it makes that gold does not have (the fact
//! check's `CLAIM:`, the live blog's `UPDATE …:` and `Q:` lines, a
//! quotation signed off with a lower-case description).

mod common;

use common::{load_brat, root};
use quotekit_data::{CharSpan, Tokenizer};
use quotekit_model::layout::laid_out;
use std::collections::HashMap;
use std::ops::Range;

#[test]
fn the_layout_articles_get_their_turns_and_sign_offs() {
    let docs = load_brat(&root().join("datasets/layouts"));
    assert_eq!(docs.len(), 6);
    let tokenizer = Tokenizer::new();
    let (mut right, mut partly, mut wrong, mut per_doc) = (0, 0, 0, Vec::new());
    for doc in &docs {
        let tok = tokenizer.tokenize(doc);
        // Gold attributions by their source and cue: their content, where
        // it is one fragment.
        let one = |id: Option<&str>| {
            let span = doc.span(id?)?;
            (span.fragments.len() == 1).then(|| span.fragments[0])
        };
        let gold: HashMap<(CharSpan, CharSpan), Option<CharSpan>> = doc
            .attributions
            .iter()
            .filter_map(|a| {
                let content = (a.content.len() == 1)
                    .then(|| one(Some(&a.content[0])))
                    .flatten();
                Some(((one(a.source.as_deref())?, one(a.cue.as_deref())?), content))
            })
            .collect();
        let chars = |r: &Range<usize>| {
            CharSpan::new(
                tok.tokens[r.start].span.start,
                tok.tokens[r.end - 1].span.end,
            )
        };
        let mut found = 0;
        for l in laid_out(doc.text(), &tok) {
            match gold.get(&(chars(&l.speaker), chars(&l.cue))) {
                Some(&content) if content == Some(chars(&l.content)) => {
                    right += 1;
                    found += 1;
                }
                Some(_) => partly += 1,
                None => wrong += 1,
            }
        }
        per_doc.push((doc.id.clone(), found));
    }
    // 21 of the 22 turns and all 11 sign-offs; the other turn goes on in
    // the next paragraph (its content two fragments, which the linker's
    // continuation joins); none made where gold has none.
    assert_eq!((right, partly, wrong), (32, 1, 0), "{per_doc:?}");
    let found = |id: &str| {
        per_doc
            .iter()
            .find(|(d, _)| d.contains(id))
            .map(|(_, n)| *n)
    };
    assert_eq!(found("fact-check"), Some(0));
    assert_eq!(found("liveblog"), Some(0));
}
