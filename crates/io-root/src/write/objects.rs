//! The histogram classes ROOT reads, serialized member by member as ROOT 6.40 writes them:
//! `TH1D`/`TH1I` (v3) and `TH2D`/`TH2I` (v4) over `TH1` (v8), `TH2` (v5), `TNamed`, the
//! `TAtt*` attributes, `TAxis` (v10) with its labels (`THashList` of `TObjString`), `TArrayD`
//! and `TArrayI`. The layout follows the streamer records in [`super::streamers`] (ROOT's own)
//! and uproot's writer (`uproot/models/TH.py`); the defaults (line colour 602, fill style
//! 1001, axis fonts 42, ...) are those of ROOT's `TH1` constructor.

use super::buf::Buf;

/// `TObject` bit ROOT keeps on written histograms (`kMustCleanup`).
const MUST_CLEANUP: u32 = 1 << 3;
/// `TAxis::fBits2` flag of an axis with bin labels (`kAlphanumeric`).
const ALPHANUMERIC: u16 = 1;
/// `fMaximum`/`fMinimum` when unset.
const UNSET: f64 = -1111.0;

/// One axis as ROOT stores it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RootAxis {
    /// `xaxis`, `yaxis` or `zaxis`.
    pub(crate) name: &'static str,
    /// The axis title (the label drawn).
    pub(crate) title: String,
    pub(crate) nbins: i32,
    pub(crate) xmin: f64,
    pub(crate) xmax: f64,
    /// Bin edges of a variable axis; empty for equal bins.
    pub(crate) edges: Vec<f64>,
    /// Bin labels of a category axis, one per bin; empty for numbers.
    pub(crate) labels: Vec<String>,
}

impl RootAxis {
    /// The axis of a dimension a histogram does not have (one bin over [0, 1]).
    pub(crate) fn unused(name: &'static str) -> RootAxis {
        RootAxis {
            name,
            title: String::new(),
            nbins: 1,
            xmin: 0.0,
            xmax: 1.0,
            edges: Vec::new(),
            labels: Vec::new(),
        }
    }
}

/// Bin contents in ROOT's order (x fastest, flow bins included).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Contents {
    /// `TH1D`/`TH2D`.
    F64(Vec<f64>),
    /// `TH1I`/`TH2I`.
    I32(Vec<i32>),
}

/// The summary sums ROOT keeps beside the bins (over the bins in range).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Stats {
    pub(crate) entries: f64,
    pub(crate) tsumw: f64,
    pub(crate) tsumw2: f64,
    pub(crate) tsumwx: f64,
    pub(crate) tsumwx2: f64,
    pub(crate) tsumwy: f64,
    pub(crate) tsumwy2: f64,
    pub(crate) tsumwxy: f64,
}

/// A 1-D or 2-D histogram ready to serialize.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RootHist {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) x: RootAxis,
    /// `Some` for a 2-D histogram.
    pub(crate) y: Option<RootAxis>,
    pub(crate) contents: Contents,
    /// Sums of squared weights per bin (ROOT's `Sumw2`); empty when not kept.
    pub(crate) sumw2: Vec<f64>,
    pub(crate) stats: Stats,
}

impl RootHist {
    /// The ROOT class: `TH1D`, `TH1I`, `TH2D` or `TH2I`.
    pub(crate) fn class_name(&self) -> &'static str {
        match (&self.y, &self.contents) {
            (None, Contents::F64(_)) => "TH1D",
            (None, Contents::I32(_)) => "TH1I",
            (Some(_), Contents::F64(_)) => "TH2D",
            (Some(_), Contents::I32(_)) => "TH2I",
        }
    }

    /// The object's bytes, as the payload of its key.
    pub(crate) fn serialize(&self) -> Vec<u8> {
        let mut b = Buf::new();
        let version = if self.y.is_some() { 4 } else { 3 };
        b.versioned(version, |b| {
            match &self.y {
                None => self.th1(b),
                Some(_) => b.versioned(5, |b| {
                    self.th1(b);
                    let s = &self.stats;
                    b.f64(1.0); // fScalefactor
                    b.f64(s.tsumwy);
                    b.f64(s.tsumwy2);
                    b.f64(s.tsumwxy);
                }),
            }
            // The TArrayD/TArrayI base: no header of its own.
            match &self.contents {
                Contents::F64(v) => array_f64(b, v),
                Contents::I32(v) => {
                    b.i32(len_i32(v.len()));
                    v.iter().for_each(|&x| b.i32(x));
                }
            }
        });
        b.bytes
    }

    fn ncells(&self) -> usize {
        match &self.contents {
            Contents::F64(v) => v.len(),
            Contents::I32(v) => v.len(),
        }
    }

    /// The `TH1` base record (version 8).
    fn th1(&self, b: &mut Buf) {
        b.versioned(8, |b| {
            b.versioned(1, |b| {
                tobject(b, 0, MUST_CLEANUP);
                b.string(&self.name);
                b.string(&self.title);
            });
            b.versioned(2, |b| {
                b.i16(602); // fLineColor
                b.i16(1); // fLineStyle
                b.i16(1); // fLineWidth
            });
            b.versioned(2, |b| {
                b.i16(0); // fFillColor
                b.i16(1001); // fFillStyle
            });
            b.versioned(3, |b| {
                b.i16(1); // fMarkerColor
                b.i16(1); // fMarkerStyle
                b.f32(1.0); // fMarkerSize
            });
            b.i32(len_i32(self.ncells()));
            axis(b, &self.x);
            let unused_y = RootAxis::unused("yaxis");
            axis(b, self.y.as_ref().unwrap_or(&unused_y));
            axis(b, &RootAxis::unused("zaxis"));
            b.i16(0); // fBarOffset
            b.i16(1000); // fBarWidth
            let s = &self.stats;
            for v in [s.entries, s.tsumw, s.tsumw2, s.tsumwx, s.tsumwx2] {
                b.f64(v);
            }
            b.f64(UNSET); // fMaximum
            b.f64(UNSET); // fMinimum
            b.f64(0.0); // fNormFactor
            array_f64(b, &[]); // fContour
            array_f64(b, &self.sumw2);
            b.string(""); // fOption
            // fFunctions: an empty TList, written in place ("->" pointer).
            b.versioned(5, |b| {
                tobject(b, 0, 1 << 16);
                b.string("");
                b.i32(0);
            });
            b.i32(0); // fBufferSize
            b.u8(0); // fBuffer: the "array follows" byte of an empty double*
            b.i32(0); // fBinStatErrOpt: kNormal
            b.i32(2); // fStatOverflows: kNeutral
        });
    }
}

/// A `TObject` record (version 1).
fn tobject(b: &mut Buf, unique_id: u32, bits: u32) {
    b.i16(1);
    b.u32(unique_id);
    b.u32(bits);
}

/// A `TArrayD` member: its length, then the values.
fn array_f64(b: &mut Buf, v: &[f64]) {
    b.i32(len_i32(v.len()));
    v.iter().for_each(|&x| b.f64(x));
}

/// A length as ROOT's `Int_t`; histograms are checked to have fewer than 2^31 bins first.
fn len_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A `TAxis` record (version 10).
fn axis(b: &mut Buf, a: &RootAxis) {
    b.versioned(10, |b| {
        b.versioned(1, |b| {
            tobject(b, 0, 0);
            b.string(a.name);
            b.string(&a.title);
        });
        // TAttAxis (version 4) with ROOT's defaults.
        b.versioned(4, |b| {
            b.i32(510); // fNdivisions
            b.i16(1); // fAxisColor
            b.i16(1); // fLabelColor
            b.i16(42); // fLabelFont
            b.f32(0.005); // fLabelOffset
            b.f32(0.035); // fLabelSize
            b.f32(0.03); // fTickLength
            // ROOT 6.40's style: 0 (automatic) for y, 1 for x and z.
            b.f32(if a.name == "yaxis" { 0.0 } else { 1.0 }); // fTitleOffset
            b.f32(0.035); // fTitleSize
            b.i16(1); // fTitleColor
            b.i16(42); // fTitleFont
        });
        b.i32(a.nbins);
        b.f64(a.xmin);
        b.f64(a.xmax);
        array_f64(b, &a.edges);
        b.i32(0); // fFirst
        b.i32(0); // fLast
        b.u16(if a.labels.is_empty() { 0 } else { ALPHANUMERIC });
        b.u8(0); // fTimeDisplay
        b.string(""); // fTimeFormat
        if a.labels.is_empty() {
            b.null();
        } else {
            labels(b, &a.labels);
        }
        b.null(); // fModLabs
    });
}

/// `fLabels`: a `THashList` of `TObjString`s whose unique ids are their bin numbers, as
/// `TAxis::SetBinLabel` makes them.
fn labels(b: &mut Buf, labels: &[String]) {
    b.object("THashList", |b| {
        b.versioned(5, |b| {
            tobject(b, 0, 0);
            b.string("");
            b.i32(len_i32(labels.len()));
            for (i, label) in labels.iter().enumerate() {
                b.object("TObjString", |b| {
                    b.versioned(1, |b| {
                        tobject(b, u32::try_from(i + 1).unwrap_or(u32::MAX), 0);
                        b.string(label);
                    });
                });
                b.u8(0); // the entry's option: ""
            }
        });
    });
}
