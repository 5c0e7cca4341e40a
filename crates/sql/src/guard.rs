//! A bound on how deeply a statement nests, checked on its tokens before it is parsed.
//!
//! sqlparser parses a chain `a + b + c + ...` in a loop but builds it as a left-deep tree, and
//! everything that walks that tree afterwards recurses once per level: its spans, its `Drop`,
//! its printing and our lowering. A chain of 10,000 terms overflows the stack. So before
//! parsing, [`check`] bounds the depth of the tree the tokens can make: within a pair of
//! parentheses (or brackets), between commas, every operator or keyword may add a level, and
//! the levels of nested parentheses add up. A statement whose bound exceeds [`MAX_NESTING`] is
//! an error pointing at the token where the bound passed it. The parser's own recursion limit
//! ([`MAX_PARSER_RECURSION`]) bounds nested parentheses, calls and subqueries.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan};

use super::{R, SqlError};

/// The most levels of operations a statement may nest (a chain of this many `+` or `AND`
/// terms, or fewer with parentheses around parts of it).
pub const MAX_NESTING: usize = 1000;

/// The parser's limit on nested parentheses, function calls and subqueries.
pub const MAX_PARSER_RECURSION: usize = 50;

/// One pair of parentheses (or the statement itself) being read.
#[derive(Default)]
struct Level {
    /// Operators and keywords since the last comma.
    ops: usize,
    /// The deepest parentheses closed since the last comma.
    inner: usize,
}

impl Level {
    fn depth(&self) -> usize {
        self.ops + self.inner
    }
}

/// Checks that `tokens` cannot build a tree deeper than [`MAX_NESTING`] (see the module docs).
pub fn check(tokens: &[TokenWithSpan]) -> R<()> {
    let mut levels: Vec<Level> = vec![Level::default()];
    // The bound for the innermost level: the levels enclosing it plus its own.
    let mut outer = 0usize;
    for t in tokens {
        match &t.token {
            Token::LParen | Token::LBracket | Token::LBrace => {
                let here = levels.last().map_or(0, Level::depth);
                outer += here + 1;
                levels.push(Level::default());
                continue;
            }
            Token::RParen | Token::RBracket | Token::RBrace => {
                if levels.len() > 1 {
                    let closed = levels.pop().map_or(0, |l| l.depth()) + 1;
                    let here = levels.last().map_or(0, Level::depth);
                    outer = outer.saturating_sub(here + 1);
                    if let Some(l) = levels.last_mut() {
                        l.inner = l.inner.max(closed);
                    }
                }
            }
            Token::Comma | Token::SemiColon => {
                if let Some(l) = levels.last_mut() {
                    *l = Level::default();
                }
                if matches!(t.token, Token::SemiColon) {
                    levels.truncate(1);
                    outer = 0;
                }
            }
            Token::Word(w) if w.quote_style.is_some() || w.keyword == Keyword::NoKeyword => {}
            Token::Whitespace(_)
            | Token::EOF
            | Token::Period
            | Token::Number(..)
            | Token::SingleQuotedString(_)
            | Token::DoubleQuotedString(_)
            | Token::Placeholder(_) => {}
            _ => {
                if let Some(l) = levels.last_mut() {
                    l.ops += 1;
                }
            }
        }
        let depth = outer + levels.last().map_or(0, Level::depth);
        if depth > MAX_NESTING {
            return Err(SqlError::at(
                t.span,
                format!(
                    "the statement nests more than {MAX_NESTING} operations deep here (a chain \
                     like `a + b + ...` or `x AND y AND ...` of more than {MAX_NESTING} terms); \
                     split it into steps with WITH"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::DuckDbDialect;
    use sqlparser::tokenizer::Tokenizer;

    fn bound_ok(sql: &str) -> bool {
        let tokens = Tokenizer::new(&DuckDbDialect {}, sql)
            .tokenize_with_location()
            .unwrap_or_default();
        super::check(&tokens).is_ok()
    }

    #[test]
    fn long_chains_are_refused_short_ones_pass() {
        let chain = |n: usize, op: &str| format!("SELECT a{} FROM t", format!(" {op} a").repeat(n));
        assert!(bound_ok(&chain(900, "+")));
        assert!(!bound_ok(&chain(1001, "+")));
        assert!(!bound_ok(&chain(1001, "AND")));
        // Commas separate independent expressions.
        let items = vec!["a + a".to_string(); 5000].join(", ");
        assert!(bound_ok(&format!("SELECT {items} FROM t")));
        // Nested parentheses add up.
        let nested = format!("SELECT {}a{} FROM t", "(a + ".repeat(600), ")".repeat(600));
        assert!(!bound_ok(&nested));
    }
}
