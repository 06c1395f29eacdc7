//! The command line's corpus flags, as Python's functions take them too,
//! the load options they make, and what says a flag is left unused by the
//! corpora a command reads.

use crate::error::DataError;
use crate::formats::brat::ann::BratOptions;
use crate::formats::conll::LabelMap;
use crate::formats::Format;
use crate::load::{LoadOptions, Mode};
use crate::validate::Severity;
use std::path::{Path, PathBuf};

/// The command line's corpus flags (`--lenient`, `--deny-overlaps`,
/// `--annotator`, `--ignore-label`, `--label-map`, `--names`), which
/// Python's functions take as arguments of the same names.
#[derive(Debug, Clone, Default)]
pub struct CorpusFlags {
    /// Skip documents with errors instead of failing.
    pub lenient: bool,
    /// Spans of different roles that share characters are errors.
    pub deny_overlaps: bool,
    /// brat: the annotator id to prefer.
    pub annotator: Option<String>,
    /// brat: more T labels to skip.
    pub ignore_labels: Vec<String>,
    /// CoNLL: a TOML label map.
    pub label_map: Option<PathBuf>,
    /// Folders of names files.
    pub names: Vec<PathBuf>,
}

impl CorpusFlags {
    /// The flags that read predictions beside gold: without the names
    /// folders and the annotator, which are gold's (the predictions' names
    /// are their own, and `predict` writes a flat folder).
    pub fn for_predictions(&self) -> Self {
        Self {
            names: Vec::new(),
            annotator: None,
            ..self.clone()
        }
    }

    /// The load options the flags ask for; a label quotekit reads as a role
    /// or an attribution among `ignore_labels` is refused (it would be read
    /// as one whatever the flag says), and so is a label map that cannot be
    /// read.
    pub fn load_options(&self) -> Result<LoadOptions, DataError> {
        let mut options = LoadOptions {
            mode: if self.lenient {
                Mode::Lenient
            } else {
                Mode::Strict
            },
            names: self.names.clone(),
            ..LoadOptions::default()
        };
        if self.deny_overlaps {
            options.validation.role_overlap = Severity::Error;
        }
        self.check_ignore_labels()?;
        let brat = &mut options.brat;
        brat.annotator = self.annotator.clone();
        brat.ignored_labels
            .extend(self.ignore_labels.iter().cloned());
        if let Some(path) = &self.label_map {
            options.labels = LabelMap::from_file(path)?;
        }
        Ok(options)
    }

    /// Refuses a label among `ignore_labels` that quotekit reads as a role
    /// or an attribution (part of [`CorpusFlags::load_options`], which
    /// checks the label map's file too).
    pub fn check_ignore_labels(&self) -> Result<(), DataError> {
        // (A brat label is what comes before the first space of a T line's
        // second field: one that is empty or holds a space, a tab or a line
        // break is none, and would skip nothing.)
        if let Some(label) = self
            .ignore_labels
            .iter()
            .find(|l| l.is_empty() || l.contains([' ', '\t', '\n', '\r']))
        {
            return Err(DataError::Config(format!(
                "--ignore-label {label:?}: a brat label has no space, tab or line break, and \
                 is not empty (the second field of a T line, `T3<TAB>Discuss 10 20<TAB>…`, up \
                 to its first space)"
            )));
        }
        let brat = BratOptions::default();
        if let Some(label) = self.ignore_labels.iter().find(|l| {
            brat.role_labels.contains_key(l.as_str()) || brat.trigger_labels.contains(l.as_str())
        }) {
            let read: Vec<&str> = brat
                .role_labels
                .keys()
                .chain(&brat.trigger_labels)
                .map(String::as_str)
                .collect();
            return Err(DataError::Config(format!(
                "--ignore-label {label}: {} are the labels quotekit reads (the roles and the \
                 attribution events), not ones it can skip; --ignore-label is for other T labels",
                read.join(", ")
            )));
        }
        Ok(())
    }
}

/// Says that the label map `label_map` is not used when none of the
/// corpora read, of `formats`, is CoNLL: a label map maps CoNLL tags, and
/// brat and JSONL corpora name their roles themselves. The message starts
/// with the map's path; a caller puts the flag or key that gave it in front.
pub fn unused_label_map(label_map: Option<&Path>, formats: &[Format]) -> Option<String> {
    let map = label_map.filter(|_| !formats.contains(&Format::Conll))?;
    Some(format!(
        "{} is not used: it maps the tags of CoNLL corpora, and no corpus read here is CoNLL \
         (brat and JSONL corpora name their roles themselves)",
        map.display()
    ))
}

/// Says that the annotator id `annotator` is not used when none of the
/// corpora read, of `formats`, is brat: it chooses among an article's
/// annotation files, which only a brat corpus has. The message starts with
/// the id; a caller puts the flag that gave it in front.
pub fn unused_annotator(annotator: Option<&str>, formats: &[Format]) -> Option<String> {
    let id = annotator.filter(|_| !formats.contains(&Format::Brat))?;
    Some(format!(
        "{id:?} is not used: it chooses among an article's annotation files, which only a \
         brat corpus has, and no corpus read here is brat"
    ))
}

/// Why `--ignore-label` labels are not used when no corpus of `formats` is
/// brat (only brat files have T labels of their own); `None` when used or
/// none given.
pub fn unused_ignore_labels(labels: &[String], formats: &[Format]) -> Option<String> {
    if labels.is_empty() || formats.contains(&Format::Brat) {
        return None;
    }
    let quoted: Vec<String> = labels.iter().map(|l| format!("{l:?}")).collect();
    let is = if labels.len() == 1 { "is" } else { "are" };
    Some(format!(
        "{} {is} not used: it skips a brat file's T labels, which only a brat corpus has, \
         and no corpus read here is brat",
        quoted.join(", ")
    ))
}

/// [`unused_label_map`], the map then taken out of `label_map`: a map not
/// used is not read either (a broken one would fail the command after the
/// warning).
pub fn drop_unused_label_map(
    label_map: &mut Option<PathBuf>,
    formats: &[Format],
) -> Option<String> {
    let why = unused_label_map(label_map.as_deref(), formats)?;
    *label_map = None;
    Some(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A label map is unused only where none of the corpora is CoNLL, and
    /// no map is never a warning.
    #[test]
    fn a_label_map_is_unused_without_a_conll_corpus() {
        let map = Path::new("labels.toml");
        let why = unused_label_map(Some(map), &[Format::Brat, Format::Jsonl]).unwrap();
        assert!(why.starts_with("labels.toml is not used: "), "{why}");
        assert_eq!(
            unused_label_map(Some(map), &[Format::Brat, Format::Conll]),
            None
        );
        assert_eq!(unused_label_map(None, &[Format::Brat]), None);
    }

    #[test]
    fn ignored_labels_are_unused_without_a_brat_corpus() {
        let labels = ["Note".to_string(), "Other".to_string()];
        let why = unused_ignore_labels(&labels, &[Format::Conll]).unwrap();
        assert!(
            why.starts_with("\"Note\", \"Other\" are not used: "),
            "{why}"
        );
        assert_eq!(
            unused_ignore_labels(&labels[..1], &[Format::Brat, Format::Jsonl]),
            None
        );
        assert_eq!(unused_ignore_labels(&[], &[Format::Conll]), None);
    }

    /// A label that no T line can have (empty, or of two words) is
    /// refused, as one quotekit reads is; another is taken.
    #[test]
    fn an_ignored_label_must_be_one_brat_label() {
        let flags = |label: &str| CorpusFlags {
            ignore_labels: vec![label.to_string()],
            ..CorpusFlags::default()
        };
        for bad in ["", "Two words", "Tab\tbed", "Source"] {
            let err = flags(bad).check_ignore_labels().unwrap_err().to_string();
            assert!(err.contains("--ignore-label"), "{bad:?}: {err}");
        }
        assert!(flags("Note").check_ignore_labels().is_ok());
        // (A no-break space is no space to the reader: such a label is one.)
        assert!(flags("Note\u{a0}X").check_ignore_labels().is_ok());
    }
}
