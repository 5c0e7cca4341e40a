//! Plots, checked on the decoded pixels: the frame, inward ticks on all four sides, bar heights
//! on linear and log scales, the room left for the legend, stacks with a ratio panel, colour
//! maps, and `rask plot` on the command line.

use std::path::{Path, PathBuf};
use std::process::Command;

use rask::core::hist::{Axis, Histogram, StorageKind};
use rask::plot::style::{Label, Style};
use rask::plot::{Figure, PlotFormat, PlotOptions, write_figure};

/// An RGB image.
struct Img {
    w: u32,
    h: u32,
    px: image::RgbImage,
}

impl Img {
    fn open(p: &Path) -> Img {
        let px = image::open(p).unwrap().to_rgb8();
        Img {
            w: px.width(),
            h: px.height(),
            px,
        }
    }
    fn rgb(&self, x: u32, y: u32) -> [u8; 3] {
        self.px.get_pixel(x, y).0
    }
    fn dark(&self, x: u32, y: u32) -> bool {
        let [r, g, b] = self.rgb(x, y);
        u32::from(r) + u32::from(g) + u32::from(b) < 60
    }
    fn white(&self, x: u32, y: u32) -> bool {
        self.rgb(x, y).iter().all(|&c| c > 245)
    }
    /// Columns dark over more than half the image height (the frame's sides).
    fn long_columns(&self) -> Vec<u32> {
        (0..self.w)
            .filter(|&x| (0..self.h).filter(|&y| self.dark(x, y)).count() as u32 > self.h / 3)
            .collect()
    }
    /// Rows dark over more than half the image width (the frame's top and bottom).
    fn long_rows(&self) -> Vec<u32> {
        (0..self.h)
            .filter(|&y| (0..self.w).filter(|&x| self.dark(x, y)).count() as u32 > self.w / 2)
            .collect()
    }
}

/// Groups of adjacent numbers, as their means.
fn groups(v: &[u32]) -> Vec<f64> {
    let mut out: Vec<Vec<u32>> = Vec::new();
    for &x in v {
        match out.last_mut() {
            Some(g) if *g.last().unwrap() + 1 == x => g.push(x),
            _ => out.push(vec![x]),
        }
    }
    out.iter()
        .map(|g| g.iter().sum::<u32>() as f64 / g.len() as f64)
        .collect()
}

/// A weighted 1-D histogram with the given bin contents and no variances (no error bars).
fn bars(values: &[f64], hi: f64, label: &str) -> Histogram {
    let n = values.len();
    let mut h = Histogram::new(
        vec![Axis::regular(n as u32, 0.0, hi, label)],
        StorageKind::Weight,
    );
    let w = hi / n as f64;
    let xs: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) * w).collect();
    h.fill(&[&xs], Some(values)).unwrap();
    if let rask::core::hist::Storage::Weight { sum2, .. } = &mut h.storage {
        sum2.iter_mut().for_each(|v| *v = 0.0);
    }
    h
}

fn draw(h: &Histogram, path: &Path, o: &PlotOptions) -> Img {
    let fig = Figure::single(h, "test").unwrap();
    write_figure(&fig, path, PlotFormat::Png, o).unwrap();
    Img::open(path)
}

/// The frame: (left, top, right, bottom) pixel lines, found in the image.
fn frame(img: &Img) -> (f64, f64, f64, f64) {
    let cols = groups(&img.long_columns());
    let rows = groups(&img.long_rows());
    assert_eq!(
        cols.len(),
        2,
        "two long dark columns (frame sides): {cols:?}"
    );
    assert!(rows.len() >= 2, "frame top and bottom: {rows:?}");
    (cols[0], rows[0], cols[1], *rows.last().unwrap())
}

/// The middle row of the step line's run of ink in column `x`, scanning up from just above the
/// frame's bottom ticks.
fn step_row(img: &Img, x: u32, bottom: f64) -> f64 {
    let start = bottom as u32 - 16;
    let first = (0..start).rev().find(|&y| !img.white(x, y)).unwrap();
    let mut last = first;
    while last > 0 && !img.white(x, last - 1) {
        last -= 1;
    }
    (first + last) as f64 / 2.0
}

#[test]
fn frame_is_closed_with_inward_major_and_minor_ticks_on_all_sides() {
    let dir = tempfile::tempdir().unwrap();
    let img = draw(
        &bars(&[3.0, 7.0, 5.0, 2.0], 8.0, "x [GeV]"),
        &dir.path().join("a.png"),
        &PlotOptions::default(),
    );
    assert_eq!((img.w, img.h), (800, 600));
    let (l, t, r, b) = frame(&img);
    let (l, t, r, b) = (
        l.round() as u32,
        t.round() as u32,
        r.round() as u32,
        b.round() as u32,
    );
    // Right edge: rows where a tick reaches 4 px (all ticks) and 9 px (major ticks) inwards,
    // while nothing sticks out.
    let rows = |dx: u32| {
        groups(
            &(t + 3..b - 2)
                .filter(|&y| img.dark(r - dx, y))
                .collect::<Vec<_>>(),
        )
        .len()
    };
    let (all, major) = (rows(4), rows(9));
    assert!(
        major >= 4 && all > major,
        "right edge: {major} major of {all} ticks"
    );
    assert!(
        (t + 3..b - 2).all(|y| !img.dark(r + 4, y)),
        "ticks point inwards"
    );
    // Top edge: the x ticks (0, 2, 4, 6, 8 and their minor ticks) hang down from the top.
    let cols = |dy: u32| {
        groups(
            &(l + 3..r - 2)
                .filter(|&x| img.dark(x, t + dy))
                .collect::<Vec<_>>(),
        )
        .len()
    };
    let (all, major) = (cols(4), cols(9));
    assert!(
        major >= 3 && all > major,
        "top edge: {major} major of {all} ticks"
    );
    assert!(
        (l + 3..r - 2).all(|x| !img.dark(x, t - 4) || x < l + 200),
        "no ticks above the frame (the label is at the left)"
    );
    // Bottom and left edges carry the same ticks.
    assert_eq!(
        groups(
            &(t + 3..b - 2)
                .filter(|&y| img.dark(l + 9, y))
                .collect::<Vec<_>>()
        )
        .len(),
        major_rows(&img, r, t, b)
    );
    assert!(
        groups(
            &(l + 3..r - 2)
                .filter(|&x| img.dark(x, b - 9))
                .collect::<Vec<_>>()
        )
        .len()
            >= 3
    );
}

fn major_rows(img: &Img, r: u32, t: u32, b: u32) -> usize {
    groups(
        &(t + 3..b - 2)
            .filter(|&y| img.dark(r - 9, y))
            .collect::<Vec<_>>(),
    )
    .len()
}

#[test]
fn bar_heights_are_linear_and_logarithmic_as_computed_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let h = bars(&[1000.0, 100.0, 10.0, 500.0], 8.0, "x [GeV]");
    let quarter = |img: &Img, i: u32| {
        let (l, _, r, _) = frame(img);
        (l + (r - l) * (f64::from(i) + 0.25) / 4.0).round() as u32
    };
    // Linear from 0: the bar of 500 reaches half as high above the frame's bottom as 1000.
    let img = draw(&h, &dir.path().join("lin.png"), &PlotOptions::default());
    let (_, top, _, b) = frame(&img);
    let rows: Vec<f64> = (0..4)
        .map(|i| step_row(&img, quarter(&img, i), b))
        .collect();
    let half = (b - rows[3]) / (b - rows[0]);
    assert!(
        (half - 0.5).abs() < 0.01,
        "500/1000 at {half} of the height: {rows:?}"
    );
    let tenth = (b - rows[1]) / (b - rows[0]);
    assert!((tenth - 0.1).abs() < 0.01, "{tenth}");
    // The maximum sits just below the legend: two lines of 17 px at 1.5 line spacing, 10 px
    // of padding and 12 px of gap (73 px) under the frame's top.
    assert!(
        (rows[0] - (top + 73.0)).abs() <= 1.5,
        "{rows:?} in {top}..{b}"
    );
    // Log: 10, 100 and 1000 are equally spaced, and 500 sits log10(5) of a decade above 100.
    let o = PlotOptions {
        log_y: true,
        ..PlotOptions::default()
    };
    let img = draw(&h, &dir.path().join("log.png"), &o);
    let (_, _, _, b) = frame(&img);
    let rows: Vec<f64> = (0..4)
        .map(|i| step_row(&img, quarter(&img, i), b))
        .collect();
    let decade = rows[2] - rows[1];
    assert!(decade > 40.0, "{rows:?}");
    assert!(((rows[1] - rows[0]) - decade).abs() <= 1.5, "{rows:?}");
    let five = (rows[1] - rows[3]) / decade;
    assert!((five - 5f64.log10()).abs() < 0.02, "{five}");
    // Log from 10^floor(log10(10 / 2)) = 1: the bar of 10 is one decade above the bottom.
    assert!(
        ((b - rows[2]) - decade).abs() <= 1.5,
        "bottom {b}, {rows:?}"
    );
}

#[test]
fn the_legend_stays_clear_of_the_highest_bar() {
    let dir = tempfile::tempdir().unwrap();
    // The highest bin is the last one, under the legend in the top right corner.
    let img = draw(
        &bars(&[1.0, 2.0, 3.0, 40.0], 8.0, "x"),
        &dir.path().join("a.png"),
        &PlotOptions::default(),
    );
    let (l, t, r, b) = frame(&img);
    let (x0, x1) = ((l + 3.0 * (r - l) / 4.0) as u32 + 3, r as u32 - 14);
    let line = step_row(&img, (x0 + x1) / 2, b);
    // Above the bar's line: white rows first, then the legend's text, and the text ends above.
    let ink: Vec<u32> = (t as u32 + 3..line as u32 - 2)
        .filter(|&y| (x0..x1).any(|x| !img.white(x, y)))
        .collect();
    assert!(!ink.is_empty(), "the legend is in the corner");
    let lowest = *ink.iter().max().unwrap();
    assert!(
        f64::from(lowest) < line - 10.0,
        "legend ink down to row {lowest}, bar at {line}"
    );
}

#[test]
fn error_bars_are_the_root_of_the_counts_or_of_the_variances() {
    let dir = tempfile::tempdir().unwrap();
    // Counts: 400 in bin 0 (error 20) and 100 in bin 1 (error 10).
    let mut h = Histogram::new(vec![Axis::regular(2, 0.0, 2.0, "x")], StorageKind::Int);
    let xs: Vec<f64> = (0..500).map(|i| if i < 400 { 0.5 } else { 1.5 }).collect();
    h.fill(&[&xs], None).unwrap();
    let img = draw(&h, &dir.path().join("e.png"), &PlotOptions::default());
    let (l, _, r, b) = frame(&img);
    let centre = ((3.0 * l + r) / 4.0).round() as u32;
    let top_of_bar = step_row(&img, ((3.0 * l + r) / 4.0 - 40.0) as u32, b);
    // The error bar: dark pixels at the centre from 420 down to 380 (in units of the bar).
    let (_, t, _, _) = frame(&img);
    let ink: Vec<u32> = (t as u32 + 14..b as u32 - 16)
        .filter(|&y| !img.white(centre, y) || !img.white(centre + 1, y))
        .collect();
    let (hi, lo) = (f64::from(ink[0]), f64::from(*ink.last().unwrap()));
    let unit = (b - top_of_bar) / 400.0;
    assert!(
        ((top_of_bar - hi) / unit - 20.0).abs() < 1.5,
        "up {}",
        (top_of_bar - hi) / unit
    );
    assert!(
        ((lo - top_of_bar) / unit - 20.0).abs() < 1.5,
        "down {}",
        (lo - top_of_bar) / unit
    );
}

#[test]
fn svg_labels_are_tlatex_with_real_subscripts_and_a_bin_width() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.svg");
    let h = bars(&[3.0; 100], 200.0, "m_{#mu#mu} [GeV]");
    let o = PlotOptions {
        label: Label {
            text: Some("CMS Preliminary".into()),
            lumi: Some("59.8 fb^{-1} (13 TeV)".into()),
        },
        ..PlotOptions::default()
    };
    write_figure(&Figure::single(&h, "q").unwrap(), &p, PlotFormat::Svg, &o).unwrap();
    let svg = std::fs::read_to_string(&p).unwrap();
    // Every <text> element: its attributes and its (trimmed) content.
    let texts: Vec<(&str, &str)> = svg
        .split("<text ")
        .skip(1)
        .map(|t| {
            let (attrs, rest) = t.split_once('>').unwrap();
            (attrs, rest.split("</text>").next().unwrap().trim())
        })
        .collect();
    let attrs_of = |text: &str| -> &str {
        texts
            .iter()
            .find(|t| t.1 == text)
            .unwrap_or_else(|| panic!("no text {text:?} in {texts:?}"))
            .0
    };
    let size_of = |text: &str| -> f64 {
        let tag = attrs_of(text);
        let at = tag.find("font-size=\"").unwrap() + 11;
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    assert!(
        attrs_of("Events / 2 GeV").contains("rotate(270"),
        "the y label, rotated"
    );
    // "m" at the title size, "μμ" as a subscript at 0.7 of it.
    assert!((size_of("μμ") / size_of("m") - 0.7).abs() < 0.01);
    assert!((size_of("-1") / size_of("59.8 fb") - 0.7).abs() < 0.01);
    assert!(attrs_of("CMS").contains("font-weight=\"bold\""));
    assert!(attrs_of("Preliminary").contains("font-style=\"italic\""));
    assert!(
        !svg.contains("#mu") && !svg.contains("_{"),
        "no TLatex left as written"
    );
}

fn write_json(dir: &Path, name: &str, h: &Histogram) -> PathBuf {
    let p = dir.join(format!("{name}.json"));
    rask::core::hist::write_uhi_json(h, &p).unwrap();
    p
}

fn rask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rask"))
}

#[test]
fn rask_plot_stacks_files_with_data_and_a_ratio_panel() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = write_json(
        d,
        "ttbar",
        &bars(&[40.0, 30.0, 20.0, 10.0], 8.0, "p_{T} [GeV]"),
    );
    let b = write_json(
        d,
        "wjets",
        &bars(&[20.0, 15.0, 10.0, 5.0], 8.0, "p_{T} [GeV]"),
    );
    let data = write_json(
        d,
        "data",
        &bars(&[66.0, 40.0, 33.0, 14.0], 8.0, "p_{T} [GeV]"),
    );
    let out = d.join("stack.png");
    let run = rask()
        .arg("plot")
        .args([&a, &b])
        .arg("--stack")
        .arg("--data")
        .arg(&data)
        .args(["--size", "1000x800", "--lumi", "1 fb^{-1}", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let img = Img::open(&out);
    assert_eq!((img.w, img.h), (1000, 800));
    // Three long dark rows: the main panel's top, its bottom (the ratio panel's top), the
    // ratio panel's bottom.
    let rows = groups(&img.long_rows());
    assert_eq!(rows.len(), 3, "{rows:?}");
    let (l, _, r, _) = frame(&img);
    // The stack: CMS blue (ttbar) at the bottom of the first bin, orange (wjets) above it.
    let x = (l + (r - l) * 0.1) as u32;
    let col = |y: f64| img.rgb(x, y as u32);
    assert_eq!(col(rows[1] - 20.0), [0x57, 0x90, 0xfc]);
    let orange = (rows[0] as u32..rows[1] as u32)
        .filter(|&y| img.rgb(x, y) == [0xf8, 0x9c, 0x20])
        .count();
    let blue = (rows[0] as u32..rows[1] as u32)
        .filter(|&y| img.rgb(x, y) == [0x57, 0x90, 0xfc])
        .count();
    // 20 of wjets on 40 of ttbar: half as tall (to a pixel or two of edges).
    assert!(
        (orange as f64 / blue as f64 - 0.5).abs() < 0.03,
        "{orange} / {blue}"
    );
    // The ratio panel: data/MC = 66/60 = 1.1 in bin 0; a grey line at 1 across the panel.
    let grey = (rows[1] as u32 + 2..rows[2] as u32 - 2)
        .filter(|&y| {
            (l as u32 + 20..r as u32 - 20)
                .filter(|&x| img.rgb(x, y) == [90, 90, 90])
                .count()
                > 100
        })
        .count();
    assert!(grey >= 1, "the line at 1");
}

#[test]
fn rask_plot_draws_a_two_d_histogram_as_a_viridis_map() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Histogram::new(
        vec![
            Axis::regular(2, 0.0, 2.0, "#eta"),
            Axis::regular(2, 0.0, 2.0, "#phi"),
        ],
        StorageKind::Double,
    );
    h.fill(
        &[&[0.5, 1.5, 1.5, 1.5, 1.5], &[0.5, 0.5, 1.5, 1.5, 1.5]],
        None,
    )
    .unwrap();
    // Contents: (0,0) 1, (1,0) 1, (1,1) 3, (0,1) 0.
    let p = write_json(dir.path(), "map", &h);
    let out = dir.path().join("map.png");
    let run = rask()
        .arg("plot")
        .arg(&p)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let img = Img::open(&out);
    let cols = groups(&img.long_columns());
    let rows = groups(&img.long_rows());
    let (l, t, r, b) = (cols[0], rows[0], cols[1], *rows.last().unwrap());
    let at = |fx: f64, fy: f64| img.rgb((l + (r - l) * fx) as u32, (b - (b - t) * fy) as u32);
    assert_eq!(
        at(0.75, 0.75),
        [0xfd, 0xe7, 0x25],
        "the largest bin is viridis' yellow"
    );
    assert_eq!(
        at(0.25, 0.75),
        [0x44, 0x01, 0x54],
        "an empty bin is viridis' purple"
    );
    // 1 of 3: viridis at 1/3 lies between its stops at 3/9 (#31688e) exactly.
    assert_eq!(at(0.25, 0.25), [0x31, 0x68, 0x8e]);
    // The colour bar, right of the frame, runs from purple (bottom) to yellow (top).
    let bar_x = (r as u32 + 5..img.w)
        .find(|&x| {
            img.rgb(x, ((t + b) / 2.0) as u32)[2] > 80 && !img.white(x, ((t + b) / 2.0) as u32)
        })
        .unwrap()
        + 4;
    // (Its slices are sampled at their middles: close to the ends' colours, within a few steps.)
    let near = |p: [u8; 3], q: [u8; 3]| p.iter().zip(q).all(|(a, b)| a.abs_diff(b) <= 8);
    assert!(
        near(img.rgb(bar_x, t as u32 + 4), [0xfd, 0xe7, 0x25]),
        "{:?}",
        img.rgb(bar_x, t as u32 + 4)
    );
    assert!(
        near(img.rgb(bar_x, b as u32 - 4), [0x44, 0x01, 0x54]),
        "{:?}",
        img.rgb(bar_x, b as u32 - 4)
    );
}

#[test]
fn rask_plot_refuses_what_it_cannot_draw_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = write_json(d, "ttbar", &bars(&[1.0, 2.0], 2.0, "x"));
    let b = write_json(d, "wjets", &bars(&[1.0, 2.0, 3.0], 2.0, "x"));
    let map = write_json(
        d,
        "map",
        &Histogram::new(
            vec![
                Axis::regular(2, 0.0, 2.0, "x"),
                Axis::regular(2, 0.0, 2.0, "y"),
            ],
            StorageKind::Int,
        ),
    );
    let bad = d.join("bad.json");
    std::fs::write(&bad, "{\"axes\": 3}").unwrap();
    let fails = |args: &[&std::ffi::OsStr]| {
        let out = rask().arg("plot").args(args).output().unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let png = d.join("x.png");
    let e = fails(&[
        a.as_os_str(),
        b.as_os_str(),
        "--stack".as_ref(),
        "--out".as_ref(),
        png.as_os_str(),
    ]);
    assert!(e.contains("'wjets' has other bins than 'ttbar'"), "{e}");
    let e = fails(&[
        map.as_os_str(),
        "--stack".as_ref(),
        "--out".as_ref(),
        png.as_os_str(),
    ]);
    assert!(e.contains("map.json is a 2-D histogram"), "{e}");
    let e = fails(&[bad.as_os_str(), "--out".as_ref(), png.as_os_str()]);
    assert!(e.contains("bad.json") && e.contains("axes"), "{e}");
    let e = fails(&[a.as_os_str(), "--out".as_ref(), d.join("x.pdf").as_os_str()]);
    assert!(e.contains("x.pdf") && e.contains(".png or .svg"), "{e}");
    let e = fails(&[
        a.as_os_str(),
        "--size".as_ref(),
        "10x10".as_ref(),
        "--out".as_ref(),
        png.as_os_str(),
    ]);
    assert!(e.contains("WIDTHxHEIGHT"), "{e}");
    assert!(!png.exists());
}

#[test]
fn atlas_style_puts_the_label_inside_the_frame() {
    let dir = tempfile::tempdir().unwrap();
    let h = bars(&[3.0, 7.0, 5.0, 2.0], 8.0, "x");
    let o = PlotOptions {
        style: Style::Atlas,
        ..PlotOptions::default()
    };
    let img = draw(&h, &dir.path().join("atlas.png"), &o);
    let (l, t, _, _) = frame(&img);
    let above = (0..t as u32 - 3).any(|y| (l as u32..l as u32 + 150).any(|x| img.dark(x, y)));
    let inside = (t as u32 + 14..t as u32 + 50)
        .any(|y| (l as u32 + 15..l as u32 + 150).any(|x| img.dark(x, y)));
    assert!(
        !above && inside,
        "ATLAS label inside, nothing above (above {above}, inside {inside})"
    );
}
