//! `ensemble.toml`: the members of an ensemble and their weights.
//!
//! ```toml
//! [[members]]
//! model = "../transformer-polnear"   # a model directory, relative to this file's
//! weight = 1.0
//!
//! [[members]]
//! model = "../crf-polnear"
//! weight = 0.5
//! ```

use crate::error::ModelError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file that makes a directory an ensemble.
pub const ENSEMBLE_FILE: &str = "ensemble.toml";

/// The contents of `ensemble.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsembleFile {
    /// The members, the first of which gives the ensemble its chains (the
    /// token ranges decoded together), tags, decoding settings and, unless
    /// the ensemble directory has its own, speaker resolver.
    pub members: Vec<MemberFile>,
}

/// One member of an ensemble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberFile {
    /// Its model directory, relative to the ensemble's directory (or absolute).
    pub model: PathBuf,
    /// The weight of its tag and chain scores (1 by default).
    #[serde(default = "one")]
    pub weight: f32,
}

fn one() -> f32 {
    1.0
}

/// The largest weight a member may have. Weights are relative, so a larger
/// one would only push the summed scores towards overflow (where a chain
/// of infinities decodes to nothing).
pub const MAX_WEIGHT: f32 = 1000.0;

/// The smallest weight a member may have: the weights' scale sets how sharp
/// the ensemble's confidences are, and far below this the summed scores
/// underflow (a weight of 1e-45 decoded other spans than the member alone).
pub const MIN_WEIGHT: f32 = 0.001;

impl EnsembleFile {
    /// True when `dir` is an ensemble (it holds an `ensemble.toml`).
    pub fn is_ensemble(dir: &Path) -> bool {
        dir.join(ENSEMBLE_FILE).is_file()
    }

    /// Reads and checks `dir/ensemble.toml`: at least one member, and
    /// weights from [`MIN_WEIGHT`] to [`MAX_WEIGHT`]. Errors name the file.
    pub fn read(dir: &Path) -> Result<Self, ModelError> {
        let path = dir.join(ENSEMBLE_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| ModelError::io(&path, e))?;
        let bad = |message: String| ModelError::Config {
            path: Some(path.clone()),
            message,
        };
        let file: EnsembleFile = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if file.members.is_empty() {
            return Err(bad(
                "an ensemble needs at least one [[members]] entry with a `model` directory".into(),
            ));
        }
        if let Some(k) = file
            .members
            .iter()
            .position(|m| m.model.as_os_str().is_empty())
        {
            return Err(bad(format!(
                "member {}: `model` is empty; give the member's model directory",
                k + 1
            )));
        }
        if let Some((k, m)) = file
            .members
            .iter()
            .enumerate()
            .find(|(_, m)| !(m.weight >= MIN_WEIGHT && m.weight <= MAX_WEIGHT))
        {
            return Err(bad(format!(
                "member {} ({}): weight {} must be a number from {MIN_WEIGHT} to {MAX_WEIGHT} \
                 (they weigh the members against each other)",
                k + 1,
                m.model.display(),
                m.weight
            )));
        }
        Ok(file)
    }
}

impl MemberFile {
    /// Its model directory, as a path from here, for an ensemble in `dir`.
    pub fn path(&self, dir: &Path) -> PathBuf {
        dir.join(&self.model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<EnsembleFile, ModelError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(ENSEMBLE_FILE), text).unwrap();
        EnsembleFile::read(dir.path())
    }

    #[test]
    fn members_read_with_a_default_weight_of_one() {
        let f = read("[[members]]\nmodel = \"a\"\nweight = 0.5\n[[members]]\nmodel = \"/b\"\n")
            .unwrap();
        assert_eq!(f.members.len(), 2);
        assert_eq!(f.members[0].weight, 0.5);
        assert_eq!(f.members[1].weight, 1.0);
        let paths: Vec<PathBuf> = f.members.iter().map(|m| m.path(Path::new("ens"))).collect();
        assert_eq!(paths, [PathBuf::from("ens/a"), PathBuf::from("/b")]);
    }

    #[test]
    fn bad_files_are_refused_naming_the_file_and_the_problem() {
        let cases = [
            ("members = []\n", "at least one"),
            (
                "[[members]]\nmodel = \"a\"\nweight = 0\n",
                "from 0.001 to 1000",
            ),
            (
                "[[members]]\nmodel = \"a\"\nweight = -1\n",
                "from 0.001 to 1000",
            ),
            (
                "[[members]]\nmodel = \"a\"\nweight = nan\n",
                "from 0.001 to 1000",
            ),
            ("[[members]]\nmodel = \"a\"\nweight = inf\n", "to 1000"),
            ("[[members]]\nmodel = \"a\"\nweight = 1e-45\n", "from 0.001"),
            ("[[members]]\nmodel = \"a\"\nweight = 3e38\n", "to 1000"),
            ("[[members]]\nmodle = \"a\"\n", "unknown field"),
            ("[[members]]\nmodel = \"\"\n", "`model` is empty"),
            ("[[members]\n", "ensemble.toml"),
        ];
        for (text, expected) in cases {
            let message = read(text).unwrap_err().to_string();
            assert!(message.contains(ENSEMBLE_FILE), "{text:?}: {message}");
            assert!(message.contains(expected), "{text:?}: {message}");
        }
        let dir = tempfile::tempdir().unwrap();
        let missing = EnsembleFile::read(dir.path()).unwrap_err().to_string();
        assert!(missing.contains(ENSEMBLE_FILE), "{missing}");
    }
}
