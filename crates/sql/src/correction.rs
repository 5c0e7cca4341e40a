//! `correction('file.json', 'name', inputs...)` in SQL: string literals are the correction's
//! string inputs (e.g. a systematic's name), everything else is an expression.

use sqlparser::ast::{self, Value};
use sqlparser::tokenizer::Span;

use super::{Arg, R, Scope, SqlError, plan_error, string};
use rask_plan::correction::CorrectionInput;
use rask_plan::expr::Expr;

impl Scope<'_> {
    /// Lowers `correction(file, name, inputs...)` with the builder's [`rask_plan::Context::correction`].
    pub(super) fn correction(&self, args: &[Arg<'_>], span: Span) -> R<Expr> {
        if args.len() < 3 {
            return Err(SqlError::at(
                span,
                "correction('file.json', 'name', inputs...) needs a file, a correction name and its inputs",
            ));
        }
        let path = string(args[0].expr()?)?;
        let name = string(args[1].expr()?)?;
        // Lower the expression inputs first; strings stay literals.
        enum Item {
            Expr(Expr),
            Str(String),
        }
        let mut items = Vec::with_capacity(args.len() - 2);
        for a in &args[2..] {
            let e = a.expr()?;
            items.push(match e {
                ast::Expr::Value(v) if matches!(v.value, Value::SingleQuotedString(_)) => {
                    Item::Str(string(e)?)
                }
                other => Item::Expr(self.expr(other)?),
            });
        }
        let inputs: Vec<CorrectionInput<'_>> = items
            .iter()
            .map(|i| match i {
                Item::Expr(e) => CorrectionInput::Expr(e),
                Item::Str(s) => CorrectionInput::Str(s),
            })
            .collect();
        self.ctx
            .correction(&path, &name, &inputs)
            .map_err(|e| plan_error(span, e))
    }
}
