//! Word-level inputs of the neural tagger: for every token of a document its
//! subword piece ids, character ids and a few symbolic features (quotation
//! state, cue lexicon, capitalisation) — and the padded batch tensors built
//! from windows of words.

use crate::features::config::FeatureConfig;
use crate::features::extractor::{DocumentFeatures, FeatureExtractor};
use crate::features::lexicon::Lexicon;
use crate::features::symbolic::document_features;
use crate::neural::config::{NetworkConfig, CHAR_BUCKETS};
use crate::neural::vocab::Vocabulary;
use candle_core::{Device, Result, Tensor};
use quotekit_data::{Document, Tokenized};
use std::ops::Range;

/// Pieces kept per word.
pub const MAX_PIECES: usize = 6;
/// Characters kept per word.
pub const MAX_CHARS: usize = 16;
/// Hashed CRF features kept per word.
pub const MAX_SPARSE: usize = 96;

/// The inputs of one document, one entry per token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordInputs {
    /// Piece ids per word (at least one, at most [`MAX_PIECES`]).
    pub pieces: Vec<Vec<u32>>,
    /// Character ids per word (at most [`MAX_CHARS`]).
    pub chars: Vec<Vec<u32>>,
    /// Symbolic feature ids per word.
    pub features: Vec<[u32; 3]>,
    /// Hashed CRF features per word (empty when the network does not use them).
    pub sparse: DocumentFeatures,
}

impl WordInputs {
    /// Number of words.
    pub fn len(&self) -> usize {
        self.pieces.len()
    }

    /// True when the document has no tokens.
    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }
}

/// Builds the inputs of a tokenized document.
pub fn word_inputs(
    doc: &Document,
    tok: &Tokenized,
    vocab: &Vocabulary,
    cues: &Lexicon,
    sparse: Option<&FeatureExtractor>,
) -> WordInputs {
    let text = doc.text();
    let words: Vec<&str> = tok.tokens.iter().map(|t| t.text(text)).collect();
    let pieces = words
        .iter()
        .map(|w| {
            let mut p = vocab.pieces(w);
            p.truncate(MAX_PIECES);
            p
        })
        .collect();
    let chars = words
        .iter()
        .map(|w| {
            w.chars()
                .take(MAX_CHARS)
                .map(|c| 1 + (c as u32) % (CHAR_BUCKETS as u32 - 1))
                .collect()
        })
        .collect();
    let features = document_features(doc, tok, cues);
    WordInputs {
        pieces,
        chars,
        features,
        sparse: sparse.map(|x| x.extract(doc, tok)).unwrap_or_default(),
    }
}

/// The CRF feature extractor whose hashed features the network embeds
/// (`sparse_templates`, `sparse_bits` buckets), or `None` when `sparse_dim`
/// is 0.
pub fn sparse_extractor(config: &NetworkConfig, cues: &Lexicon) -> Option<FeatureExtractor> {
    (config.sparse_dim > 0)
        .then(|| FeatureExtractor::with_lexicon(&sparse_feature_config(config), cues.clone()))
}

/// The CRF feature settings of the hashed features: the CRF's defaults with
/// `sparse_templates` and `sparse_bits` hash bits.
pub fn sparse_feature_config(config: &NetworkConfig) -> FeatureConfig {
    FeatureConfig {
        templates: config.sparse_templates.clone(),
        hash_bits: config.sparse_bits,
        ..FeatureConfig::default()
    }
}

/// Cuts `n` words into windows of whole paragraphs, as many as fit in `size`
/// words; a paragraph longer than `size` is split into pieces of `size`.
/// Words not covered by `paragraphs` are treated as paragraphs of their own.
pub fn pack_windows(paragraphs: &[Range<usize>], n: usize, size: usize) -> Vec<Range<usize>> {
    let size = size.max(1);
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut current: Option<Range<usize>> = None;
    let mut at = 0;
    let mut units: Vec<Range<usize>> = Vec::new();
    for p in paragraphs {
        if p.start > at {
            units.push(at..p.start);
        }
        if p.end > p.start.max(at) {
            units.push(p.start.max(at)..p.end);
        }
        at = at.max(p.end);
    }
    if at < n {
        units.push(at..n);
    }
    for unit in units {
        let mut s = unit.start;
        while s < unit.end {
            let e = (s + size).min(unit.end);
            match &mut current {
                Some(c) if c.end == s && e - c.start <= size => c.end = e,
                _ => {
                    if let Some(c) = current.take() {
                        out.push(c);
                    }
                    current = Some(s..e);
                }
            }
            s = e;
        }
    }
    out.extend(current);
    out
}

/// Padded tensors for a batch of word windows.
#[derive(Debug, Clone)]
pub struct Batch {
    /// `[B*T, MAX_PIECES]` piece ids (padding: the vocabulary's pad id).
    pub pieces: Tensor,
    /// `[B*T, MAX_PIECES]` 1 for real pieces.
    pub piece_mask: Tensor,
    /// `[B*T, MAX_CHARS]` character ids (0: padding).
    pub chars: Tensor,
    /// `[B*T, 3]` symbolic feature ids.
    pub features: Tensor,
    /// `[B*T, S]` hashed CRF feature ids (`S` = most features of a word in the batch).
    pub sparse: Tensor,
    /// `[B*T, S, 1]` 1 for real features.
    pub sparse_mask: Tensor,
    /// `[B, T]` 1 for real words.
    pub mask: Tensor,
    /// `[B, T]` gold tag ids (0 where unknown or padding).
    pub tags: Tensor,
    /// Windows in the batch.
    pub batch: usize,
    /// Words per window (padded).
    pub time: usize,
}

/// One window: a document's inputs, the word range, and gold tags for that range if known.
pub type Window<'a> = (&'a WordInputs, Range<usize>, Option<&'a [u8]>);

/// Stacks windows into padded tensors.
pub fn make_batch(windows: &[Window<'_>], pad: u32, device: &Device) -> Result<Batch> {
    make_padded_batch(windows, Padding::of(windows), pad, device)
}

/// The lengths the windows of a batch are padded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Padding {
    /// Words per window: the longest window's (at least 1).
    pub time: usize,
    /// Hashed features per word: the most a word has (from 1 to
    /// [`MAX_SPARSE`]).
    pub sparse: usize,
}

impl Padding {
    /// The padding of a batch of `windows`.
    pub fn of(windows: &[Window<'_>]) -> Self {
        let time = windows.iter().map(|w| w.1.len()).max().unwrap_or(1).max(1);
        let sparse = windows
            .iter()
            .flat_map(|(w, r, _)| {
                r.clone()
                    .filter(|&i| i < w.sparse.len())
                    .map(|i| w.sparse.token(i).len())
            })
            .max()
            .unwrap_or(0)
            .clamp(1, MAX_SPARSE);
        Self { time, sparse }
    }
}

/// [`make_batch`] padded to `padding`, which is at least the windows' own
/// ([`Padding::of`]): a part of a batch, padded as the whole batch, gives
/// the rows the whole batch gives.
pub fn make_padded_batch(
    windows: &[Window<'_>],
    padding: Padding,
    pad: u32,
    device: &Device,
) -> Result<Batch> {
    let b = windows.len();
    let Padding { time: t, sparse: s } = padding;
    let n = b * t;
    let mut sparse = vec![0u32; n * s];
    let mut sparse_mask = vec![0f32; n * s];
    let mut pieces = vec![pad; n * MAX_PIECES];
    let mut piece_mask = vec![0f32; n * MAX_PIECES];
    let mut chars = vec![0u32; n * MAX_CHARS];
    let mut features = vec![0u32; n * 3];
    let mut mask = vec![0f32; n];
    let mut tags = vec![0u32; n];
    for (k, (inputs, range, gold)) in windows.iter().enumerate() {
        for (j, i) in range.clone().enumerate() {
            let row = k * t + j;
            mask[row] = 1.0;
            for (p, &id) in inputs.pieces[i].iter().enumerate() {
                pieces[row * MAX_PIECES + p] = id;
                piece_mask[row * MAX_PIECES + p] = 1.0;
            }
            for (c, &id) in inputs.chars[i].iter().enumerate() {
                chars[row * MAX_CHARS + c] = id;
            }
            features[row * 3..row * 3 + 3].copy_from_slice(&inputs.features[i]);
            if i < inputs.sparse.len() {
                for (f, &id) in inputs.sparse.token(i).iter().take(s).enumerate() {
                    sparse[row * s + f] = id;
                    sparse_mask[row * s + f] = 1.0;
                }
            }
            if let Some(g) = gold {
                tags[row] = u32::from(g[j]);
            }
        }
    }
    Ok(Batch {
        pieces: Tensor::from_vec(pieces, (n, MAX_PIECES), device)?,
        piece_mask: Tensor::from_vec(piece_mask, (n, MAX_PIECES), device)?,
        chars: Tensor::from_vec(chars, (n, MAX_CHARS), device)?,
        features: Tensor::from_vec(features, (n, 3), device)?,
        sparse: Tensor::from_vec(sparse, (n, s), device)?,
        sparse_mask: Tensor::from_vec(sparse_mask, (n, s, 1), device)?,
        mask: Tensor::from_vec(mask, (b, t), device)?,
        tags: Tensor::from_vec(tags, (b, t), device)?,
        batch: b,
        time: t,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_pack_whole_paragraphs() {
        assert_eq!(
            pack_windows(&[0..3, 3..5, 5..12, 12..13], 13, 5),
            vec![0..5, 5..10, 10..13]
        );
        // Words outside paragraphs still get a window.
        let (inner, whole) = (2..4, 0..6);
        assert_eq!(pack_windows(std::slice::from_ref(&inner), 6, 10), [whole]);
        assert_eq!(pack_windows(&[], 0, 4), Vec::<Range<usize>>::new());
    }
}
