//! Pages to look at: predictions drawn over their text, with their
//! differences from gold, an index of the corpus with its speakers, and the
//! training and evaluation reports. Everything is a self-contained HTML
//! file (inline CSS and a little plain JavaScript, no network), readable
//! without the script and by keyboard. `quotekit render` writes the corpus
//! pages; `quotekit train` and `quotekit eval --html` write the reports.
//!
//! ```no_run
//! use quotekit_infer::render::{read_predictions, render_corpus, RenderOptions};
//! let predictions = read_predictions("quotes.jsonl".as_ref(), Some("texts.jsonl".as_ref()), &Default::default())?;
//! let done = render_corpus(predictions.views, None, "view".as_ref(), &RenderOptions::default())?;
//! println!("{} pages", done.pages);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod chart;
pub mod diff;
pub mod html;
pub mod index;
pub mod markup;
pub mod page;
pub mod predicted;
pub mod read;
pub mod report;
mod side;

pub use predicted::{Predicted, View};
pub use read::{read_predictions, Predictions};

use crate::error::InferError;
use index::{index_pages, Totals};
use page::{document_page, error_page, DocSummary, Nav};
use quotekit_data::Document;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;

/// Options of [`render_corpus`].
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Documents per index page.
    pub page_size: usize,
    /// Lines on the index saying where the pages come from.
    pub sources: Vec<String>,
    /// Folders of the gold speakers' names, for the who-said-what figures.
    pub names: Vec<std::path::PathBuf>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            page_size: 500,
            sources: Vec::new(),
            names: Vec::new(),
        }
    }
}

/// What [`render_corpus`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Documents with a page.
    pub documents: usize,
    /// Files written, index pages included.
    pub pages: usize,
    /// Documents shown with an error or a note (error records, gold without prediction).
    pub notes: usize,
    /// Predicted documents that have a gold document with their id.
    pub paired: usize,
}

/// Writes the pages of `views` (and their differences from `gold`, paired by
/// id) into the folder `out`: `index.html`, the index pages, `speakers.html`
/// and `doc/N.html` per document (N its position in the input, from 1).
pub fn render_corpus(
    mut views: Vec<View>,
    gold: Option<&[Document]>,
    out: &Path,
    options: &RenderOptions,
) -> Result<Rendered, InferError> {
    let mut totals = Totals {
        sources: options.sources.clone(),
        evaluation: None,
    };
    let gold_by_id: HashMap<&str, &Document> = gold
        .unwrap_or_default()
        .iter()
        .map(|d| (d.id.as_str(), d))
        .collect();
    let predicted_views = views.len();
    let paired = views
        .iter()
        .filter(|v| v.content.is_ok() && gold_by_id.contains_key(v.id.as_str()))
        .count();
    if let Some(gold) = gold {
        let predicted: Vec<Document> = views
            .iter()
            .filter_map(|v| v.content.as_ref().ok().map(|p| p.document.clone()))
            .collect();
        let evaluation =
            quotekit_model::eval::evaluate_checked(gold, &predicted, &options.names)
                .map_err(|why| InferError::Usage(format!("cannot compare with gold: {why}")))?;
        // Gold documents without a prediction get a page of their own,
        // after the predictions.
        let have: std::collections::HashSet<String> = views.iter().map(|v| v.id.clone()).collect();
        for g in gold.iter().filter(|g| !have.contains(&g.id)) {
            views.push(View::of_document(Document::new(g.id.clone(), g.text())));
        }
        totals.evaluation = Some(evaluation);
    }
    let doc_dir = out.join("doc");
    std::fs::create_dir_all(&doc_dir).map_err(|e| InferError::io(&doc_dir, e))?;
    let file = |k: usize| format!("doc/{}.html", k + 1);
    let summaries: Vec<DocSummary> = views
        .par_iter()
        .enumerate()
        .map(|(k, v)| {
            let nav = Nav {
                previous: (k > 0).then(|| format!("{}.html", k)),
                next: (k + 1 < views.len()).then(|| format!("{}.html", k + 2)),
            };
            let (html, summary) = match &v.content {
                Ok(p) => {
                    let note = (k >= predicted_views)
                        .then(|| "no prediction for this gold document".to_string());
                    document_page(
                        p,
                        gold_by_id.get(v.id.as_str()).copied(),
                        &nav,
                        file(k),
                        note,
                    )
                }
                Err(message) => error_page(&v.id, message, &nav, file(k)),
            };
            let path = out.join(file(k));
            std::fs::write(&path, html).map_err(|e| InferError::io(&path, e))?;
            Ok(summary)
        })
        .collect::<Result<_, InferError>>()?;
    let pages = index_pages(&summaries, &totals, options.page_size);
    for (name, html) in &pages {
        let path = out.join(name);
        std::fs::write(&path, html).map_err(|e| InferError::io(&path, e))?;
    }
    Ok(Rendered {
        documents: summaries.len(),
        pages: summaries.len() + pages.len(),
        notes: summaries.iter().filter(|s| s.note.is_some()).count(),
        paired,
    })
}
