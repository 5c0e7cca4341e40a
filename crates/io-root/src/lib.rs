//! rask-io-root: ROOT TTrees and Parquet files read into Arrow record batches, split into partitions.
//!
//! The pipeline of a ROOT read: [`RootFile`] (header, directories, keys) → [`TreeMeta`] (branches,
//! leaves, basket locations, decoded from the TTree streamer record) → [`BasketBuffers`] (one
//! positional read per basket, decompression into a reused buffer) → [`ColumnBuilder`] (big-endian
//! bytes to Arrow buffers, whole ranges at a time) → `RecordBatch`. [`EventSource`] puts ROOT and
//! Parquet files behind one partitioned interface.
//!
//! Errors never panic: damaged input gives a [`RootError`] naming the file, tree, branch and basket.
//!
//! ```no_run
//! use rask_io_root::EventSource;
//! let src = EventSource::open(&["HZZ.root"], "events")?;
//! let parts = src.partitions(&["Jet_Px"], 1000)?;
//! let batch = src.read(&parts[0], &["NJet", "Jet_Px"])?;
//! # Ok::<(), rask_io_root::RootError>(())
//! ```

pub mod basket;
pub mod compression;
pub mod cursor;
pub mod decode;
pub mod error;
pub mod events;
mod expected_offsets;
pub mod file;
pub mod fileset;
mod inflate;
pub mod memory;
pub mod parquet;
pub mod reader;
pub mod source;
pub mod tree;
pub mod types;
pub mod write;

pub use basket::{Basket, BasketBuffers};
pub use decode::ColumnBuilder;
pub use error::{Result, RootError};
pub use events::{EventSource, Format, Partition, detect_format};
pub use file::{Key, RootFile};
pub use fileset::{Dataset, Fileset, FilesetError, MetaValue};
pub use parquet::ParquetFile;
pub use reader::{RootTree, UNREADABLE_METADATA_KEY, offsets_shared, tree_schema};
pub use source::{ByteSource, Held, InMemory, Lease, LocalFile, open_regular};
pub use tree::{BasketLoc, BranchMeta, TreeMeta};
pub use types::{Layout, Prim};
