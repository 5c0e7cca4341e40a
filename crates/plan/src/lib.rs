//! rask-plan: the lazy expression IR, builder API, rewrite rules and the SQL-ish front end.
//!
//! Not built yet: this crate is the home of the plan issue (expression IR, CSE, projection
//! pushdown, fusion) and the SQL front-end issue. It exists now so that the workspace has the
//! layout of the design card and the layering `core ← plan ← exec ← rask` is fixed from day one.
//! It must never depend on DataFusion.
