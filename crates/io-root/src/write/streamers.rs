//! The streamer records of the classes the writer writes, as ROOT 6.40 writes them.
//!
//! `streamers.bin` is the uncompressed payload of the `StreamerInfo` key (a `TList` of
//! `TStreamerInfo`) of a file written by ROOT 6.40.00 (the PyPI package `root`, with
//! `TFile("ref.root", "RECREATE", "", 0)` holding a `TH1D` with `Sumw2`, a `TH2D`, a `TH1I`, a
//! `TH2I` and a `TH1D` with bin labels): the records of `TH1D`, `TH1`, `TNamed`, `TObject`,
//! `TAttLine`, `TAttFill`, `TAttMarker` (v3), `TAxis`, `TAttAxis`, `THashList`, `TList`,
//! `TSeqCollection`, `TCollection`, `TString`, `TH2D`, `TH2`, `TH1I`, `TH2I` and `TObjString`.
//!
//! The records refer to earlier class names by their offset in the key's buffer, which counts
//! the key header: the blob is valid only behind a key header of [`KEY_LEN`] bytes, which
//! ROOT's (class `TList`, name `StreamerInfo`, title `Doubly linked list`, 4-byte seek
//! pointers) is, and so is ours.

/// The payload of the `StreamerInfo` key.
pub(crate) const STREAMER_INFO: &[u8] = include_bytes!("streamers.bin");

/// The length of the key header the payload was written behind.
pub(crate) const KEY_LEN: usize = 64;

/// The key's class, name and title.
pub(crate) const CLASS: &str = "TList";
pub(crate) const NAME: &str = "StreamerInfo";
pub(crate) const TITLE: &str = "Doubly linked list";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_is_a_tlist_of_nineteen_records() {
        // Byte count (with kByteCountMask) of the rest, TList version 5.
        let count = u32::from_be_bytes(STREAMER_INFO[..4].try_into().unwrap());
        assert_eq!(count, 0x4000_0000 | (STREAMER_INFO.len() as u32 - 4));
        assert_eq!(&STREAMER_INFO[4..6], &[0, 5]);
        // TObject (2 + 4 + 4), empty name, then the number of entries.
        let n = i32::from_be_bytes(STREAMER_INFO[17..21].try_into().unwrap());
        assert_eq!(n, 19);
    }
}
