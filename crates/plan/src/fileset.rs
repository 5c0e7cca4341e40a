//! Sources of many datasets: per-file columns (a fileset's `dataset` and metadata) and the
//! categories of the coded ones; and a node's operation and inputs, for who walks a plan.

use std::sync::Arc;

use arrow_schema::SchemaRef;
use rask_core::file_columns::FileColumns;

use crate::error::PlanError;
use crate::expr::{Context, Expr};
use crate::op::{Op, SourceSpec};

impl Context {
    /// Events from `paths` with columns constant within each file (`file_columns`: a
    /// fileset's `dataset` and metadata, one row per file) after the branches of `schema`
    /// (which holds both, as `EventSource::open_fileset` reports it).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_schema::{DataType, Field, Schema};
    /// use rask_core::file_columns::{FileColumns, FileValue};
    /// let fc = FileColumns::from_rows(&["xsec"], &[vec![FileValue::F64(2.5)]], &[None])?;
    /// let schema = Arc::new(Schema::new(vec![
    ///     Field::new("MET_pt", DataType::Float32, false),
    ///     Field::new("xsec", DataType::Float64, false),
    /// ]));
    /// let ctx = rask_plan::Context::new();
    /// let events = ctx.source_with_file_columns("events", &["a.root".into()], "Events", schema, fc)?;
    /// let w = (&events.field("xsec")? * 2.0)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn source_with_file_columns(
        &self,
        label: &str,
        paths: &[String],
        tree: &str,
        schema: SchemaRef,
        file_columns: FileColumns,
    ) -> Result<Expr, PlanError> {
        self.add_source(label, paths, tree, schema, Some(file_columns))
    }

    /// The one way a source node is made (columns are left to projection pushdown).
    pub(crate) fn add_source(
        &self,
        label: &str,
        paths: &[String],
        tree: &str,
        schema: SchemaRef,
        file_columns: Option<FileColumns>,
    ) -> Result<Expr, PlanError> {
        let spec = SourceSpec {
            label: label.to_string(),
            paths: paths.to_vec(),
            tree: tree.to_string(),
            schema,
            columns: None,
            file_columns: file_columns.map(Arc::new),
            entries: None,
        };
        self.add(Op::Source(Arc::new(spec)), vec![])
    }
}

impl Expr {
    /// The categories of a coded string column (a fileset's `dataset`, `process`: code `k` is
    /// the `k`-th), looking through event cuts to the source's per-file column; `None` for
    /// anything else.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_schema::{DataType, Field, Schema};
    /// use rask_core::file_columns::{FileColumns, FileValue};
    /// let fc = FileColumns::from_rows(
    ///     &["dataset"],
    ///     &[vec![FileValue::Code(0)], vec![FileValue::Code(1)]],
    ///     &[Some(vec!["data".into(), "ttbar".into()])],
    /// )?;
    /// let schema = Arc::new(Schema::new(vec![fc.fields[0].as_ref().clone()]));
    /// let ctx = rask_plan::Context::new();
    /// let events = ctx.source_with_file_columns("events", &["a.root".into(), "b.root".into()], "Events", schema, fc)?;
    /// let ds = events.field("dataset")?;
    /// assert_eq!(ds.categories(), Some(vec!["data".to_string(), "ttbar".to_string()]));
    /// assert_eq!(ds.mask(&ds.eq(1)?)?.categories(), ds.categories());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn categories(&self) -> Option<Vec<String>> {
        // Read in place: `Context::hist` asks this of every value of every histogram.
        let shared = self.context().lock();
        let graph = &shared.graph;
        let mut id = self.node_id();
        while let Op::Mask = graph.node(id).op {
            id = *graph.node(id).inputs.first()?;
        }
        let node = graph.node(id);
        let Op::Field(name) = &node.op else {
            return None;
        };
        let Op::Source(spec) = &graph.node(*node.inputs.first()?).op else {
            return None;
        };
        let fc = spec.file_columns.as_ref()?;
        let field = &fc.fields[fc.position(name)?];
        FileColumns::categories(field)
    }
}

impl Expr {
    /// The operation of this node (to walk a plan from its outputs, as an engine does).
    pub fn op(&self) -> Op {
        self.context().lock().graph.node(self.node_id()).op.clone()
    }

    /// The inputs of this node, as expressions.
    pub fn inputs(&self) -> Vec<Expr> {
        let ctx = self.context();
        let ids = ctx.lock().graph.node(self.node_id()).inputs.clone();
        ids.into_iter().map(|id| ctx.expr_of(id)).collect()
    }
}
