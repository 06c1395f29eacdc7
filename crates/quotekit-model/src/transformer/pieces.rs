//! Words to the encoder's own subword pieces, and documents to overlapping
//! encoder windows. Each word of the dataset tokenizer is split by the
//! encoder's `tokenizer.json` (so a piece never straddles two words); the
//! pieces of a document form one stream, cut into windows of at most
//! `window - 2` pieces (plus `[CLS]` and `[SEP]`) that start every `stride`
//! pieces. Windows overlap; each word takes its vector from the one window
//! where its first piece has the most context on both sides, so every word
//! gets exactly one vector.

use crate::error::ModelError;
use std::collections::HashMap;
use std::path::Path;

/// Pieces of one word kept in the stream (longer words, e.g. URLs, are cut).
pub const MAX_WORD_PIECES: usize = 16;

/// The encoder's tokenizer with its special piece ids.
#[derive(Debug, Clone)]
pub struct PieceTokenizer {
    inner: tokenizers::Tokenizer,
    /// The file's text, saved beside models.
    pub json: String,
    /// `[CLS]` (`<s>` in RoBERTa-style vocabularies such as MPNet's).
    pub cls: u32,
    /// `[SEP]` (`</s>`).
    pub sep: u32,
    /// `[PAD]` (`<pad>`).
    pub pad: u32,
    /// `[UNK]`, for words the tokenizer drops entirely.
    pub unk: u32,
    /// Pieces of this id and above have no embedding in the encoder
    /// (tokens added to a tokenizer whose model was not resized): they are
    /// read as `[UNK]`.
    limit: Option<u32>,
}

impl PieceTokenizer {
    /// Parses a `tokenizer.json` (read from `path`, named in errors). Its
    /// truncation and padding settings are turned off: windows are cut here.
    pub fn from_json(json: &str, path: &Path) -> Result<Self, ModelError> {
        let corrupt = |reason: String| ModelError::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        let mut inner: tokenizers::Tokenizer = json
            .parse()
            .map_err(|e| corrupt(format!("tokenizer: {e}")))?;
        inner
            .with_truncation(None)
            .map_err(|e| corrupt(format!("tokenizer: {e}")))?;
        inner.with_padding(None);
        // BERT's names of the special pieces, or RoBERTa's and MPNet's.
        let id = |token: &str, other: &str| {
            inner
                .token_to_id(token)
                .or_else(|| inner.token_to_id(other))
                .ok_or_else(|| corrupt(format!("the tokenizer has no {token} piece (nor {other})")))
        };
        let (cls, sep, pad) = (
            id("[CLS]", "<s>")?,
            id("[SEP]", "</s>")?,
            id("[PAD]", "<pad>")?,
        );
        // (One id for two of them would blur where windows start, end and
        // are padded.)
        if cls == sep || cls == pad || sep == pad {
            return Err(corrupt(format!(
                "the tokenizer gives [CLS], [SEP] and [PAD] the ids {cls}, {sep} and {pad}; each needs its own"
            )));
        }
        Ok(Self {
            cls,
            sep,
            pad,
            unk: id("[UNK]", "<unk>")?,
            json: json.to_string(),
            inner,
            limit: None,
        })
    }

    /// The piece of the largest id the tokenizer can give (its added
    /// pieces included), with that id.
    pub fn largest_piece(&self) -> Option<(String, u32)> {
        self.inner
            .get_vocab(true)
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)))
    }

    /// Reads the pieces of id `vocab_size` and above, which the encoder
    /// has no embedding for, as `[UNK]`.
    pub fn limit_to(&mut self, vocab_size: usize) {
        self.limit = u32::try_from(vocab_size).ok();
    }

    /// Reads a `tokenizer.json` file.
    pub fn from_file(path: &Path) -> Result<Self, ModelError> {
        let json = crate::io::read_text(path)?;
        Self::from_json(&json, path)
    }

    /// Piece ids of each word (at least one: `[UNK]` when the tokenizer
    /// yields none; at most [`MAX_WORD_PIECES`]).
    pub fn word_pieces(&self, words: &[&str]) -> Vec<Vec<u32>> {
        let mut seen: HashMap<&str, Vec<u32>> = HashMap::new();
        words
            .iter()
            .map(|&w| {
                seen.entry(w)
                    .or_insert_with(|| {
                        let mut ids = self
                            .inner
                            .encode_fast(w, false)
                            .map(|e| e.get_ids().to_vec())
                            .unwrap_or_default();
                        ids.truncate(MAX_WORD_PIECES);
                        if ids.is_empty() {
                            ids.push(self.unk);
                        }
                        if let Some(limit) = self.limit {
                            ids.iter_mut()
                                .filter(|id| **id >= limit)
                                .for_each(|id| *id = self.unk);
                        }
                        ids
                    })
                    .clone()
            })
            .collect()
    }

    /// Piece ids of a text with special tokens, as the encoder's own pipeline
    /// produces them (used to check against reference outputs).
    pub fn encode_text(&self, text: &str) -> Result<Vec<u32>, String> {
        self.inner
            .encode(text, true)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| e.to_string())
    }
}

/// Where each word's vector comes from: window and positions (with `[CLS]`
/// at position 0) of its pooled pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiecePlan {
    /// Piece ids of each window, `[CLS]` … `[SEP]` included.
    pub windows: Vec<Vec<u32>>,
    /// For each word: its window and the positions of the pieces it pools.
    pub words: Vec<(usize, Vec<usize>)>,
}

impl PiecePlan {
    /// Pieces in all windows (special tokens included).
    pub fn pieces(&self) -> usize {
        self.windows.iter().map(Vec::len).sum()
    }
}

/// Start offsets of windows of `content` pieces every `stride` pieces over a
/// stream of `n`; the last window ends at the stream's end.
pub fn window_starts(n: usize, content: usize, stride: usize) -> Vec<usize> {
    let content = content.max(1);
    let stride = stride.clamp(1, content);
    if n <= content {
        return vec![0];
    }
    let mut starts: Vec<usize> = (0..)
        .map(|k| k * stride)
        .take_while(|&s| s + content < n)
        .collect();
    starts.push(n - content);
    starts
}

/// Plans the windows of a document whose words have `pieces`; `pool` pieces
/// per word are pooled (1: the first piece).
pub fn plan(
    pieces: &[Vec<u32>],
    tokenizer: &PieceTokenizer,
    window: usize,
    stride: usize,
    pool: usize,
) -> PiecePlan {
    let content = window.saturating_sub(2).max(1);
    let stream: Vec<u32> = pieces.iter().flatten().copied().collect();
    let starts = window_starts(stream.len(), content, stride);
    let windows = starts
        .iter()
        .map(|&s| {
            let mut w = Vec::with_capacity(content + 2);
            w.push(tokenizer.cls);
            w.extend_from_slice(&stream[s..(s + content).min(stream.len())]);
            w.push(tokenizer.sep);
            w
        })
        .collect::<Vec<_>>();
    let mut offset = 0;
    let words = pieces
        .iter()
        .map(|p| {
            let first = offset;
            offset += p.len();
            // The window where the first piece is furthest from both edges.
            let (k, start) = starts
                .iter()
                .enumerate()
                .filter(|(_, &s)| s <= first && first < s + content)
                .max_by_key(|(k, &s)| {
                    let end = (s + content).min(stream.len());
                    (first - s).min(end - 1 - first) * starts.len() + (starts.len() - k)
                })
                .map(|(k, &s)| (k, s))
                .expect("every piece lies in some window");
            let end = (start + content).min(stream.len());
            let positions = (first..(first + p.len().min(pool)).min(end))
                .map(|i| i - start + 1)
                .collect();
            (k, positions)
        })
        .collect();
    PiecePlan { windows, words }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tiny WordPiece `tokenizer.json` with the BERT specials and `vocab`
    /// (a JSON object of piece → id).
    pub(crate) fn tiny_tokenizer_json(vocab: &str) -> String {
        format!(
            r###"{{"version":"1.0","truncation":{{"max_length":4,"strategy":"LongestFirst","stride":0,"direction":"Right"}},"padding":null,"added_tokens":[],"normalizer":{{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true}},"pre_tokenizer":{{"type":"BertPreTokenizer"}},"post_processor":null,"decoder":null,"model":{{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,"vocab":{vocab}}}}}"###
        )
    }

    pub(crate) const TINY_VOCAB: &str =
        r###"{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"a":4,"b":5,"##b":6,"ab":7}"###;

    fn tokenizer() -> PieceTokenizer {
        PieceTokenizer::from_json(&tiny_tokenizer_json(TINY_VOCAB), Path::new("t.json")).unwrap()
    }

    #[test]
    fn a_tokenizer_without_the_bert_specials_is_refused() {
        let json = tiny_tokenizer_json(r###"{"[PAD]":0,"[UNK]":1,"a":2}"###);
        let e = PieceTokenizer::from_json(&json, Path::new("enc/tokenizer.json"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("enc/tokenizer.json") && e.contains("no [CLS] piece"),
            "{e}"
        );
        let json = tiny_tokenizer_json(r###"{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":2,"a":3}"###);
        let e = PieceTokenizer::from_json(&json, Path::new("t.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("the ids 2, 2 and 0; each needs its own"), "{e}");
        let e = PieceTokenizer::from_json("{", Path::new("t.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.json") && e.contains("tokenizer"), "{e}");
    }

    #[test]
    fn words_get_their_pieces_and_unknown_words_one() {
        let mut t = tokenizer();
        assert_eq!(
            t.word_pieces(&["abb", "A", "zz", "  "]),
            vec![vec![7, 6], vec![4], vec![1], vec![1]]
        );
        // Pieces past an encoder's vocabulary are read as [UNK].
        t.limit_to(7);
        assert_eq!(t.word_pieces(&["abb", "A"]), vec![vec![1, 6], vec![4]]);
    }

    #[test]
    fn windows_cover_the_stream_and_end_at_its_end() {
        assert_eq!(window_starts(5, 8, 4), vec![0]);
        assert_eq!(window_starts(10, 4, 2), vec![0, 2, 4, 6]);
        assert_eq!(window_starts(11, 4, 4), vec![0, 4, 7]);
    }

    #[test]
    fn every_word_gets_exactly_one_vector_from_its_most_central_window() {
        let t = tokenizer();
        for (n, window, stride) in [(1, 8, 4), (7, 6, 2), (30, 7, 3), (50, 10, 8), (33, 5, 1)] {
            // Words of one to three pieces.
            let pieces: Vec<Vec<u32>> = (0..n).map(|i| vec![10 + i as u32; 1 + i % 3]).collect();
            for pool in [1, 4] {
                let plan = plan(&pieces, &t, window, stride, pool);
                assert_eq!(plan.words.len(), n);
                let content = window - 2;
                let mut offset = 0;
                for (w, (k, positions)) in pieces.iter().zip(&plan.words) {
                    let win = &plan.windows[*k];
                    assert!(win.len() <= window);
                    assert_eq!((win[0], *win.last().unwrap()), (t.cls, t.sep));
                    // The pooled positions hold this word's pieces, first one first.
                    assert!(!positions.is_empty() && positions.len() <= pool.min(w.len()));
                    for &p in positions {
                        assert_eq!(win[p], w[0], "word at stream offset {offset}");
                    }
                    // Its window holds its first piece at least as centrally as any other.
                    let margin = |s: usize| {
                        let end = (s + content).min(plan_len(&pieces));
                        (offset >= s && offset < end).then(|| (offset - s).min(end - 1 - offset))
                    };
                    let starts = window_starts(plan_len(&pieces), content, stride);
                    let best = starts.iter().filter_map(|&s| margin(s)).max().unwrap();
                    assert_eq!(margin(starts[*k]), Some(best));
                    offset += w.len();
                }
            }
        }
    }

    fn plan_len(pieces: &[Vec<u32>]) -> usize {
        pieces.iter().map(Vec::len).sum()
    }

    #[test]
    fn overlapping_windows_pick_the_central_one() {
        let t = tokenizer();
        let pieces: Vec<Vec<u32>> = (0..10).map(|i| vec![100 + i]).collect();
        // Content 4, stride 2: windows start at 0, 2, 4, 6.
        let plan = plan(&pieces, &t, 6, 2, 1);
        assert_eq!(plan.windows.len(), 4);
        let chosen: Vec<usize> = plan.words.iter().map(|(k, _)| *k).collect();
        // Piece 2 is one from the edge in window 0 and at the edge of window 1;
        // piece 3 is at the edge of window 0 and one from the edge in window 1.
        assert_eq!(chosen, vec![0, 0, 0, 1, 1, 2, 2, 3, 3, 3]);
        for (i, (k, positions)) in plan.words.iter().enumerate() {
            assert_eq!(plan.windows[*k][positions[0]], 100 + i as u32);
        }
    }
}
