//! Tokens of correctionlib's TFormula grammar (`src/formula_ast.cc`):
//!
//! ```text
//! BINARYOP  <- '||' | '&&' | '==' | '!=' | '>' | '<' | '>=' | '<=' | '-' | '+' | '/' | '*' | '^'
//! PARAMETER <- '[' [0-9]+ ']'            (spaces allowed inside the brackets)
//! VARIABLE  <- 'x[' [0-9]+ ']' / [xyzt]   (no spaces)
//! LITERAL   <- '-'? [0-9]+ ('.' [0-9]*)? ('e' '-'? [0-9]+)?
//! %whitespace <- [ \t]*
//! ```
//!
//! A literal's leading `-` is lexed as `Minus`; the parser joins it to the number when they
//! touch, as the grammar's LITERAL does. Function names and `x`, `y`, `z`, `t` are `Name`s.

use super::ast::BinOp;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// An unsigned number literal, already converted (overflow gives ±f64::MAX, as C++
    /// `istringstream >> double` does).
    Num(f64),
    Name(String),
    /// `[i]`.
    Param(usize),
    /// `x[i]`.
    VarIndex(usize),
    LParen,
    RParen,
    Comma,
    Minus,
    /// An infix operator other than `-`.
    Op(BinOp),
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub tok: Tok,
    /// 0-based character positions: first character, one past the last.
    pub start: usize,
    pub end: usize,
}

/// A lexing or parsing error at a 0-based character position.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub pos: usize,
    pub message: String,
}

fn error(pos: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        pos,
        message: message.into(),
    }
}

/// A number's value as C++ `istringstream >> double` (strtod) gives it.
pub(crate) fn literal_value(text: &str) -> f64 {
    match text.parse::<f64>() {
        Ok(v) if v == f64::INFINITY => f64::MAX,
        Ok(v) if v == f64::NEG_INFINITY => -f64::MAX,
        Ok(v) => v,
        Err(_) => f64::NAN,
    }
}

/// Splits `expr` into tokens.
pub(crate) fn lex(expr: &str) -> Result<Vec<Token>, SyntaxError> {
    let c: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let digits = |mut j: usize| {
        while j < c.len() && c[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    while i < c.len() {
        let start = i;
        let ch = c[i];
        let tok = match ch {
            ' ' | '\t' => {
                i += 1;
                continue;
            }
            '0'..='9' => {
                i = digits(i);
                if i < c.len() && c[i] == '.' {
                    i = digits(i + 1);
                }
                // ('e' '-'? [0-9]+)? : taken only when complete.
                if i < c.len() && c[i] == 'e' {
                    let mut j = i + 1;
                    if j < c.len() && c[j] == '-' {
                        j += 1;
                    }
                    let k = digits(j);
                    if k > j {
                        i = k;
                    }
                }
                let text: String = c[start..i].iter().collect();
                Tok::Num(literal_value(&text))
            }
            '[' => {
                let mut j = i + 1;
                while j < c.len() && (c[j] == ' ' || c[j] == '\t') {
                    j += 1;
                }
                let k = digits(j);
                if k == j {
                    return Err(error(j, "expected a parameter index after '['"));
                }
                let text: String = c[j..k].iter().collect();
                let index = text
                    .parse::<usize>()
                    .map_err(|_| error(j, "parameter index too large"))?;
                let mut m = k;
                while m < c.len() && (c[m] == ' ' || c[m] == '\t') {
                    m += 1;
                }
                if m >= c.len() || c[m] != ']' {
                    return Err(error(m, "expected ']' after the parameter index"));
                }
                i = m + 1;
                Tok::Param(index)
            }
            'a'..='z' | 'A'..='Z' => {
                let mut j = i;
                while j < c.len() && c[j].is_ascii_alphanumeric() {
                    j += 1;
                }
                // x[i]: 'x[' [0-9]+ ']' with nothing in between.
                if j == i + 1 && ch == 'x' && j < c.len() && c[j] == '[' {
                    let k = digits(j + 1);
                    if k > j + 1 && k < c.len() && c[k] == ']' {
                        let text: String = c[j + 1..k].iter().collect();
                        let index = text
                            .parse::<usize>()
                            .map_err(|_| error(j + 1, "variable index too large"))?;
                        i = k + 1;
                        out.push(Token {
                            tok: Tok::VarIndex(index),
                            start,
                            end: i,
                        });
                        continue;
                    }
                }
                i = j;
                Tok::Name(c[start..j].iter().collect())
            }
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            ',' => {
                i += 1;
                Tok::Comma
            }
            '-' => {
                i += 1;
                Tok::Minus
            }
            _ => {
                let next = c.get(i + 1).copied();
                let (op, len) = match (ch, next) {
                    ('|', Some('|')) => (BinOp::Or, 2),
                    ('&', Some('&')) => (BinOp::And, 2),
                    ('=', Some('=')) => (BinOp::Eq, 2),
                    ('!', Some('=')) => (BinOp::Ne, 2),
                    ('>', Some('=')) => (BinOp::Ge, 2),
                    ('<', Some('=')) => (BinOp::Le, 2),
                    ('>', _) => (BinOp::Gt, 1),
                    ('<', _) => (BinOp::Lt, 1),
                    ('+', _) => (BinOp::Add, 1),
                    ('/', _) => (BinOp::Div, 1),
                    ('*', _) => (BinOp::Mul, 1),
                    ('^', _) => (BinOp::Pow, 1),
                    _ => return Err(error(i, format!("unexpected character {ch:?}"))),
                };
                i += len;
                Tok::Op(op)
            }
        };
        out.push(Token { tok, start, end: i });
    }
    Ok(out)
}
