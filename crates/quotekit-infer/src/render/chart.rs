//! Charts as inline SVG, drawn here (a few dozen lines do not justify a
//! plotting dependency): line charts of training curves and the confusion
//! matrix as a heat map. Each chart comes with its numbers in a table, so
//! that it reads without sight of the picture.

use super::html::escape;
use quotekit_model::eval::Confusion;
use std::fmt::Write;

/// One line of a chart.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    /// Its name in the legend.
    pub name: &'a str,
    /// (x, y) points in x order; points that are not finite are skipped.
    pub points: &'a [(f64, f64)],
    /// Stroke colour (CSS).
    pub colour: &'a str,
    /// Dashed instead of solid (a second cue besides colour).
    pub dashed: bool,
}

/// Round tick values covering `lo..=hi`.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return vec![lo];
    }
    let raw = (hi - lo) / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let mut t = (lo / step).floor() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 {
        if t >= lo - step * 1e-9 {
            out.push(t);
        }
        t += step;
    }
    out
}

fn label(v: f64) -> String {
    if v.abs() >= 1000.0 || v == v.round() {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// A line chart with axes, ticks, a legend, and its data in a table below.
pub fn line_chart(title: &str, x_label: &str, series: &[Series]) -> String {
    let (w, h) = (640.0, 260.0);
    let (left, right, top, bottom) = (64.0, 150.0, 14.0, 40.0);
    let finite = |&&(x, y): &&(f64, f64)| x.is_finite() && y.is_finite();
    let all: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.points.iter().filter(finite).copied())
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "<figure>\n<figcaption>{}</figcaption>", escape(title));
    if all.is_empty() {
        out.push_str("<p class=\"muted\">Nothing recorded.</p>\n</figure>\n");
        return out;
    }
    let (mut x0, mut x1) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in &all {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= y0 {
        y1 = y0 + y0.abs().max(1.0) * 0.1;
    }
    let px = |x: f64| left + (x - x0) / (x1 - x0) * (w - left - right);
    let py = |y: f64| h - bottom - (y - y0) / (y1 - y0) * (h - top - bottom);
    let _ = writeln!(
        out,
        "<svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\">",
        escape(title)
    );
    let _ = writeln!(
        out,
        "<rect x=\"{left}\" y=\"{top}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>",
        w - left - right,
        h - top - bottom
    );
    for t in ticks(y0, y1) {
        let y = py(t);
        let _ = writeln!(
            out,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e3e3e3\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            w - right,
            left - 6.0,
            y + 4.0,
            label(t)
        );
    }
    for t in ticks(x0, x1) {
        let x = px(t);
        let _ = writeln!(
            out,
            "<text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            h - bottom + 16.0,
            label(t)
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        left + (w - left - right) / 2.0,
        h - 6.0,
        escape(x_label)
    );
    for (k, s) in series.iter().enumerate() {
        let pts: Vec<String> = s
            .points
            .iter()
            .filter(finite)
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let dash = if s.dashed {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{dash} points=\"{}\"/>",
            escape(s.colour),
            pts.join(" ")
        );
        if pts.len() <= 60 {
            for p in &pts {
                let (x, y) = p.split_once(',').unwrap_or(("0", "0"));
                let _ = writeln!(
                    out,
                    "<circle cx=\"{x}\" cy=\"{y}\" r=\"2.5\" fill=\"{}\"/>",
                    escape(s.colour)
                );
            }
        }
        let ly = top + 10.0 + 18.0 * k as f64;
        let _ = writeln!(
            out,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{}\" stroke-width=\"2\"{dash}/><text x=\"{}\" y=\"{}\">{}</text>",
            w - right + 10.0,
            w - right + 34.0,
            escape(s.colour),
            w - right + 40.0,
            ly + 4.0,
            escape(s.name)
        );
    }
    out.push_str("</svg>\n<details><summary>numbers</summary><table><thead><tr>");
    let _ = write!(out, "<th>{}</th>", escape(x_label));
    for s in series {
        let _ = write!(out, "<th class=\"n\">{}</th>", escape(s.name));
    }
    out.push_str("</tr></thead><tbody>\n");
    let mut xs: Vec<f64> = all.iter().map(|p| p.0).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    for x in xs {
        let _ = write!(out, "<tr><td>{}</td>", label(x));
        for s in series {
            let y = s.points.iter().find(|p| p.0 == x).map(|p| p.1);
            let _ = write!(
                out,
                "<td class=\"n\">{}</td>",
                y.map(|y| format!("{y:.4}")).unwrap_or_default()
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></details>\n</figure>\n");
    out
}

/// The confusion matrix as a table whose cells are shaded by the share of
/// their gold row (rows gold, columns predicted).
pub fn heat_map(confusion: &Confusion) -> String {
    let mut out = String::from("<table class=\"heat\" aria-label=\"tag confusion: rows gold, columns predicted\"><thead><tr><th>gold \\ predicted</th>");
    for l in &confusion.labels {
        let _ = write!(out, "<th class=\"n\">{}</th>", escape(l));
    }
    out.push_str("</tr></thead><tbody>\n");
    for (label, row) in confusion.labels.iter().zip(&confusion.counts) {
        let total: usize = row.iter().sum();
        let _ = write!(out, "<tr><th>{}</th>", escape(label));
        for &n in row {
            let share = if total == 0 {
                0.0
            } else {
                n as f64 / total as f64
            };
            let ink = if share > 0.5 { "#fff" } else { "#000" };
            let _ = write!(
                out,
                "<td class=\"n\" style=\"background:rgba(0,114,178,{share:.3});color:{ink}\" title=\"{:.1}% of gold {}\">{n}</td>",
                100.0 * share,
                escape(label)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(0.0, 1.0), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        let t = ticks(3.2, 97.0);
        assert!(t.first().unwrap() >= &3.2 && t.last().unwrap() <= &97.0);
        assert!(t.iter().all(|v| v % 20.0 == 0.0 || v % 25.0 == 0.0));
        assert_eq!(ticks(2.0, 2.0), vec![2.0]);
    }

    #[test]
    fn a_chart_draws_each_series_and_lists_its_numbers() {
        let loss = [(1.0, 10.0), (2.0, 5.0), (3.0, f64::NAN)];
        let f1 = [(2.0, 0.5)];
        let svg = line_chart(
            "loss <&>",
            "iteration",
            &[
                Series {
                    name: "loss",
                    points: &loss,
                    colour: "#0072B2",
                    dashed: false,
                },
                Series {
                    name: "dev F1",
                    points: &f1,
                    colour: "#D55E00",
                    dashed: true,
                },
            ],
        );
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("loss &lt;&amp;&gt;"));
        assert!(svg.contains("<td class=\"n\">5.0000</td>"));
        assert!(!svg.contains("NaN"));
        assert!(line_chart("empty", "x", &[]).contains("Nothing recorded"));
    }

    #[test]
    fn heat_map_shades_by_row_share() {
        let c = Confusion {
            labels: vec!["O".into(), "B-<x>".into()],
            counts: vec![vec![3, 1], vec![0, 0]],
        };
        let html = heat_map(&c);
        assert!(html.contains("rgba(0,114,178,0.750);color:#fff"));
        assert!(html.contains("B-&lt;x&gt;"));
    }
}
