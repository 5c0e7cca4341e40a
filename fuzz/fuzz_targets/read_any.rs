//! Opens arbitrary bytes as a ROOT file and reads every readable branch of every tree.
//! Any outcome but a panic, an abort or a hang is fine.
//! Seed corpus: `mkdir -p corpus/read_any && cp ../data/HZZ.root corpus/read_any/`.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use rask_io_root::{InMemory, RootFile, RootTree};

fuzz_target!(|data: &[u8]| {
    let Ok(file) = RootFile::from_source(Arc::new(InMemory::new("fuzz.root", data.to_vec()))) else {
        return;
    };
    let Ok(trees) = file.tree_names() else { return };
    for name in trees {
        if let Ok(tree) = RootTree::new(file.clone(), &name) {
            let branches = tree.readable_branches();
            let _ = tree.read(0..tree.entries(), &branches);
        }
    }
});
