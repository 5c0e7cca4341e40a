#!/usr/bin/env python3
"""Writes /tmp/big.root (about 2.4 GB, tree `t`, 150M entries) with ROOT's RDataFrame, to test 64-bit
seek pointers (`crates/io-root/tests/it/big_file.rs`). Values are incompressible but computable:
x = splitmix64(entry), y = (splitmix64(entry) >> 11) * 2^-53. Needs PyROOT (`pip install root`)."""
import ROOT

ROOT.gInterpreter.Declare("""
ULong64_t splitmix64(ULong64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
""")
df = (
    ROOT.RDataFrame(150_000_000)
    .Define("x", "splitmix64(rdfentry_)")
    .Define("y", "(double)(splitmix64(rdfentry_) >> 11) * 0x1.0p-53")
)
df.Snapshot("t", "/tmp/big.root", ["x", "y"])
print("ok")
