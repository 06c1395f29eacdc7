//! Files compressed with gzip: a file whose name ends in `.gz` (in any
//! case) is read and written through gzip, and its format is told by the
//! name under `.gz` (`corpus.jsonl.gz` is JSONL, `tags.conll.gz` CoNLL).
//! A stream with no name to tell it by (standard input, a named pipe) is
//! told by its first bytes ([`sniff`]).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// Whether `path` names a gzip file: its extension is `gz`, in any case.
pub fn is_gzip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// The name of the file a gzip file holds (`x.jsonl.gz`: `x.jsonl`); any
/// other path as it is.
pub fn inner_name(path: &Path) -> PathBuf {
    if is_gzip(path) {
        path.with_extension("")
    } else {
        path.to_path_buf()
    }
}

/// Opens `path` for reading: through gzip where [`is_gzip`] (members one
/// after another, as `cat a.gz b.gz` joins them, read as one stream), or,
/// for a path whose name tells nothing ([`unnamed`]: a named pipe,
/// `/dev/stdin`) not named `.gz`, where its first bytes are gzip's.
pub fn open(path: &Path) -> std::io::Result<Box<dyn BufRead + Send>> {
    crate::read::refuse_device(path)?;
    let file = std::fs::File::open(path).map_err(|e| crate::read::explain(path, e))?;
    let meta = file.metadata().ok();
    // (A folder opens, and fails at the first read with the system's words.)
    if meta.as_ref().is_some_and(|m| m.is_dir()) {
        let folder = std::io::Error::from(std::io::ErrorKind::IsADirectory);
        return Err(crate::read::explain(path, folder));
    }
    // (A pipe, `<(zcat …)` or not, has no name to tell it by, nor has
    // `/dev/stdin` given a file.)
    if !is_gzip(path) && meta.is_some_and(|m| unnamed(path, &m)) {
        return sniff(file);
    }
    read_from(path, file)
}

/// Whether the name `path` tells nothing of what it holds: a pipe, or a
/// path the system gives a stream by (`/dev/stdin`, `/dev/fd/3`,
/// `/proc/self/fd/0`, or `stdin` in `/dev`), whatever it is opened on
/// (`meta`).
pub fn unnamed(path: &Path, meta: &std::fs::Metadata) -> bool {
    // (Made absolute, its `..` taken off word by word: where it points,
    // not through which links.)
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut plain = PathBuf::new();
    for part in absolute.components() {
        match part {
            std::path::Component::ParentDir => {
                plain.pop();
            }
            std::path::Component::CurDir => {}
            part => plain.push(part),
        }
    }
    !meta.is_file() || plain.starts_with("/dev") || plain.starts_with("/proc")
}

/// [`open`] on a file already opened (`path` tells whether it is gzip).
/// Gzip data under another name is refused, saying so: read as it is, it
/// would be lines of bytes that are no UTF-8 (no text begins with gzip's
/// two bytes, which are no UTF-8).
pub fn read_from(
    path: &Path,
    file: impl std::io::Read + Send + 'static,
) -> std::io::Result<Box<dyn BufRead + Send>> {
    if !is_gzip(path) {
        let mut plain = BufReader::with_capacity(1 << 16, file);
        let head = loop {
            match plain.fill_buf() {
                Ok(head) => break head,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if head.starts_with(&GZIP_MAGIC) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                misnamed(path),
            ));
        }
        return Ok(Box::new(plain));
    }
    // (What is not gzip is said so, by its name, before a byte is read
    // as gzip; an empty file is an empty stream.)
    let mut file = BufReader::new(file);
    let head = file.fill_buf()?;
    if head.is_empty() {
        return Ok(Box::new(std::io::empty()));
    }
    if !begins_as_gzip(head) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not gzip, though its name ends in .gz (a .gz file is read as gzip: \
             compress it, or give it the name of what it holds)",
        ));
    }
    Ok(gunzip(file))
}

/// What is said of gzip data in the file `path`, whose name does not end
/// in `.gz`.
pub fn misnamed(path: &Path) -> String {
    format!(
        "gzip data, though its name does not end in .gz: name it {}.gz, or unpack it \
         (`gunzip -c`)",
        path.display()
    )
}

/// Reads `inner`, a stream with no name to tell it by (standard input, a
/// named pipe, `<(zcat …)` or not), through gzip when its first bytes are
/// gzip's, and as it is otherwise. Its first bytes are read now (waiting
/// for a writer, as any first read does).
pub fn sniff(
    inner: impl std::io::Read + Send + 'static,
) -> std::io::Result<Box<dyn BufRead + Send>> {
    let mut plain = BufReader::with_capacity(1 << 16, inner);
    let gzip = loop {
        match plain.fill_buf() {
            Ok(head) => break begins_as_gzip(head),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    };
    Ok(if gzip { gunzip(plain) } else { Box::new(plain) })
}

/// Whether a file's contents begin as gzip data does, whatever its name
/// (false when it cannot be read).
pub fn holds_gzip(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| magic == GZIP_MAGIC)
}

/// The two bytes a gzip stream begins with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether a stream's first bytes (one or more) are gzip's. (A lone first
/// byte of the two counts: the decoder's error then says what is wrong.)
fn begins_as_gzip(head: &[u8]) -> bool {
    !head.is_empty() && head.starts_with(&GZIP_MAGIC[..head.len().min(2)])
}

/// `reader` read through gzip, members one after another.
fn gunzip(reader: impl BufRead + Send + 'static) -> Box<dyn BufRead + Send> {
    Box::new(BufReader::new(Gunzip(flate2::read::MultiGzDecoder::new(
        reader,
    ))))
}

/// A gzip decoder whose errors say what they are about: a stream cut short
/// (a file still being written, or its writer killed) or damaged.
struct Gunzip<R>(flate2::read::MultiGzDecoder<R>);

impl<R: std::io::BufRead> std::io::Read for Gunzip<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::io::ErrorKind::{InvalidData, InvalidInput, UnexpectedEof};
        self.0.read(buf).map_err(|e| match e.kind() {
            kind @ (UnexpectedEof | InvalidInput | InvalidData) => std::io::Error::new(
                kind,
                format!("the gzip stream is cut short or damaged ({e})"),
            ),
            _ => e,
        })
    }
}

/// Writes through gzip or not, as [`is_gzip`] says of the file's name;
/// [`Writer::finish`] ends the stream (dropping the writer ends it too, but
/// says nothing of a failure).
#[derive(Debug)]
pub enum Writer<W: Write> {
    /// A plain file.
    Plain(W),
    /// A gzip stream.
    Gzip(flate2::write::GzEncoder<W>),
}

impl<W: Write> Writer<W> {
    /// A writer to `inner` for the file `path` names.
    pub fn new(path: &Path, inner: W) -> Self {
        if is_gzip(path) {
            Writer::Gzip(flate2::write::GzEncoder::new(
                inner,
                flate2::Compression::default(),
            ))
        } else {
            Writer::Plain(inner)
        }
    }

    /// Flushes what was written and ends a gzip stream with its trailer;
    /// the inner writer, flushed.
    pub fn finish(self) -> std::io::Result<W> {
        let mut inner = match self {
            Writer::Plain(w) => w,
            Writer::Gzip(g) => g.finish()?,
        };
        inner.flush()?;
        Ok(inner)
    }
}

impl<W: Write> Write for Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Writer::Plain(w) => w.write(buf),
            Writer::Gzip(g) => g.write(buf),
        }
    }

    /// (A gzip stream is flushed to a byte boundary: what was written so far
    /// can be read back, though the stream has not ended.)
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Writer::Plain(w) => w.flush(),
            Writer::Gzip(g) => g.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn gzip_data_under_another_name_is_refused_saying_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.jsonl");
        let gz = dir.path().join("x.gz");
        let mut w = Writer::new(&gz, std::fs::File::create(&gz).unwrap());
        w.write_all(b"{}\n").unwrap();
        w.finish().unwrap();
        std::fs::rename(&gz, &path).unwrap();
        let e = open(&path).err().unwrap();
        assert!(
            e.to_string()
                .starts_with("gzip data, though its name does not end in .gz"),
            "{e}"
        );
        // A named pipe has no name to tell it by: its first bytes do.
        #[cfg(unix)]
        {
            let pipe = dir.path().join("pipe.jsonl");
            crate::test_support::mkfifo(&pipe);
            let data = std::fs::read(&path).unwrap();
            let writer = {
                let pipe = pipe.clone();
                std::thread::spawn(move || std::fs::write(pipe, data).unwrap())
            };
            let mut back = String::new();
            open(&pipe).unwrap().read_to_string(&mut back).unwrap();
            writer.join().unwrap();
            assert_eq!(back, "{}\n");
        }
        // Text, and an empty file, read as they are.
        for text in ["{}\n", ""] {
            std::fs::write(&path, text).unwrap();
            let mut back = String::new();
            open(&path).unwrap().read_to_string(&mut back).unwrap();
            assert_eq!(back, text);
        }
    }

    #[test]
    fn gzip_is_told_by_the_name_in_any_case() {
        assert!(is_gzip(Path::new("a/corpus.jsonl.gz")));
        assert!(is_gzip(Path::new("CORPUS.JSONL.GZ")));
        assert!(!is_gzip(Path::new("corpus.jsonl")));
        assert!(!is_gzip(Path::new("gz")));
        assert_eq!(
            inner_name(Path::new("a/x.conll.GZ")),
            Path::new("a/x.conll")
        );
        assert_eq!(inner_name(Path::new("a/x.conll")), Path::new("a/x.conll"));
    }

    #[test]
    fn written_gzip_reads_back_and_joined_members_read_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl.gz");
        let mut w = Writer::new(&path, std::fs::File::create(&path).unwrap());
        w.write_all(b"one\n").unwrap();
        w.flush().unwrap();
        w.write_all(b"two\n").unwrap();
        w.finish().unwrap();
        let once = std::fs::read(&path).unwrap();
        assert_eq!(&once[..2], &[0x1f, 0x8b], "a gzip header");
        // `cat x.gz x.gz`: two members.
        std::fs::write(&path, [once.clone(), once].concat()).unwrap();
        let mut text = String::new();
        open(&path).unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "one\ntwo\none\ntwo\n");
        // A plain name is read and written as it is.
        let plain = dir.path().join("x.jsonl");
        let mut w = Writer::new(&plain, std::fs::File::create(&plain).unwrap());
        w.write_all(b"one\n").unwrap();
        w.finish().unwrap();
        assert_eq!(std::fs::read(&plain).unwrap(), b"one\n");
    }

    /// A gzip file given through a path the system names streams by
    /// (`/dev/stdin < x.gz`, here `/proc/self/fd/N`) is told by its first
    /// bytes, as a pipe is; under its own name without `.gz` it is refused.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_given_as_a_stream_path_is_told_by_its_bytes() {
        use std::os::fd::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        let mut w = Writer::new(Path::new("x.gz"), std::fs::File::create(&path).unwrap());
        w.write_all(b"one\n").unwrap();
        w.finish().unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let stream = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        let mut text = String::new();
        open(&stream).unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "one\n");
        assert!(open(&path).is_err());
        let meta = std::fs::metadata(&path).unwrap();
        assert!(unnamed(&stream, &meta) && !unnamed(&path, &meta));
        // (Given relative to the working folder, as `dev/stdin` from `/`.)
        let up = std::env::current_dir().unwrap().components().count() - 1;
        let relative = PathBuf::from("../".repeat(up)).join(stream.strip_prefix("/").unwrap());
        assert!(relative.is_relative());
        let mut text = String::new();
        open(&relative).unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "one\n");
    }

    /// A pipe's reads: interrupted first, then a byte at a time (the
    /// first read of a pipe may bring one byte).
    struct Trickle {
        bytes: std::io::Cursor<Vec<u8>>,
        interrupted: bool,
    }

    impl Trickle {
        fn new(bytes: Vec<u8>) -> Self {
            Self {
                bytes: std::io::Cursor::new(bytes),
                interrupted: false,
            }
        }
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if !self.interrupted {
                self.interrupted = true;
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(1);
            self.bytes.read(&mut buf[..n])
        }
    }

    /// A stream with no name is read through gzip when its first bytes
    /// say so, and as it is otherwise.
    #[test]
    fn an_unnamed_stream_is_told_by_its_first_bytes() {
        let mut gz = Writer::new(Path::new("x.gz"), Vec::new());
        gz.write_all(b"one\ntwo\n").unwrap();
        let gz = gz.finish().unwrap();
        let read = |bytes: Vec<u8>| {
            let mut text = String::new();
            sniff(Trickle::new(bytes))?
                .read_to_string(&mut text)
                .map(|_| text)
        };
        assert_eq!(read(gz.clone()).unwrap(), "one\ntwo\n");
        assert_eq!(
            read([gz.clone(), gz.clone()].concat()).unwrap(),
            "one\ntwo\none\ntwo\n"
        );
        assert_eq!(read(b"one\n".to_vec()).unwrap(), "one\n");
        assert_eq!(read(Vec::new()).unwrap(), "");
        // Cut short: what it holds, then an error saying so.
        let err = read(gz[..gz.len() - 4].to_vec()).unwrap_err().to_string();
        assert!(
            err.starts_with("the gzip stream is cut short or damaged"),
            "{err}"
        );
        // Lines, as `predict` reads them.
        let lines: Vec<String> = sniff(Trickle::new(gz))
            .unwrap()
            .lines()
            .map(Result::unwrap)
            .collect();
        assert_eq!(lines, ["one", "two"]);
    }

    #[test]
    fn a_plain_file_named_gz_is_an_error_when_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl.gz");
        std::fs::write(&path, "{\"id\": \"a\"}\n").unwrap();
        let err = open(&path).err().unwrap().to_string();
        assert!(err.starts_with("not gzip"), "{err}");
        // An empty file is an empty stream.
        std::fs::write(&path, "").unwrap();
        let mut text = String::new();
        open(&path).unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "");
    }

    /// A stream cut short (a run killed while it wrote) reads up to the
    /// cut, then fails.
    #[test]
    fn a_cut_stream_is_an_error_after_what_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl.gz");
        let mut w = Writer::new(&path, Vec::new());
        w.write_all(b"one\n").unwrap();
        w.flush().unwrap();
        let Writer::Gzip(g) = &w else { panic!("gzip") };
        std::fs::write(&path, g.get_ref()).unwrap();
        let mut lines = open(&path).unwrap().lines();
        assert_eq!(lines.next().unwrap().unwrap(), "one");
        let err = lines.next().unwrap().err().unwrap().to_string();
        assert!(
            err.starts_with("the gzip stream is cut short or damaged ("),
            "{err}"
        );
    }
}
