//! Views a session keeps: a `CREATE VIEW v AS SELECT ...` run on its own (the REPL runs one
//! statement at a time) names its frame for every later statement of the session.

use crate::{R, SqlSession};
use rask_plan::expr::Expr;

impl SqlSession {
    /// Parses and lowers `;`-separated statements as [`SqlSession::query`] does (the outputs of
    /// their SELECTs), and keeps the views they create for later calls; a view created again
    /// replaces the earlier one. A statement that fails keeps nothing of its call.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let ctx = rask_plan::Context::new();
    /// let events = ctx.source("events", &[], "Events", Arc::new(rask_adl::nano_schema()))?;
    /// let mut session = rask_sql::SqlSession::new(&ctx);
    /// session.register("events", events);
    /// assert!(session.run("CREATE VIEW busy AS SELECT * FROM events WHERE nJet >= 4")?.is_empty());
    /// let outs = session.run("SELECT count(*) AS n FROM busy")?;
    /// assert_eq!((outs[0].0.as_str(), session.views()), ("n", vec!["busy".to_string()]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(&mut self, sql: &str) -> R<Vec<(String, Expr)>> {
        let mut views = self.views.clone();
        let out = self.query_in(sql, &mut views)?;
        self.views = views;
        Ok(out)
    }

    /// The names of the views kept by [`SqlSession::run`], in order.
    pub fn views(&self) -> Vec<String> {
        self.views.keys().cloned().collect()
    }
}
