//! The codec that sends rask's operators to workers: datafusion-distributed serialises its own
//! nodes and asks this codec for ours (`ScanExec`, `EvalExec`, `PartialExec`), whose wire form
//! is `rask_exec::distributed`'s.

use std::sync::Arc;

use datafusion::common::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use rask_exec::distributed::{decode_operator, encode_operator};

/// Encodes and decodes rask's operators; registered on the coordinator and on every worker.
#[derive(Clone)]
pub struct RaskCodec {
    /// Partitions a decoded scan reads at once (the worker's threads).
    pub concurrency: usize,
    /// Told the partition count of every scan a worker is sent (the start of a task).
    pub on_task: Option<Arc<dyn Fn(usize) + Send + Sync>>,
}

impl std::fmt::Debug for RaskCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RaskCodec(concurrency {})", self.concurrency)
    }
}

impl PhysicalExtensionCodec for RaskCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        _ctx: &TaskContext,
        _proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let plan = decode_operator(buf, inputs, self.concurrency)
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        if let Some(on_task) = &self.on_task
            && plan.name() == "ScanExec"
        {
            on_task(plan.properties().partitioning.partition_count());
        }
        Ok(plan)
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        _proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        match encode_operator(node.as_ref()) {
            Some(Ok(bytes)) => {
                buf.extend_from_slice(&bytes);
                Ok(())
            }
            Some(Err(e)) => Err(DataFusionError::External(Box::new(e))),
            None => datafusion::common::internal_err!(
                "{} is not a rask operator and has no codec here",
                node.name()
            ),
        }
    }
}
