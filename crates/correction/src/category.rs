//! Category: a lookup by integer or string key, with an optional default
//! (`src/correction.cc`, `Category::evaluate`): a key that is not listed and no default is an
//! error; of duplicate keys the first counts (`std::map::try_emplace`).

use std::collections::HashMap;

use crate::columns::{Column, Sel};
use crate::eval::{EvalError, dispatch, eval_node, eval_one};
use crate::node::{Node, SharedFormula};
use crate::types::Value;

/// Integer keys spanning at most this many values (and not too sparse) use a direct table.
const DENSE_SPAN: i64 = 4096;

/// The keys, mapping to child indices.
#[derive(Debug)]
pub(crate) enum Keys {
    /// Keys `min..min + table.len()`, `u32::MAX` where absent.
    Dense {
        min: i64,
        table: Vec<u32>,
    },
    /// Sorted keys.
    Sorted(Vec<(i64, u32)>),
    Str(HashMap<String, u32>),
    /// A category of a real input (only possible without keys): every value is an error, as
    /// correctionlib's "Invalid variable type".
    None,
}

impl Keys {
    /// Integer keys (first of duplicates wins), in the best representation.
    pub(crate) fn ints(keys: &[i64]) -> Keys {
        // A stable sort keeps the first of equal keys first; dedup keeps it.
        let mut sorted: Vec<(i64, u32)> = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as u32))
            .collect();
        sorted.sort_by_key(|&(k, _)| k);
        sorted.dedup_by_key(|p| p.0);
        let (Some(&(min, _)), Some(&(max, _))) = (sorted.first(), sorted.last()) else {
            return Keys::Sorted(sorted);
        };
        let span = max.checked_sub(min).and_then(|s| s.checked_add(1));
        match span {
            Some(span) if span <= DENSE_SPAN && span <= 4 * sorted.len() as i64 + 64 => {
                let mut table = vec![u32::MAX; span as usize];
                for &(k, i) in &sorted {
                    table[(k - min) as usize] = i;
                }
                Keys::Dense { min, table }
            }
            _ => Keys::Sorted(sorted),
        }
    }

    /// String keys (first of duplicates wins).
    pub(crate) fn strs(keys: Vec<String>) -> Keys {
        let mut map = HashMap::with_capacity(keys.len());
        for (i, k) in keys.into_iter().enumerate() {
            map.entry(k).or_insert(i as u32);
        }
        Keys::Str(map)
    }

    #[inline(always)]
    fn int(&self, k: i64) -> Option<u32> {
        match self {
            Keys::Dense { min, table } => {
                let off = k.wrapping_sub(*min);
                if k >= *min {
                    usize::try_from(off)
                        .ok()
                        .and_then(|o| table.get(o))
                        .copied()
                        .filter(|&i| i != u32::MAX)
                } else {
                    None
                }
            }
            Keys::Sorted(v) => v
                .binary_search_by_key(&k, |&(key, _)| key)
                .ok()
                .map(|p| v[p].1),
            _ => None,
        }
    }

    #[inline(always)]
    fn str(&self, s: &str) -> Option<u32> {
        match self {
            Keys::Str(m) => m.get(s).copied(),
            _ => None,
        }
    }
}

/// A categorical lookup.
#[derive(Debug)]
pub(crate) struct Category {
    pub input: usize,
    pub keys: Keys,
    /// The items' contents, then the default's when there is one.
    pub children: Vec<Node>,
    pub default: Option<u32>,
    pub table: Option<Vec<f64>>,
    pub shared: Option<SharedFormula>,
}

impl Category {
    fn miss(&self, value: String) -> EvalError {
        EvalError::CategoryMiss {
            input: self.input,
            value,
        }
    }

    /// The child for one value.
    fn child_of(&self, v: Value<'_>) -> Result<u32, EvalError> {
        let found = match v {
            Value::Int(i) => self.keys.int(i),
            Value::Str(s) => self.keys.str(s),
            Value::Real(x) => {
                return Err(EvalError::Unevaluable {
                    input: self.input,
                    value: x.to_string(),
                    what: "a category takes int or string values",
                });
            }
        };
        match (found, self.default) {
            (Some(i), _) | (None, Some(i)) => Ok(i),
            (None, None) => Err(self.miss(match v {
                Value::Str(s) => format!("{s:?}"),
                Value::Int(i) => i.to_string(),
                Value::Real(x) => x.to_string(),
            })),
        }
    }

    pub(crate) fn eval_one(&self, vals: &[Value<'_>]) -> Result<f64, EvalError> {
        let v = vals
            .get(self.input)
            .copied()
            .unwrap_or(Value::Real(f64::NAN));
        let i = self.child_of(v)?;
        eval_one(&self.children[i as usize], vals)
    }

    pub(crate) fn eval_columns(
        &self,
        cols: &[Column<'_>],
        sel: Sel<'_>,
        out: &mut [f64],
    ) -> Result<(), EvalError> {
        let Some(col) = cols.get(self.input) else {
            return Ok(());
        };
        if sel.len() == 0 {
            return Ok(());
        }
        if col.is_const() {
            let i = self.child_of(col.value_at(0))?;
            return eval_node(&self.children[i as usize], cols, sel, out);
        }
        let mut slots: Vec<u32> = Vec::with_capacity(sel.len());
        match col {
            Column::Int(_) | Column::IntConst(_) => {
                let mut buf = Vec::new();
                for &k in col.ints(sel, &mut buf) {
                    match self.keys.int(k).or(self.default) {
                        Some(i) => slots.push(i),
                        None => return Err(self.miss(k.to_string())),
                    }
                }
            }
            Column::Str(_) | Column::StrConst(_) => {
                let mut buf = Vec::new();
                for &s in col.strs(sel, &mut buf) {
                    match self.keys.str(s).or(self.default) {
                        Some(i) => slots.push(i),
                        None => return Err(self.miss(format!("{s:?}"))),
                    }
                }
            }
            Column::Real(_) | Column::RealConst(_) => {
                return Err(EvalError::Unevaluable {
                    input: self.input,
                    value: col.value_at(sel.row(0)).as_real().to_string(),
                    what: "a category takes int or string values",
                });
            }
        }
        match &self.table {
            Some(table) => {
                for (o, &i) in out.iter_mut().zip(&slots) {
                    *o = table[i as usize];
                }
                Ok(())
            }
            None => dispatch(&self.children, self.shared.as_ref(), &slots, cols, sel, out),
        }
    }
}
