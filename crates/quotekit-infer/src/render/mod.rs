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
mod pages;
pub mod predicted;
pub mod read;
pub mod report;
mod side;

pub use predicted::{Predicted, View};
pub use read::{read_predictions, read_predictions_with_gold, Predictions};

use crate::error::InferError;
use index::{index_pages, Totals};
use page::{document_page, error_page, DocSummary, Nav};
use pages::{folder_at_a_page, remove_stale, was_rendered, write_page};
use quotekit_data::Document;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
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
    /// The index's speakers counted with the names of one person merged
    /// across documents ([`crate::quoted::Quoted::merge_names`]); the
    /// documents' own pages keep their names.
    pub merge_names: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            page_size: 500,
            sources: Vec::new(),
            names: Vec::new(),
            merge_names: false,
        }
    }
}

/// `summaries` with each speaker under the name
/// [`crate::quoted::Quoted::merge_names`] counts it under, and each such
/// name's other spellings.
fn merged_speakers(summaries: &[DocSummary]) -> (Vec<DocSummary>, HashMap<String, Vec<String>>) {
    let merged =
        crate::quoted::Quoted::of_quotes(summaries.iter().map(|d| d.speakers.iter().cloned()))
            .merge_names();
    let heads = merged.heads();
    let merged_summaries = summaries
        .iter()
        .map(|d| DocSummary {
            speakers: d
                .speakers
                .iter()
                .map(|(name, direct)| {
                    let head = name
                        .as_deref()
                        .map(|n| heads.get(n).copied().unwrap_or(n).to_string());
                    (head, *direct)
                })
                .collect(),
            ..d.clone()
        })
        .collect();
    let spellings = merged
        .speakers
        .iter()
        .filter(|s| !s.spellings.is_empty())
        .filter_map(|s| Some((s.name.clone()?, s.spellings.clone())))
        .collect();
    (merged_summaries, spellings)
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
        spellings: HashMap::new(),
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
        let (predicted, speaker_names): (Vec<Document>, Vec<Vec<Option<String>>>) = views
            .iter()
            .filter_map(|v| v.content.as_ref().ok())
            .map(|p| (p.document.clone(), p.speaker_names.clone()))
            .unzip();
        let evaluation = quotekit_model::eval::evaluate_checked(
            gold,
            &predicted,
            &options.names,
            Some(&speaker_names),
        )
        .map_err(|why| InferError::Usage(format!("cannot compare with gold: {why}")))?;
        // Gold documents without a prediction get a page of their own,
        // after the predictions.
        let have: std::collections::HashSet<String> = views.iter().map(|v| v.id.clone()).collect();
        for g in gold.iter().filter(|g| !have.contains(&g.id)) {
            views.push(View::of_document(Document::new(g.id.clone(), g.text())));
        }
        totals.evaluation = Some(evaluation);
    }
    // (Read before this render writes its own index.)
    let rendered_before = was_rendered(out);
    let doc_dir = out.join("doc");
    // (A link there is replaced, not written through: the pages stay in
    // the folder named.)
    quotekit_data::paths::replace_link(&doc_dir).map_err(|e| InferError::io(&doc_dir, e))?;
    // (What stands where a page or its folder goes is said before a page
    // is written, not by the system's "File exists" nor after every
    // document's page.)
    if doc_dir.exists() && !doc_dir.is_dir() {
        return Err(InferError::Usage(format!(
            "{}: a file stands where render writes its documents' pages (a folder): move it, \
             or render into another folder",
            doc_dir.display()
        )));
    }
    if let Some(folder) = folder_at_a_page(out, &doc_dir, views.len()) {
        return Err(InferError::Usage(format!(
            "{}: a folder stands where render writes a page (or, of a list page, may write \
             one: their number depends on the documents): move it, or render into another \
             folder",
            folder.display()
        )));
    }
    std::fs::create_dir_all(&doc_dir).map_err(|e| InferError::io(&doc_dir, e))?;
    // (What a killed run left half written.)
    for dir in [out, &doc_dir] {
        quotekit_data::atomic::remove_stale(dir);
    }
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
            write_page(&path, &html)?;
            Ok(summary)
        })
        .collect::<Result<_, InferError>>()?;
    let index: std::borrow::Cow<[DocSummary]> = if options.merge_names {
        let (merged, spellings) = merged_speakers(&summaries);
        totals.spellings = spellings;
        merged.into()
    } else {
        summaries.as_slice().into()
    };
    let pages = index_pages(&index, &totals, options.page_size);
    for (name, html) in &pages {
        write_page(&out.join(name), html)?;
    }
    if rendered_before {
        let written: HashSet<&str> = pages.iter().map(|(name, _)| name.as_str()).collect();
        remove_stale(out, summaries.len(), &written)?;
    }
    Ok(Rendered {
        documents: summaries.len(),
        pages: summaries.len() + pages.len(),
        notes: summaries.iter().filter(|s| s.note.is_some()).count(),
        paired,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty or blank id still gives its page a link to click and a
    /// title.
    #[test]
    fn empty_and_blank_ids_are_shown_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let views = ["", "  "]
            .iter()
            .map(|id| View::of_document(Document::new(*id, "Hi there.")))
            .collect();
        render_corpus(views, None, dir.path(), &RenderOptions::default()).unwrap();
        let index = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
        assert!(index.contains("\"><bdi>(empty id)</bdi></a>"), "{index}");
        assert!(
            index.contains("\"><bdi>(blank id of 2 characters)</bdi></a>"),
            "{index}"
        );
        let page = std::fs::read_to_string(dir.path().join("doc/1.html")).unwrap();
        assert!(page.contains("<title>(empty id)</title>"));
        assert!(page.contains("<h1><bdi>(empty id)</bdi></h1>"));
    }

    /// `n` documents of one short text, ids `d0`, `d1`, ….
    fn docs(n: usize) -> Vec<View> {
        (0..n)
            .map(|k| View::of_document(Document::new(format!("d{k}"), "Hi there.")))
            .collect()
    }

    /// A render into the folder of an earlier, longer one leaves none of
    /// its pages behind, and keeps files that are not render's.
    #[test]
    fn a_second_render_removes_the_pages_of_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let options = RenderOptions {
            page_size: 1,
            ..RenderOptions::default()
        };
        render_corpus(docs(3), None, dir.path(), &options).unwrap();
        assert!(dir.path().join("doc/3.html").is_file());
        assert!(dir.path().join("by-id-3.html").is_file());
        std::fs::write(dir.path().join("notes.html"), "mine").unwrap();
        // Named like pages, but not as render names them.
        for mine in [
            "doc/3-old.html",
            "doc/0.html",
            "doc/007.html",
            "by-me-1.html",
        ] {
            std::fs::write(dir.path().join(mine), "mine").unwrap();
        }
        let done = render_corpus(docs(1), None, dir.path(), &options).unwrap();
        let files = |sub: &str| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir.path().join(sub))
                .unwrap()
                .map(|e| e.unwrap())
                .filter(|e| e.file_type().unwrap().is_file())
                .map(|e| e.file_name().into_string().unwrap())
                .collect();
            names.sort();
            names
        };
        assert_eq!(files("doc"), ["0.html", "007.html", "1.html", "3-old.html"]);
        let top = files("");
        assert!(top.contains(&"notes.html".to_string()), "{top:?}");
        assert!(top.contains(&"by-me-1.html".to_string()), "{top:?}");
        assert!(top.contains(&"by-id-1.html".to_string()), "{top:?}");
        assert!(
            !top.iter()
                .any(|n| n.ends_with("-2.html") || n.ends_with("-3.html")),
            "{top:?}"
        );
        // Every page of this render is there: one document and the index
        // pages, with the test's own files besides.
        assert_eq!(done.pages, 1 + top.len() - 2);
        // A folder that holds no earlier render loses nothing.
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir(site.path().join("doc")).unwrap();
        std::fs::write(site.path().join("doc/404.html"), "mine").unwrap();
        std::fs::write(site.path().join("by-id-9.html"), "mine").unwrap();
        render_corpus(docs(1), None, site.path(), &options).unwrap();
        assert!(site.path().join("doc/404.html").is_file());
        assert!(site.path().join("by-id-9.html").is_file());
    }

    /// A file where the pages' folder goes, or a folder where an index
    /// page goes, is refused before any page is written.
    #[test]
    fn what_stands_where_pages_go_is_refused_first() {
        let options = RenderOptions::default();
        let site = tempfile::tempdir().unwrap();
        std::fs::write(site.path().join("doc"), "mine").unwrap();
        let e = render_corpus(docs(1), None, site.path(), &options)
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("doc: a file stands where render writes its documents' pages"),
            "{e}"
        );
        for page in ["index.html", "by-id-1.html", "doc/1.html"] {
            let site = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(site.path().join(page)).unwrap();
            let e = render_corpus(docs(1), None, site.path(), &options)
                .err()
                .unwrap()
                .to_string();
            assert!(
                e.contains(&format!(
                    "{page}: a folder stands where render writes a page"
                )),
                "{e}"
            );
            assert!(
                !site.path().join("speakers.html").exists(),
                "nothing written"
            );
        }
        // A folder at the page of a document the corpus has not is left
        // alone, as a file there is.
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("doc/2.html")).unwrap();
        render_corpus(docs(1), None, site.path(), &options).unwrap();
        assert!(site.path().join("doc/1.html").is_file());
        assert!(site.path().join("doc/2.html").is_dir());
        // A link to a folder is replaced, as any link in the output is.
        #[cfg(unix)]
        {
            let site = tempfile::tempdir().unwrap();
            let elsewhere = tempfile::tempdir().unwrap();
            std::os::unix::fs::symlink(elsewhere.path(), site.path().join("index.html")).unwrap();
            render_corpus(docs(1), None, site.path(), &options).unwrap();
            assert!(site.path().join("index.html").is_file());
        }
    }

    /// Links in the output folder (a page, the `doc` folder) are replaced,
    /// never written through: what they point at outside stays as it was.
    #[cfg(unix)]
    #[test]
    fn links_in_the_output_are_replaced_not_written_through() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        let precious = outside.path().join("precious.txt");
        std::fs::write(&precious, "mine").unwrap();
        let elsewhere = outside.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let options = RenderOptions::default();
        // A page that is a link.
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir(site.path().join("doc")).unwrap();
        symlink(&precious, site.path().join("doc/1.html")).unwrap();
        symlink(&precious, site.path().join("index.html")).unwrap();
        render_corpus(docs(1), None, site.path(), &options).unwrap();
        assert_eq!(std::fs::read_to_string(&precious).unwrap(), "mine");
        for page in ["doc/1.html", "index.html"] {
            let path = site.path().join(page);
            assert!(!quotekit_data::paths::is_link(&path), "{page}");
            assert!(
                std::fs::read_to_string(&path).unwrap().contains("<html"),
                "{page}"
            );
        }
        // A page that is a hard link (a copy of the site made with
        // `cp -al`): the copy keeps its page.
        let copy = outside.path().join("copy.html");
        std::fs::hard_link(site.path().join("doc/1.html"), &copy).unwrap();
        let before = std::fs::read(&copy).unwrap();
        render_corpus(docs(2), None, site.path(), &options).unwrap();
        assert_eq!(std::fs::read(&copy).unwrap(), before);
        assert!(std::fs::read_dir(site.path().join("doc"))
            .unwrap()
            .all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".part")));
        // The `doc` folder a link to another folder.
        let site = tempfile::tempdir().unwrap();
        symlink(&elsewhere, site.path().join("doc")).unwrap();
        render_corpus(docs(1), None, site.path(), &options).unwrap();
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        assert!(site.path().join("doc/1.html").is_file());
    }
}
