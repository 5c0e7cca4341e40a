//! Deterministic input rows: reals at and around edges and specials, ints and strings from
//! the category keys and misses, gathered into rask's arguments; how two outputs compare.

use super::*;

/// splitmix64.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn seeded(text: &str) -> Rng {
        // FNV-1a of the file and correction name: each correction has its own stream.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Rng(h)
    }
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// In [0, 1).
    pub(super) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub(super) const REAL_SPECIALS: [f64; 20] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    1e300,
    -1e300,
    1e-300,
    2.5,
    -2.5,
    100.0,
    1e6,
];

pub(super) fn real_special(rng: &mut Rng) -> f64 {
    match rng.below(24) {
        // NaNs with other sign and payload bits (HashPRNG hashes the bits).
        0 => f64::from_bits(0xfff8_0000_0000_0000),
        1 => f64::from_bits(0x7ff8_0000_0000_0001),
        2 => f64::from_bits(0x7ff4_0000_0000_0000),
        3 => f64::from_bits(rng.next() | 0x7ff8_0000_0000_0000),
        _ => *rng.pick(&REAL_SPECIALS),
    }
}

pub(super) fn gen_real(rng: &mut Rng, hint: Option<&Hint>) -> f64 {
    let edges: &[f64] = hint.map(|h| h.edges.as_slice()).unwrap_or(&[]);
    let finite: &[f64] = hint.map(|h| h.finite.as_slice()).unwrap_or(&[]);
    let (lo, hi) = match finite.len() {
        0 => (-10.0, 500.0),
        1 => (finite[0] - 1.0, finite[0] + 1.0),
        n => (finite[0], finite[n - 1]),
    };
    let span = hi - lo;
    match rng.below(100) {
        0..=4 => real_special(rng),
        5..=17 if !edges.is_empty() => *rng.pick(edges),
        18..=27 if !edges.is_empty() => {
            let e = *rng.pick(edges);
            if rng.below(2) == 0 {
                e.next_down()
            } else {
                e.next_up()
            }
        }
        28..=37 if finite.len() >= 2 => {
            let i = rng.below(finite.len() - 1);
            0.5 * (finite[i] + finite[i + 1])
        }
        // Inside the binning range.
        5..=72 => lo + span * rng.unit(),
        // Over the binning range and a quarter of it either side.
        73..=81 => lo - 0.25 * span + 1.5 * span * rng.unit(),
        // pt-like: positive, 1e-3 .. 1e5.
        82..=91 => 10f64.powf(-3.0 + 8.0 * rng.unit()),
        // Any sign, 1e-8 .. 1e8.
        92..=97 => {
            let v = 10f64.powf(-8.0 + 16.0 * rng.unit());
            if rng.below(2) == 0 { v } else { -v }
        }
        // Small integers and halves.
        _ => (rng.below(21) as f64 - 10.0) * if rng.below(2) == 0 { 1.0 } else { 0.5 },
    }
}

pub(super) fn gen_int(rng: &mut Rng, hint: Option<&Hint>) -> i64 {
    let keys: &[i64] = hint.map(|h| h.int_keys.as_slice()).unwrap_or(&[]);
    let edges: Vec<f64> = hint
        .map(|h| {
            h.edges
                .iter()
                .copied()
                .filter(|e| e.is_finite() && e.abs() < 1e15)
                .collect()
        })
        .unwrap_or_default();
    match rng.below(100) {
        0..=49 if !keys.is_empty() => *rng.pick(keys),
        50..=59 if !keys.is_empty() => {
            rng.pick(keys)
                .wrapping_add(if rng.below(2) == 0 { 1 } else { -1 })
        }
        60..=69 if !edges.is_empty() => {
            let e = *rng.pick(&edges);
            (if rng.below(2) == 0 {
                e.floor()
            } else {
                e.ceil()
            }) as i64
                + rng.below(3) as i64
                - 1
        }
        0..=89 => rng.below(66) as i64 - 5,
        90..=94 => rng.next() as i64,
        _ => *rng.pick(&[
            i64::MIN,
            i64::MAX,
            0,
            -1,
            1,
            i64::from(i32::MAX) + 1,
            i64::from(i32::MIN) - 1,
            i64::from(i32::MAX),
            i64::from(i32::MIN),
        ]),
    }
}

pub(super) const STRING_MISSES: [&str; 9] = [
    "nominal", "up", "down", "bogus", "", "Nominal", " up", "central", "UP",
];

pub(super) enum Column {
    Real(Vec<f64>),
    Int(Vec<i64>),
    /// Index into the table, per row.
    Str(Vec<u32>, Vec<String>),
}

pub(super) fn gen_columns(rng: &mut Rng, spec: &Spec, rows: usize) -> Vec<Column> {
    spec.inputs
        .iter()
        .map(|(name, ty)| {
            let hint = spec.hints.get(name);
            match ty {
                VarType::Real => Column::Real((0..rows).map(|_| gen_real(rng, hint)).collect()),
                VarType::Int => Column::Int((0..rows).map(|_| gen_int(rng, hint)).collect()),
                VarType::String => {
                    let keys: Vec<String> = hint.map(|h| h.str_keys.clone()).unwrap_or_default();
                    let mut table = keys.clone();
                    for m in STRING_MISSES {
                        if !table.iter().any(|k| k == m) {
                            table.push(m.to_string());
                        }
                    }
                    let idx = (0..rows)
                        .map(|_| {
                            if !keys.is_empty() && rng.below(100) < 92 {
                                rng.below(keys.len()) as u32
                            } else {
                                rng.below(table.len()) as u32
                            }
                        })
                        .collect();
                    Column::Str(idx, table)
                }
            }
        })
        .collect()
}

// ------------------------------------------------------------------ arguments for rask

/// Owned columns for a subset of rows, lent out as `Arg`s.
pub(super) enum Gathered<'t> {
    Real(Vec<f64>),
    Int(Vec<i64>),
    Str(Vec<&'t str>),
}

pub(super) fn gather<'t>(cols: &'t [Column], rows: &[usize]) -> Vec<Gathered<'t>> {
    cols.iter()
        .map(|c| match c {
            Column::Real(v) => Gathered::Real(rows.iter().map(|&r| v[r]).collect()),
            Column::Int(v) => Gathered::Int(rows.iter().map(|&r| v[r]).collect()),
            Column::Str(idx, table) => Gathered::Str(
                rows.iter()
                    .map(|&r| table[idx[r] as usize].as_str())
                    .collect(),
            ),
        })
        .collect()
}

pub(super) fn args_of<'a>(g: &'a [Gathered<'a>]) -> Vec<Arg<'a>> {
    g.iter()
        .map(|c| match c {
            Gathered::Real(v) => Arg::Real(v),
            Gathered::Int(v) => Arg::Int(v),
            Gathered::Str(v) => Arg::Str(v),
        })
        .collect()
}

pub(super) fn values_of(cols: &[Column], row: usize) -> Vec<Value<'_>> {
    cols.iter()
        .map(|c| match c {
            Column::Real(v) => Value::Real(v[row]),
            Column::Int(v) => Value::Int(v[row]),
            Column::Str(idx, table) => Value::Str(&table[idx[row] as usize]),
        })
        .collect()
}

pub(super) fn consts_of(cols: &[Column], row: usize) -> Vec<Arg<'_>> {
    cols.iter()
        .map(|c| match c {
            Column::Real(v) => Arg::RealConst(v[row]),
            Column::Int(v) => Arg::IntConst(v[row]),
            Column::Str(idx, table) => Arg::StrConst(&table[idx[row] as usize]),
        })
        .collect()
}

pub(super) fn describe_row(spec: &Spec, cols: &[Column], row: usize) -> String {
    let mut s = String::new();
    for ((name, _), c) in spec.inputs.iter().zip(cols) {
        if !s.is_empty() {
            s.push_str(", ");
        }
        match c {
            Column::Real(v) => write!(s, "{name}={:?} ({:#018x})", v[row], v[row].to_bits()),
            Column::Int(v) => write!(s, "{name}={}", v[row]),
            Column::Str(idx, table) => write!(s, "{name}={:?}", table[idx[row] as usize]),
        }
        .expect("write to string");
    }
    if s.is_empty() {
        s.push_str("(no inputs)");
    }
    s
}

pub(super) fn show(v: f64) -> String {
    format!("{v:?} ({:#018x})", v.to_bits())
}

pub(super) fn same(exact: bool, want: f64, got: f64) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    if exact {
        return want.to_bits() == got.to_bits();
    }
    if want == got {
        return true;
    }
    if want.is_infinite() || got.is_infinite() {
        return false;
    }
    let diff = (want - got).abs();
    diff <= 1e-12 * want.abs().max(got.abs()) || diff <= 1e-14
}
