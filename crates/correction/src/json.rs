//! A JSON reader that accepts exactly what correctionlib's reader (rapidjson, with
//! `kParseNanAndInfFlag`) accepts and gives the same numbers, producing a `serde_json::Value`.
//!
//! Why not `serde_json::from_str`: rapidjson's default number parsing
//! (`internal::StrtodNormalPrecision`, `reader.h` `ParseNumber`) is not correctly rounded —
//! about one 17-digit number in seven (Python's `repr` of a float) comes out one ulp away from
//! the nearest double — and correctionlib's results are the values rapidjson read. serde_json
//! has its own (different) fast path and cannot hand over the digits without workspace-wide
//! features. rapidjson also accepts `NaN`, `Inf`, `Infinity` (with a sign), which JSON does
//! not; they become the sentinel strings of [`special_number`] in the `Value`.
//!
//! Numbers keep rapidjson's classes: integers without fraction or exponent that fit in i64/u64
//! are integer `Number`s; everything else is an f64 `Number`.

use std::sync::OnceLock;

use serde_json::{Map, Number, Value};

use crate::MAX_JSON_DEPTH;

/// The `Value` string standing for a NaN literal.
pub(crate) const NAN_SENTINEL: &str = "\u{0}NaN";
/// The `Value` string standing for `Infinity`/`Inf`.
pub(crate) const POS_INF_SENTINEL: &str = "\u{0}+Infinity";
/// The `Value` string standing for `-Infinity`/`-Inf`.
pub(crate) const NEG_INF_SENTINEL: &str = "\u{0}-Infinity";

/// The number a sentinel string stands for (`NaN`, `±Infinity` literals of the file).
pub(crate) fn special_number(s: &str) -> Option<f64> {
    match s {
        NAN_SENTINEL => Some(f64::NAN),
        POS_INF_SENTINEL => Some(f64::INFINITY),
        NEG_INF_SENTINEL => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// A syntax error at a byte offset.
#[derive(Debug)]
pub(crate) struct JsonError {
    pub offset: usize,
    pub message: String,
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (line, column)
}

/// Parses one JSON document (a single value, whitespace around it).
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    let mut r = Reader {
        b: bytes,
        pos: 0,
        depth: 0,
    };
    // A UTF-8 byte order mark is skipped.
    if r.b.starts_with(&[0xef, 0xbb, 0xbf]) {
        r.pos = 3;
    }
    r.skip_ws();
    if r.pos >= r.b.len() {
        return Err(r.err("the document is empty"));
    }
    let v = r.value()?;
    r.skip_ws();
    if r.pos < r.b.len() {
        return Err(r.err("the document root must not be followed by other values"));
    }
    Ok(v)
}

struct Reader<'b> {
    b: &'b [u8],
    pos: usize,
    depth: usize,
}

impl Reader<'_> {
    fn err(&self, message: &str) -> JsonError {
        self.err_at(self.pos, message)
    }

    fn err_at(&self, offset: usize, message: &str) -> JsonError {
        JsonError {
            offset,
            message: message.to_string(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn digit(&self) -> Option<u8> {
        self.peek().filter(u8::is_ascii_digit)
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &[u8], v: Value) -> Result<Value, JsonError> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err("invalid value"))
        }
    }

    fn value(&mut self) -> Result<Value, JsonError> {
        match self.peek() {
            Some(b'n') => self.literal(b"null", Value::Null),
            Some(b't') => self.literal(b"true", Value::Bool(true)),
            Some(b'f') => self.literal(b"false", Value::Bool(false)),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            _ => self.number(),
        }
    }

    fn enter(&mut self) -> Result<(), JsonError> {
        self.depth += 1;
        if self.depth > MAX_JSON_DEPTH {
            return Err(self.err(&format!(
                "objects and arrays are nested more than {MAX_JSON_DEPTH} deep"
            )));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Value, JsonError> {
        self.enter()?;
        self.pos += 1; // '{'
        let mut map = Map::new();
        self.skip_ws();
        if self.eat(b'}') {
            self.depth -= 1;
            return Ok(Value::Object(map));
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a name (a string) in the object"));
            }
            let key = self.string()?;
            self.skip_ws();
            if !self.eat(b':') {
                return Err(self.err("expected ':' after the name in the object"));
            }
            self.skip_ws();
            let v = self.value()?;
            // rapidjson's FindMember finds the first of duplicate names.
            map.entry(key).or_insert(v);
            self.skip_ws();
            if self.eat(b',') {
                self.skip_ws();
            } else if self.eat(b'}') {
                self.depth -= 1;
                return Ok(Value::Object(map));
            } else {
                return Err(self.err("expected ',' or '}' after an object member"));
            }
        }
    }

    fn array(&mut self) -> Result<Value, JsonError> {
        self.enter()?;
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.eat(b']') {
            self.depth -= 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_ws();
            if self.eat(b',') {
                self.skip_ws();
            } else if self.eat(b']') {
                self.depth -= 1;
                return Ok(Value::Array(items));
            } else {
                return Err(self.err("expected ',' or ']' after an array element"));
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = self
                .peek()
                .and_then(|c| (c as char).to_digit(16))
                .ok_or_else(|| self.err("invalid \\u escape in a string"))?;
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        let start = self.pos;
        self.pos += 1; // '"'
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err_at(start, "the string has no closing quotation mark"));
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    self.pos += 1;
                    let e = self.peek().ok_or_else(|| self.err("invalid escape"))?;
                    self.pos += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xd800..0xdc00).contains(&cp) {
                                if !(self.eat(b'\\') && self.eat(b'u')) {
                                    return Err(
                                        self.err("a high surrogate without its low surrogate")
                                    );
                                }
                                let low = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&low) {
                                    return Err(self.err("an invalid low surrogate"));
                                }
                                cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                            } else if (0xdc00..0xe000).contains(&cp) {
                                return Err(self.err("a low surrogate without its high surrogate"));
                            }
                            let ch = char::from_u32(cp)
                                .ok_or_else(|| self.err("invalid \\u escape in a string"))?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err(self.err_at(self.pos - 1, "invalid escape in a string")),
                    }
                }
                0..=0x1f => return Err(self.err("a control character in a string")),
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| self.err_at(start, "the string is not valid UTF-8"))
    }

    /// rapidjson's `ParseNumber` (without `kParseFullPrecisionFlag`), step by step.
    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        let minus = self.eat(b'-');
        let mut i: u32 = 0;
        let mut i64v: u64 = 0;
        let mut use64 = false;
        let mut significand_digits: i32 = 0;
        let mut d = 0.0f64;
        let mut nan_inf = false;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(c @ b'1'..=b'9') => {
                i = u32::from(c - b'0');
                self.pos += 1;
                let (limit, last) = if minus {
                    (214_748_364, b'8')
                } else {
                    (429_496_729, b'5')
                };
                while let Some(c) = self.digit() {
                    if i >= limit && (i != limit || c > last) {
                        i64v = u64::from(i);
                        use64 = true;
                        break;
                    }
                    i = i * 10 + u32::from(c - b'0');
                    self.pos += 1;
                    significand_digits += 1;
                }
            }
            Some(b'N') if self.b[self.pos..].starts_with(b"NaN") => {
                self.pos += 3;
                d = f64::NAN;
                nan_inf = true;
            }
            Some(b'I') => {
                if !self.b[self.pos..].starts_with(b"Inf") {
                    return Err(self.err("invalid value"));
                }
                self.pos += 3;
                if self.peek() == Some(b'i') {
                    if !self.b[self.pos..].starts_with(b"inity") {
                        return Err(self.err("invalid value"));
                    }
                    self.pos += 5;
                }
                d = if minus {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                };
                nan_inf = true;
            }
            _ => return Err(self.err("invalid value")),
        }

        let mut use_double = false;
        if use64 {
            let (limit, last) = if minus {
                (0x0CCC_CCCC_CCCC_CCCC_u64, b'8')
            } else {
                (0x1999_9999_9999_9999_u64, b'5')
            };
            while let Some(c) = self.digit() {
                if i64v >= limit && (i64v != limit || c > last) {
                    d = i64v as f64;
                    use_double = true;
                    break;
                }
                i64v = i64v * 10 + u64::from(c - b'0');
                self.pos += 1;
                significand_digits += 1;
            }
        }
        if use_double {
            while let Some(c) = self.digit() {
                d = d * 10.0 + f64::from(c - b'0');
                self.pos += 1;
            }
        }

        // Fraction.
        let mut exp_frac: i64 = 0;
        if !nan_inf && self.eat(b'.') {
            if self.digit().is_none() {
                return Err(self.err("a number's fraction has no digits"));
            }
            if !use_double {
                if !use64 {
                    i64v = u64::from(i);
                }
                while let Some(c) = self.digit() {
                    if i64v > 0x1F_FFFF_FFFF_FFFF {
                        break;
                    }
                    i64v = i64v * 10 + u64::from(c - b'0');
                    self.pos += 1;
                    exp_frac -= 1;
                    if i64v != 0 {
                        significand_digits += 1;
                    }
                }
                d = i64v as f64;
                use_double = true;
            }
            while let Some(c) = self.digit() {
                self.pos += 1;
                if significand_digits < 17 {
                    d = d * 10.0 + f64::from(c - b'0');
                    exp_frac -= 1;
                    if d > 0.0 {
                        significand_digits += 1;
                    }
                }
            }
        }

        // Exponent.
        let mut exp: i64 = 0;
        if !nan_inf && (self.eat(b'e') || self.eat(b'E')) {
            if !use_double {
                d = if use64 { i64v as f64 } else { f64::from(i) };
                use_double = true;
            }
            let mut exp_minus = false;
            if self.eat(b'+') {
            } else if self.eat(b'-') {
                exp_minus = true;
            }
            let Some(c) = self.digit() else {
                return Err(self.err("a number's exponent has no digits"));
            };
            exp = i64::from(c - b'0');
            self.pos += 1;
            if exp_minus {
                let max_exp = (exp_frac + 2_147_483_639) / 10;
                while let Some(c) = self.digit() {
                    exp = exp * 10 + i64::from(c - b'0');
                    self.pos += 1;
                    if exp > max_exp {
                        while self.digit().is_some() {
                            self.pos += 1;
                        }
                    }
                }
            } else {
                let max_exp = 308 - exp_frac;
                while let Some(c) = self.digit() {
                    exp = exp * 10 + i64::from(c - b'0');
                    self.pos += 1;
                    if exp > max_exp {
                        return Err(self.err_at(start, "the number is too big for a double"));
                    }
                }
            }
            if exp_minus {
                exp = -exp;
            }
        }

        if use_double {
            let d = strtod_normal_precision(d, exp + exp_frac);
            if d > f64::MAX {
                return Err(self.err_at(start, "the number is too big for a double"));
            }
            return Ok(double(if minus { -d } else { d }));
        }
        if nan_inf {
            return Ok(double(d));
        }
        Ok(Value::Number(match (use64, minus) {
            (true, true) => Number::from((i64v as i64).wrapping_neg()),
            (true, false) => Number::from(i64v),
            (false, true) => Number::from(-i64::from(i)),
            (false, false) => Number::from(u64::from(i)),
        }))
    }
}

/// A double as a `Value`: a number, or the sentinel string of NaN and the infinities.
fn double(d: f64) -> Value {
    match Number::from_f64(d) {
        Some(n) => Value::Number(n),
        None if d.is_nan() => Value::String(NAN_SENTINEL.to_string()),
        None if d > 0.0 => Value::String(POS_INF_SENTINEL.to_string()),
        None => Value::String(NEG_INF_SENTINEL.to_string()),
    }
}

/// 10^n for n in 0..=308, each the double nearest to it (as the literals `1e+n` of rapidjson's
/// `internal::Pow10` table are).
fn pow10(n: i64) -> f64 {
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0..=308)
            .map(|k| format!("1e{k}").parse::<f64>().unwrap_or(f64::INFINITY))
            .collect()
    });
    usize::try_from(n)
        .ok()
        .and_then(|k| table.get(k).copied())
        .unwrap_or(f64::INFINITY)
}

/// rapidjson `internal::FastPath`.
fn fast_path(significand: f64, exp: i64) -> f64 {
    if exp < -308 {
        0.0
    } else if exp >= 0 {
        significand * pow10(exp)
    } else {
        significand / pow10(-exp)
    }
}

/// rapidjson `internal::StrtodNormalPrecision`.
fn strtod_normal_precision(d: f64, p: i64) -> f64 {
    if p < -308 {
        fast_path(fast_path(d, -308), p + 308)
    } else {
        fast_path(d, p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> f64 {
        match parse(s.as_bytes()).ok() {
            Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
            Some(Value::String(s)) => special_number(&s).unwrap_or(-1.0),
            _ => -1.0,
        }
    }

    #[test]
    fn rapidjson_rounding_is_reproduced() {
        // Values where rapidjson (normal precision) differs from correct rounding, as
        // correctionlib 2.9 reads them.
        assert_eq!(num("0.15696529448667917"), 0.15696529448667915);
        assert_eq!(num("9.622011251808181e-06"), 9.62201125180818e-06);
        assert_eq!(num("6.592148136198244e-21"), 6.5921481361982436e-21);
        assert_eq!(num("0.1"), 0.1);
        assert_eq!(num("-2.5e3"), -2500.0);
        assert!(num("NaN").is_nan());
        assert_eq!(num("-Infinity"), f64::NEG_INFINITY);
        assert_eq!(num("Inf"), f64::INFINITY);
    }

    #[test]
    fn integer_classes() {
        let v = parse(b"[1, -5, 18446744073709551615, 18446744073709551616, 1.0]").ok();
        let ok = matches!(&v, Some(Value::Array(a)) if a[0].is_u64() && a[1].is_i64()
            && a[2].is_u64() && a[3].is_f64() && a[4].is_f64());
        assert!(ok, "{v:?}");
    }

    #[test]
    fn syntax_errors() {
        for bad in [
            "",
            "[1,]",
            "{\"a\" 1}",
            "01x",
            "1.",
            "1e",
            "[1] 2",
            "\"a",
            "nul",
            "-",
            "+1",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad:?} should not parse");
        }
        assert_eq!(line_column(b"{\n  x", 4), (2, 3));
    }
}
