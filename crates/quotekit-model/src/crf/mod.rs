//! The linear-chain CRF tagger (`model = "crf"`): parameters and emission
//! scores over hashed features ([`model`]), the tagger ([`tagger`]), its
//! model file ([`file`](mod@file)), and training: the objective ([`objective`]),
//! L-BFGS ([`lbfgs`]) warm-started by SGD ([`sgd`]), or the averaged
//! perceptron ([`perceptron`]), driven by [`train`].

pub mod config;
pub mod file;
pub mod lbfgs;
pub mod model;
pub mod objective;
pub mod perceptron;
pub mod sgd;
pub mod tagger;
pub mod train;
