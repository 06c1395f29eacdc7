//! `quotekit render`, the training report and `eval --html`: the pages parse
//! with an HTML5 parser, every drawn segment holds exactly the characters
//! its offsets name, the text reads back whole, and hostile text stays text.

mod common;

use common::{quotekit, refused, sample, sample_dir, sample_names_dir, stderr, tiny_model};
use quotekit_data::Document;
use scraper::{ElementRef, Html, Selector};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn parse(path: &Path) -> Html {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Html::parse_document(&text)
}

/// The text of the page's text column, quote-number links left out.
fn shown_text(page: &Html) -> String {
    let column = page.select(&sel("#text")).next().expect("a text column");
    let mut out = String::new();
    fn walk(node: ElementRef, out: &mut String) {
        for child in node.children() {
            if let Some(text) = child.value().as_text() {
                out.push_str(text);
            } else if let Some(el) = ElementRef::wrap(child) {
                if !el.value().classes().any(|c| c == "qn") {
                    walk(el, out);
                }
            }
        }
    }
    walk(column, &mut out);
    out
}

/// The characters each drawn span id covers, with the classes of its segments.
fn covered_by_id(page: &Html) -> HashMap<(String, BTreeSet<String>), BTreeSet<usize>> {
    let mut by_id: HashMap<String, (BTreeSet<String>, BTreeSet<usize>)> = HashMap::new();
    for seg in page.select(&sel("#text span[data-start]")) {
        let v = seg.value();
        let start: usize = v.attr("data-start").unwrap().parse().unwrap();
        let end: usize = v.attr("data-end").unwrap().parse().unwrap();
        for id in v.attr("data-span").unwrap().split(' ') {
            let entry = by_id.entry(id.to_string()).or_default();
            entry.0.extend(v.classes().map(str::to_string));
            entry.1.extend(start..end);
        }
    }
    by_id
        .into_iter()
        .map(|(id, (classes, chars))| ((id, classes), chars))
        .collect()
}

/// Checks one document page against its text: the text reads back whole,
/// each segment holds the characters its offsets name, and each gold span's
/// segments cover exactly its fragments. Returns the number of segments.
fn check_page(page: &Html, doc: &Document) -> usize {
    let chars: Vec<char> = doc.text().chars().collect();
    assert_eq!(
        shown_text(page),
        doc.text(),
        "{}: the text reads back",
        doc.id
    );
    let mut covered: HashMap<String, BTreeSet<usize>> = HashMap::new();
    let mut segments = 0;
    for seg in page.select(&sel("#text span[data-start]")) {
        let v = seg.value();
        let start: usize = v.attr("data-start").unwrap().parse().unwrap();
        let end: usize = v.attr("data-end").unwrap().parse().unwrap();
        let text: String = seg.text().collect();
        assert_eq!(
            text,
            chars[start..end].iter().collect::<String>(),
            "{}: segment {start}..{end}",
            doc.id
        );
        for id in v.attr("data-span").unwrap().split(' ') {
            covered
                .entry(id.to_string())
                .or_default()
                .extend(start..end);
        }
        segments += 1;
    }
    for s in &doc.spans {
        let want: BTreeSet<usize> = s.fragments.iter().flat_map(|f| f.start..f.end).collect();
        assert_eq!(
            covered.get(&format!("g:{}", s.id)),
            Some(&want),
            "{}: gold {}",
            doc.id,
            s.id
        );
    }
    segments
}

#[test]
fn predictions_with_gold_render_and_map_back_to_their_characters() {
    let dir = tempfile::tempdir().unwrap();
    let pred = dir.path().join("quotes.jsonl");
    let out = common::predict(&sample_dir(), &pred, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let view = dir.path().join("view");
    let names = sample_names_dir();
    let sample_path = sample_dir();
    let args = [
        "render",
        "--input",
        pred.to_str().unwrap(),
        "--texts",
        sample_path.to_str().unwrap(),
        "--gold",
        sample_path.to_str().unwrap(),
        "--names",
        names.to_str().unwrap(),
        "--output",
        view.to_str().unwrap(),
        "--page-size",
        "5",
    ];
    let out = quotekit(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let records = read_lines(&pred);
    let gold: HashMap<String, Document> = common::named_sample()
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    let mut segments = 0;
    for (k, record) in records.iter().enumerate() {
        let page = parse(&view.join(format!("doc/{}.html", k + 1)));
        let id = record["id"].as_str().unwrap();
        let title: String = page.select(&sel("h1")).next().unwrap().text().collect();
        assert_eq!(title, id);
        segments += check_page(&page, &gold[id]);
        // One numbered link and one list item per quote.
        let quotes = record["quotes"].as_array().unwrap().len();
        assert_eq!(page.select(&sel("#text a.qn")).count(), quotes, "{id}");
        assert_eq!(
            page.select(&sel("aside li[data-q]")).count(),
            quotes,
            "{id}"
        );
        // Each predicted span is drawn over exactly its own characters, in its role's class.
        let covered = covered_by_id(&page);
        for q in record["quotes"].as_array().unwrap() {
            let mut spans: Vec<(&str, &serde_json::Value)> = vec![];
            spans.extend(q["content"].as_array().unwrap().iter().map(|c| ("con", c)));
            for (class, key) in [("src", "speaker"), ("cue", "cue")] {
                if q[key].is_object() {
                    spans.push((class, &q[key]));
                }
            }
            for (class, s) in spans {
                let (start, end) = (
                    s["start"].as_u64().unwrap() as usize,
                    s["end"].as_u64().unwrap() as usize,
                );
                let want: BTreeSet<usize> = (start..end).collect();
                let found = covered.iter().any(|(key, chars)| {
                    key.0.starts_with("p:") && key.1.contains(class) && *chars == want
                });
                assert!(
                    found,
                    "{id}: {class} {start}..{end} drawn over its characters"
                );
            }
        }
    }
    assert!(
        segments > 100,
        "the sample draws many segments ({segments})"
    );
    // The index: 14 documents in pages of 5, in three orders, and the speakers.
    let index = parse(&view.join("index.html"));
    assert_eq!(
        index.select(&sel("table.sortable")).count(),
        2,
        "speakers and documents"
    );
    for name in [
        "by-worst-3.html",
        "by-quotes-3.html",
        "by-id-1.html",
        "speakers.html",
    ] {
        assert!(view.join(name).is_file(), "{name}");
    }
    assert!(!view.join("by-id-4.html").exists());
    let text: String = index.root_element().text().collect();
    assert!(
        text.contains("Who said what"),
        "names give the who-said-what figures"
    );
}

#[test]
fn hostile_text_stays_text_and_overlapping_spans_stay_well_formed() {
    let dir = tempfile::tempdir().unwrap();
    let text = "<script>alert(1)</script> Ann 👍🏽 said: “</span><b>é\u{301}</b> &amp; more” — 💬 she added.";
    let n = text.chars().count();
    let at = |s: &str| text[..text.find(s).unwrap()].chars().count();
    let (said, quote) = (at("said"), at("“"));
    let record = serde_json::json!({
        "id": "<hostile & \"id\">",
        "text": text,
        "spans": [
            {"id": "T1", "role": "source", "fragments": [[at("Ann"), at("Ann") + 6]], "name": "<Ann>"},
            {"id": "T2", "role": "cue", "fragments": [[said, said + 4]]},
            // Discontinuous, overlapping the cue, ending on an emoji and a combining mark.
            {"id": "T3", "role": "content", "fragments": [[said + 2, at("é") + 2], [at("💬"), n - 1]]},
            {"id": "T4", "role": "content", "fragments": [[quote, at("more") + 4]]}
        ],
        "attributions": [
            {"id": "A1", "source": "T1", "cue": "T2", "content": ["T3"]},
            {"id": "A2", "source": "T1", "content": ["T4"]}
        ]
    });
    let corpus = dir.path().join("docs.jsonl");
    std::fs::write(&corpus, format!("{record}\n")).unwrap();
    let view = dir.path().join("view");
    let out = quotekit(&[
        "render",
        "--input",
        corpus.to_str().unwrap(),
        "--gold",
        corpus.to_str().unwrap(),
        "--output",
        view.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let raw = std::fs::read_to_string(view.join("doc/1.html")).unwrap();
    assert_eq!(
        raw.matches("<script>").count(),
        1,
        "only the page's own script"
    );
    let page = Html::parse_document(&raw);
    assert_eq!(page.select(&sel("script")).count(), 1);
    assert_eq!(
        page.select(&sel("b")).count(),
        0,
        "no element from the text"
    );
    let doc =
        quotekit_data::load_corpus(&corpus, quotekit_data::Format::Jsonl, &Default::default())
            .unwrap()
            .documents
            .remove(0);
    check_page(&page, &doc);
    // Discontinuous content is one quote: both fragments carry its number.
    let numbers: Vec<BTreeSet<&str>> = page
        .select(&sel("#text span.con"))
        .filter(|s| s.value().attr("data-span").unwrap().contains("p:T3"))
        .map(|s| s.value().attr("data-q").unwrap().split(' ').collect())
        .collect();
    assert!(numbers.len() >= 2, "both fragments drawn");
    let common_number = numbers
        .iter()
        .skip(1)
        .fold(numbers[0].clone(), |a, b| &a & b);
    assert_eq!(common_number.len(), 1, "{numbers:?}");
    assert_eq!(
        page.select(&sel("#text a.qn")).count(),
        2,
        "two quotes, two numbers"
    );
    let title: String = page.select(&sel("h1")).next().unwrap().text().collect();
    assert_eq!(title, "<hostile & \"id\">");
    let list: String = page.select(&sel("aside")).next().unwrap().text().collect();
    assert!(list.contains("<Ann>"), "{list}");
    // Against itself nothing differs.
    for class in ["x-spur", "x-miss", "x-bound"] {
        assert_eq!(
            page.select(&sel(&format!("#text .{class}"))).count(),
            0,
            "{class}"
        );
    }
}

/// The JSON lines of the JSONL file `path`.
fn read_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Writes `lines` as JSONL to `path`.
fn write_lines(path: &Path, lines: &[serde_json::Value]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// Runs `quotekit render` of `pred` (with `texts`) into `out`.
fn render(pred: &Path, texts: Option<&Path>, out: &Path) -> std::process::Output {
    let mut args = vec![
        "render",
        "--input",
        pred.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    if let Some(t) = texts {
        args.extend(["--texts", t.to_str().unwrap()]);
    }
    quotekit(&args)
}

/// `--merge-names` counts the index's speakers as `stats --merge-names`
/// does: `Obama` of one article under `Barack Obama` of another, which
/// shows its other spellings.
#[test]
fn the_index_merges_the_names_of_one_person_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let doc = |id: &str, name: &str| {
        let text = format!("\"We will win,\" {name} said.");
        let end = 15 + name.len();
        serde_json::json!({
            "id": id, "text": text,
            "spans": [
                {"id": "T1", "role": "content", "fragments": [[0, 14]]},
                {"id": "T2", "role": "source", "fragments": [[15, end]], "name": name},
                {"id": "T3", "role": "cue", "fragments": [[end + 1, end + 5]]},
            ],
            "attributions": [{"id": "E1", "source": "T2", "cue": "T3", "content": ["T1"]}],
        })
        .to_string()
    };
    let docs = dir.path().join("docs.jsonl");
    let lines = [
        doc("a", "Barack Obama"),
        doc("b", "Obama"),
        doc("c", "Obama"),
    ];
    std::fs::write(&docs, lines.join("\n") + "\n").unwrap();
    let rows = |merge: bool| -> Vec<String> {
        let out = dir.path().join(if merge { "merged" } else { "plain" });
        let mut args = vec![
            "render",
            "--input",
            docs.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ];
        if merge {
            args.push("--merge-names");
        }
        let o = quotekit(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let page = parse(&out.join("speakers.html"));
        page.select(&sel("tbody tr"))
            .map(|tr| tr.text().collect::<Vec<_>>().join("|"))
            .collect()
    };
    assert_eq!(rows(false), ["Obama|2|2|0|2", "Barack Obama|1|1|0|1"]);
    // (The other spellings under the name, on the index too.)
    // (Text nodes joined with `|`: `also ` and each spelling are two.)
    assert_eq!(rows(true), ["Barack Obama|also |Obama|3|3|0|3"]);
    let index = parse(&dir.path().join("merged/index.html"));
    let first = index.select(&sel("tbody tr td")).next().unwrap();
    assert_eq!(first.text().collect::<String>(), "Barack Obamaalso Obama");
    // (Each name in its own `<bdi>`: a right-to-left override in one does
    // not turn the rest of the cell around.)
    let isolated: Vec<String> = first
        .select(&sel("bdi"))
        .map(|b| b.text().collect())
        .collect();
    assert_eq!(isolated, ["Barack Obama", "Obama"]);
}

/// Without gold, `--names` names the input's speakers, as `stats` reads
/// a corpus with them: the speakers page counts what stats counts (before,
/// the names went to gold only, and without gold every quote was unnamed).
#[test]
fn names_files_name_the_input_when_there_is_no_gold() {
    let dir = tempfile::tempdir().unwrap();
    let sample = sample_dir();
    let names = sample_names_dir();
    let o = quotekit(&[
        "stats",
        sample.to_str().unwrap(),
        "--names",
        names.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stats: serde_json::Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    let counted: BTreeSet<String> = stats["quoted"]["speakers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert!(counted.len() > 10, "{counted:?}");
    // The brat corpus, and the same as JSONL documents.
    let jsonl = dir.path().join("sample.jsonl");
    common::convert("brat", "jsonl", &sample, &jsonl, &[]);
    for (input, view) in [(sample.clone(), "brat"), (jsonl, "jsonl")] {
        let out = dir.path().join(view);
        let o = quotekit(&[
            "render",
            "--input",
            input.to_str().unwrap(),
            "--names",
            names.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{view}: {}", stderr(&o));
        let page = parse(&out.join("speakers.html"));
        let rendered: BTreeSet<String> = page
            .select(&sel("tbody tr td:first-child bdi"))
            .map(|b| b.text().collect::<String>())
            .collect();
        assert_eq!(counted, rendered, "{view}");
    }
}

#[test]
fn records_need_their_texts_and_error_records_get_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let text = sample().remove(0).text().to_string();
    let line = serde_json::json!({"id": "a", "text": text});
    std::fs::write(&input, format!("{line}\n{{\"id\": \"b\"}}\n")).unwrap();
    let pred = dir.path().join("quotes.jsonl");
    let out = common::predict(&input, &pred, &[]);
    assert!(stderr(&out).contains("1 errors"), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&pred)
            .unwrap()
            .contains("\"speaker\""),
        "a quote found"
    );
    let view = dir.path().join("view");
    let out = render(&pred, None, &view);
    refused(&out, "--texts");
    // (Its pages are written; the exit code is 2 and a warning says how
    // many documents are drawn as errors, as stats does for error records.)
    let out = render(&pred, Some(&input), &view);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: 1 document(s) of")
            && stderr(&out).contains("drawn as errors"),
        "{}",
        stderr(&out)
    );
    let page: String = parse(&view.join("doc/2.html"))
        .root_element()
        .text()
        .collect();
    assert!(page.contains("missing-text"), "{page}");
    // Texts other than the ones predicted on are refused document by document.
    let other = dir.path().join("other.jsonl");
    std::fs::write(&other, "{\"id\": \"a\", \"text\": \"Short.\"}\n").unwrap();
    let view2 = dir.path().join("view2");
    let out = render(&pred, Some(&other), &view2);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let index: String = parse(&view2.join("index.html"))
        .root_element()
        .text()
        .collect();
    assert!(index.contains("2 with a note or error"), "{index}");
    // A field of the input that predict passed through is passed over,
    // whatever it holds (a number past a float's range, as predict writes
    // it); a value of the record's own that does not parse is said to be
    // one.
    let odd = dir.path().join("odd.jsonl");
    std::fs::write(&odd, "{\"id\": \"a\", \"x\": 1e400, \"quotes\": []}\n").unwrap();
    let view3 = dir.path().join("view3");
    let out = render(&odd, Some(&input), &view3);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::write(&odd, "{\"id\": 1e400, \"quotes\": []}\n").unwrap();
    let out = render(&odd, Some(&input), &view3);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let page: String = parse(&view3.join("doc/1.html"))
        .root_element()
        .text()
        .collect();
    assert!(
        page.contains("odd.jsonl:1: a `predict --format jsonl` record that does not parse"),
        "{page}"
    );
    // Rendering into an input is refused.
    let out = render(&pred, Some(&input), dir.path());
    assert!(!out.status.success());
}

#[test]
fn training_writes_a_report_and_eval_writes_a_page() {
    let report = parse(&tiny_model().join("report.html"));
    assert!(
        report.select(&sel("svg polyline")).count() >= 1,
        "a loss curve"
    );
    let text: String = report.root_element().text().collect();
    assert!(
        text.contains("peak memory") && text.contains("[training]"),
        "{text}"
    );

    let dir = tempfile::tempdir().unwrap();
    let pred = dir.path().join("pred.jsonl");
    let out = common::predict(&sample_dir(), &pred, &["--format", "documents"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = dir.path().join("eval.html");
    let out = quotekit(&[
        "eval",
        "--gold",
        sample_dir().to_str().unwrap(),
        "--pred",
        pred.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = parse(&html);
    let cells = page.select(&sel("table.heat td")).count();
    assert_eq!(cells, 49, "a 7 x 7 tag confusion heat map");
    // The page's figures are the printed ones.
    let printed = common::stdout(&out);
    let micro = printed
        .lines()
        .find(|l| l.starts_with("exact micro"))
        .expect("an exact micro line");
    let f1 = micro.split_whitespace().nth(4).unwrap();
    let shown: String = page.root_element().text().collect();
    assert!(shown.contains(f1), "exact micro F1 {f1} on the page");

    // The page needs predictions, and each output its own file; nothing is written.
    let gold = sample_dir();
    let gold = gold.to_str().unwrap();
    let other = dir.path().join("other.html");
    let out = quotekit(&[
        "eval",
        "--gold",
        gold,
        "--names",
        "datasets/sample-speakers",
        "--model",
        tiny_model().to_str().unwrap(),
        "--html",
        other.to_str().unwrap(),
    ]);
    refused(
        &out,
        "--html draws the scores of predictions: give them with --pred, or score the gold \
         spans linked with --link-gold",
    );
    let out = quotekit(&[
        "eval",
        "--gold",
        gold,
        "--pred",
        pred.to_str().unwrap(),
        "--html",
        other.to_str().unwrap(),
        "--json",
        other.to_str().unwrap(),
    ]);
    refused(
        &out,
        "--json, --html and --errors must name different files",
    );
    // The same file spelled another way (`x/../`) is the same file.
    let roundabout = other
        .parent()
        .unwrap()
        .join("x/../")
        .join(other.file_name().unwrap());
    let out = quotekit(&[
        "eval",
        "--gold",
        gold,
        "--pred",
        pred.to_str().unwrap(),
        "--html",
        other.to_str().unwrap(),
        "--json",
        roundabout.to_str().unwrap(),
    ]);
    refused(
        &out,
        "--json, --html and --errors must name different files",
    );
    let out = quotekit(&[
        "eval",
        "--gold",
        gold,
        "--pred",
        pred.to_str().unwrap(),
        "--errors",
        other.to_str().unwrap(),
    ]);
    refused(&out, "--model");
    assert!(!other.exists());
}

#[test]
fn render_warns_when_no_prediction_pairs_with_gold() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs.jsonl");
    std::fs::write(
        &docs,
        "{\"id\": \"elsewhere\", \"text\": \"Nobody said anything.\"}\n",
    )
    .unwrap();
    let view = dir.path().join("view");
    let gold = sample_dir();
    let out = quotekit(&[
        "render",
        "--input",
        docs.to_str().unwrap(),
        "--gold",
        gold.to_str().unwrap(),
        "--output",
        view.to_str().unwrap(),
    ]);
    common::succeeded_saying(
        &out,
        "warning: no predicted document has the id of a document of",
    );
    // The gold documents get pages of their own, with a note.
    let index: String = parse(&view.join("index.html"))
        .root_element()
        .text()
        .collect();
    assert!(
        index.contains("15 documents (14 with a note or error)"),
        "{index}"
    );
}

/// The page script in a real browser, where one is installed (headless
/// Chromium; skipped with a message otherwise): focusing a quote's number
/// highlights its speaker, cue, content and list item, and leaving it clears
/// them; a header button sorts its table.
#[test]
fn the_script_highlights_a_quote_and_sorts_tables_in_a_browser() {
    let Some(browser) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        eprintln!(
            "SKIPPED: no Chromium to run the page script in (Debian: apt-get install chromium)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let pred = dir.path().join("pred.jsonl");
    let out = common::predict(&sample_dir(), &pred, &["--format", "documents"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let view = dir.path().join("view");
    let out = quotekit(&[
        "render",
        "--input",
        pred.to_str().unwrap(),
        "--output",
        view.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let probe = |page: &str, script: &str| -> String {
        let html = std::fs::read_to_string(view.join(page)).unwrap();
        let path = view.join(format!("{}.probe.html", page.replace('/', "-")));
        std::fs::write(
            &path,
            html.replace("</body>", &format!("<script>{script}</script></body>")),
        )
        .unwrap();
        let dom = std::process::Command::new(browser)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
            .arg(format!("file://{}", path.display()))
            .output()
            .unwrap();
        let dom = String::from_utf8_lossy(&dom.stdout).to_string();
        let at = dom.find("data-probe=\"").expect("the probe ran") + 12;
        dom[at..at + dom[at..].find('"').unwrap()].to_string()
    };
    let quote = probe(
        "doc/1.html",
        "var a=document.querySelector('a.qn');var n=a.getAttribute('data-q');\
         a.dispatchEvent(new FocusEvent('focusin',{bubbles:true}));\
         var r=[document.querySelectorAll('#text .src.hl').length>0,document.querySelectorAll('#text .cue.hl').length>0,\
         document.querySelectorAll('#text .con.hl').length>0,document.getElementById('q'+n).classList.contains('hl')];\
         a.dispatchEvent(new FocusEvent('focusout',{bubbles:true}));r.push(document.querySelectorAll('.hl').length);\
         document.body.setAttribute('data-probe',r.join(' '));",
    );
    assert_eq!(quote, "true true true true 0");
    let sorted = probe(
        "index.html",
        "var t=document.querySelectorAll('table.sortable')[1];t.tHead.rows[0].cells[1].querySelector('button').click();\
         var ids=Array.prototype.map.call(t.tBodies[0].rows,function(r){return r.cells[1].textContent;});\
         var ok=ids.every(function(x,i){return i==0||ids[i-1].localeCompare(x)<=0;});\
         document.body.setAttribute('data-probe',ok+' '+ids.length);",
    );
    assert_eq!(sorted, "true 14");
}

/// A quote whose gold source names no one (`-`) and whose predicted one
/// names someone is shown as such, not with the gold span's text as if it
/// were a name.
#[test]
fn a_wrong_name_where_gold_names_no_one_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let names = sample_names_dir();
    let named = dir.path().join("named.jsonl");
    common::convert(
        "brat",
        "jsonl",
        &sample_dir(),
        &named,
        &["--names", names.to_str().unwrap()],
    );
    // (`the public works department`, T8 of the first article, names no one.)
    let mut lines = read_lines(&named);
    let doc = lines
        .iter_mut()
        .find(|d| d["id"] == "01-bridge-repair")
        .unwrap();
    let span = doc["spans"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["id"] == "T8")
        .unwrap();
    assert_eq!(span["name"], "-");
    span["name"] = "Ann Example".into();
    let pred = dir.path().join("pred.jsonl");
    write_lines(&pred, &lines);
    let view = dir.path().join("view");
    let out = quotekit(&[
        "render",
        "--input",
        pred.to_str().unwrap(),
        "--gold",
        "datasets/sample",
        "--names",
        names.to_str().unwrap(),
        "--output",
        view.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pages: String = std::fs::read_dir(view.join("doc"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(
        pages.contains("wrong name: gold <bdi>names no one: “the public works department”</bdi>"),
        "{}",
        pages.matches("wrong name").count()
    );
    assert_eq!(pages.matches("wrong name").count(), 1);
}

/// Every link of a page to a place on it goes to an element of that id.
fn dangling_links(page: &Html) -> Vec<String> {
    let ids: HashSet<&str> = page
        .select(&sel("[id]"))
        .filter_map(|e| e.value().attr("id"))
        .collect();
    page.select(&sel("a[href^='#']"))
        .filter_map(|a| a.value().attr("href"))
        .filter(|h| !ids.contains(&h[1..]))
        .map(str::to_string)
        .collect()
}

/// A hand-made quote without content is numbered at its cue, and one with
/// no span at all is listed without a link to a number the text lacks.
#[test]
fn a_quote_without_content_links_to_where_it_is_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let texts = dir.path().join("texts.jsonl");
    std::fs::write(
        &texts,
        "{\"id\":\"a\",\"text\":\"Ann said so. Bo agreed.\"}\n",
    )
    .unwrap();
    let pred = dir.path().join("pred.jsonl");
    let quotes = serde_json::json!([
        {"speaker": {"start": 13, "end": 15}, "content": [{"start": 16, "end": 22}]},
        {"speaker": {"start": 0, "end": 3}, "cue": {"start": 4, "end": 8}, "content": []},
        {"content": []},
    ]);
    let line = serde_json::json!({"id": "a", "quotes": quotes});
    std::fs::write(&pred, format!("{line}\n")).unwrap();
    let view = dir.path().join("view");
    let out = render(&pred, Some(&texts), &view);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = parse(&view.join("doc/1.html"));
    assert_eq!(dangling_links(&page), Vec::<String>::new());
    // (Numbered in reading order: the cue's quote first, the one with no
    // span last.)
    let anchors: Vec<&str> = page
        .select(&sel("a.qn"))
        .filter_map(|a| a.value().attr("id"))
        .collect();
    assert_eq!(anchors, ["t1", "t2"]);
    let listed: Vec<String> = page
        .select(&sel("li[id^='q']"))
        .map(|li| li.text().collect::<String>())
        .collect();
    assert!(listed[2].starts_with("quote 3"), "{listed:?}");
    // (Ids are isolated from the text around them, as names are: an id
    // written right to left does not turn its neighbours around.)
    let heading: Vec<String> = page
        .select(&sel("h1 bdi"))
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(heading, ["a"]);
    let index = parse(&view.join("index.html"));
    let ids: Vec<String> = index
        .select(&sel("td a bdi"))
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(ids, ["a"]);
}

/// Against gold named by `--names`, input that carries no names says
/// "no name predicted", not "wrong name"; and a prediction with every span
/// of gold but one quote fewer differs by that quote in the index.
#[test]
fn differences_count_missed_quotes_and_say_when_no_name_was_predicted() {
    let dir = tempfile::tempdir().unwrap();
    let names = sample_names_dir();
    let docs = dir.path().join("docs.jsonl");
    common::convert("brat", "jsonl", &sample_dir(), &docs, &[]);
    let view = dir.path().join("view");
    let gold_args = |input: &Path, view: &Path| {
        quotekit(&[
            "render",
            "--input",
            input.to_str().unwrap(),
            "--gold",
            "datasets/sample",
            "--names",
            names.to_str().unwrap(),
            "--output",
            view.to_str().unwrap(),
        ])
    };
    let out = gold_args(&docs, &view);
    assert!(out.status.success(), "{}", stderr(&out));
    let pages: String = std::fs::read_dir(view.join("doc"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(pages.contains("no name predicted: gold"), "no such line");
    assert!(
        !pages.contains("wrong name"),
        "a wrong name where none was given"
    );
    // One quote fewer, its spans kept.
    let mut lines = read_lines(&docs);
    lines[0]["attributions"].as_array_mut().unwrap().remove(0);
    let fewer = dir.path().join("fewer.jsonl");
    write_lines(&fewer, &lines);
    let names_off = dir.path().join("view2");
    let out = quotekit(&[
        "render",
        "--input",
        fewer.to_str().unwrap(),
        "--gold",
        "datasets/sample",
        "--output",
        names_off.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let index = parse(&names_off.join("index.html"));
    let first = lines[0]["id"].as_str().unwrap().to_string();
    let differences: HashMap<String, String> = index
        .select(&sel("tbody tr"))
        .filter(|tr| tr.select(&sel("a[href^='doc/']")).next().is_some())
        .map(|tr| {
            let cells: Vec<String> = tr
                .select(&sel("td"))
                .map(|td| td.text().collect())
                .collect();
            (cells[1].clone(), cells[cells.len() - 2].clone())
        })
        .collect();
    assert_eq!(differences.len(), 14, "{differences:?}");
    for (id, d) in &differences {
        assert_eq!(
            d,
            if *id == first { "1" } else { "0" },
            "{id}: {differences:?}"
        );
    }
}

/// Flags the input has no use for are said: texts for documents, which
/// carry their own, and names for records without gold.
#[test]
fn flags_the_input_does_not_use_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs.jsonl");
    common::convert("brat", "jsonl", &sample_dir(), &docs, &[]);
    let out = render(&docs, Some(&docs), &dir.path().join("v1"));
    common::succeeded_saying(&out, "warning: --texts left unused");
    let texts = dir.path().join("texts.jsonl");
    std::fs::write(&texts, "{\"id\":\"a\",\"text\":\"Ann said so.\"}\n").unwrap();
    let pred = dir.path().join("pred.jsonl");
    std::fs::write(&pred, "{\"id\":\"a\",\"quotes\":[]}\n").unwrap();
    let names = sample_names_dir();
    let v2 = dir.path().join("v2");
    let args = |with_names: bool| {
        let mut args = vec!["render", "--input", pred.to_str().unwrap(), "--texts"];
        args.extend([texts.to_str().unwrap(), "--output", v2.to_str().unwrap()]);
        if with_names {
            args.extend(["--names", names.to_str().unwrap()]);
        }
        quotekit(&args)
    };
    let out = args(true);
    assert!(
        stderr(&out).contains("warning: --names left unused"),
        "{}",
        stderr(&out)
    );
    let out = args(false);
    assert!(!stderr(&out).contains("left unused"), "{}", stderr(&out));
}

/// `predict` records against gold need no --texts: they are read on gold's
/// texts, as `eval` reads them.
#[test]
fn records_against_gold_are_read_on_its_texts() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs.jsonl");
    common::convert("brat", "jsonl", &sample_dir(), &docs, &[]);
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&docs)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let span = &first["spans"][0]["fragments"][0];
    let quote = serde_json::json!({"content": [{"start": span[0], "end": span[1]}]});
    let pred = dir.path().join("pred.jsonl");
    let line = serde_json::json!({"id": first["id"], "quotes": [quote]});
    // (A record that carries its text, of a document gold has not, is
    // read on its own text, as without gold.)
    let own = serde_json::json!({"id": "z", "text": "Zoe said hi.", "quotes": [
        {"content": [{"start": 9, "end": 11}]}
    ]});
    std::fs::write(&pred, format!("{line}\n{own}\n")).unwrap();
    let view = dir.path().join("view");
    refused(&render(&pred, None, &view), "--texts, or gold with --gold");
    let out = quotekit(&[
        "render",
        "--input",
        pred.to_str().unwrap(),
        "--gold",
        "datasets/sample",
        "--output",
        view.to_str().unwrap(),
    ]);
    // (The other gold documents have no prediction: a page each, noted.)
    assert!(out.status.success(), "{}", stderr(&out));
    let page = parse(&view.join("doc/1.html"));
    assert!(check_page(&page, &sample().remove(0)) > 0);
    assert_eq!(shown_text(&parse(&view.join("doc/2.html"))), "Zoe said hi.");
}
