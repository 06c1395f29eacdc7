//! The pieces every page shares: escaping, the page skeleton with its inline
//! style sheet and script, and number formatting. Pages are self-contained:
//! no network, no framework; the script only adds highlighting and sorting,
//! and every page reads the same without it.

use std::fmt::Write;

/// Escapes text for an HTML element's content or a double-quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_into(&mut out, text);
    out
}

/// Appends `text`, escaped, to `out`.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\r' => out.push(c),
            // The other line ends (U+2028, a form feed, ...) end paragraphs
            // as `\n` does, and are drawn as one.
            c if quotekit_data::document::is_line_end(c) => out.push('\n'),
            // Controls other than tab and newlines are not allowed in HTML text.
            c if c.is_control() && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// A score as the pages show it: three decimals, or `–` when undefined.
pub fn score(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "–".into()
    }
}

/// The style sheet of every page. Role colours are from the Okabe–Ito
/// palette, which stays distinct under the common colour-vision
/// deficiencies; each role also has a shape (Source bold with a solid
/// underline, Cue a double underline, Content a tinted background) so that
/// colour is never the only signal.
pub const STYLE: &str = r#"
:root{--src:#0072B2;--cue:#D55E00;--con:#009E73;--src-bg:#d6e9f5;--cue-bg:#f9e0cc;--con-bg:#d5f0e6;--bad:#CC79A7;}
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1b1b;background:#fff}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 1rem}
header{border-bottom:1px solid #ccc;padding-bottom:.5rem}
a{color:#0b57a4}
a:focus,[tabindex]:focus{outline:3px solid #000;outline-offset:2px}
table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
th button{all:inherit;cursor:pointer;text-decoration:underline dotted}
.layout{display:flex;gap:1.5rem;align-items:flex-start}
.text{flex:3;white-space:pre-wrap;overflow-wrap:anywhere;font-family:Georgia,serif;font-size:17px;line-height:1.9}
.side{flex:2;position:sticky;top:0;max-height:100vh;overflow:auto;font-size:14px}
.side ol{padding-left:1.6rem}
.side li{margin:.3rem 0;padding:.2rem;border-left:4px solid transparent}
.legend span{margin-right:1rem;padding:0 .3rem}
.src{color:var(--src);font-weight:700;background:var(--src-bg)}
.cue{text-decoration:underline double var(--cue) 2px;background:var(--cue-bg);font-style:italic}
.con{background:var(--con-bg)}
.g-src{border-bottom:3px solid var(--src)}
.g-cue{border-bottom:3px dashed var(--cue)}
.g-con{border-bottom:3px dotted var(--con)}
.x-spur{outline:2px dashed var(--bad)}
.x-miss{background-image:repeating-linear-gradient(135deg,transparent 0 4px,rgba(204,121,167,.35) 4px 6px)}
.x-bound{box-shadow:inset 0 -1px 0 var(--bad)}
.qn{font:700 11px system-ui,sans-serif;vertical-align:super;color:#fff;background:#333;border-radius:3px;padding:0 3px;margin-right:1px;text-decoration:none}
.hl{outline:3px solid #000;outline-offset:1px}
li.hl{border-left-color:#000;background:#f3f3f3;outline:none}
.bad{color:#8a1c5c}
.muted{color:#666}
.nav a{margin-right:.6rem}
svg text{font:12px system-ui,sans-serif}
pre{background:#f6f6f6;padding:.5rem;overflow:auto}
"#;

/// The script of every page: highlighting of a quote's parts on hover and
/// focus, and sorting of tables by a header button. Plain JavaScript.
pub const SCRIPT: &str = r#"
(function(){
function nums(el){var q=el.getAttribute('data-q');return q?q.split(' '):[];}
function mark(el,on){nums(el).forEach(function(n){document.querySelectorAll('[data-q~="'+n+'"]').forEach(function(x){x.classList.toggle('hl',on);});});}
['mouseover','focusin'].forEach(function(t){document.addEventListener(t,function(e){var el=e.target.closest&&e.target.closest('[data-q]');if(el)mark(el,true);});});
['mouseout','focusout'].forEach(function(t){document.addEventListener(t,function(e){var el=e.target.closest&&e.target.closest('[data-q]');if(el)mark(el,false);});});
document.querySelectorAll('table.sortable th').forEach(function(th){var col=th.cellIndex;
 var b=document.createElement('button');b.textContent=th.textContent;b.type='button';th.textContent='';th.appendChild(b);
 b.addEventListener('click',function(){var tb=th.closest('table').tBodies[0];var rows=Array.prototype.slice.call(tb.rows);
  var asc=th.getAttribute('aria-sort')!=='ascending';th.closest('tr').querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort');});
  th.setAttribute('aria-sort',asc?'ascending':'descending');
  rows.sort(function(a,b){var x=a.cells[col].getAttribute('data-v')||a.cells[col].textContent,y=b.cells[col].getAttribute('data-v')||b.cells[col].textContent;
   var nx=x.trim()===''?NaN:Number(x),ny=y.trim()===''?NaN:Number(y);var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c;});
  rows.forEach(function(r){tb.appendChild(r);});});});
})();
"#;

/// A document's id as shown (not yet escaped): itself, or a word saying it
/// is empty or blank, so that its link has something to click.
pub fn shown_id(id: &str) -> std::borrow::Cow<'_, str> {
    if id.is_empty() {
        "(empty id)".into()
    } else if id.trim().is_empty() {
        format!("(blank id of {} characters)", id.chars().count()).into()
    } else {
        id.into()
    }
}

/// A whole page: `title` (escaped here) and a body that is already markup.
pub fn page(title: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + STYLE.len() + SCRIPT.len() + 256);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    out.push_str(body);
    let _ = write!(out, "\n<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

/// The legend of the role colours and, with gold, of the differences.
pub fn legend(with_gold: bool) -> String {
    let mut out = String::from(
        "<p class=\"legend\" aria-label=\"legend\"><span class=\"src\">Source</span><span class=\"cue\">Cue</span><span class=\"con\">Content</span>",
    );
    if with_gold {
        out.push_str(
            "<span class=\"g-src\">gold Source</span><span class=\"g-cue\">gold Cue</span><span class=\"g-con\">gold Content</span>\
             <span class=\"x-spur\">predicted only</span><span class=\"x-miss\">gold only</span><span class=\"x-bound\">boundary differs</span>",
        );
    }
    out.push_str("</p>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            escape("<script>alert('x & \"y\"')</script>"),
            "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("a\u{0}b\nc"), "a\u{FFFD}b\nc");
        // Every line end is drawn as one; `\r` and tabs stay.
        assert_eq!(
            escape("a\u{2028}b\u{2029}c\u{85}d\u{0C}e\u{0B}f\r\ng\th"),
            "a\nb\nc\nd\ne\nf\r\ng\th"
        );
        assert_eq!(escape("é👍\u{301}"), "é👍\u{301}");
    }

    #[test]
    fn scores_are_three_decimals_or_a_dash() {
        assert_eq!(score(0.12345), "0.123");
        assert_eq!(score(f64::NAN), "–");
    }
}
