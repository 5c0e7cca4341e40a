//! The layout of a small (< 2 GB) uncompressed ROOT file holding objects in its top directory,
//! as ROOT 6.40 lays it out:
//!
//! ```text
//! 0     file header ("root", version, fBEGIN = 100, fEND, seek/length of free segments and
//!       streamer info, UUID), zero-padded to 100 bytes
//! 100   key "TFile" + the top directory (name, title, TDirectory record)
//!       one key + object per histogram
//!       keys list: key + number of keys + every object's key header
//!       StreamerInfo: key + TList of TStreamerInfo
//!       FreeSegments: key + one free segment [fEND, 2000000000]
//! fEND
//! ```
//!
//! References: ROOT's `io/doc/TFile/README.md` (header, keys, directory records) and
//! uproot's `uproot/writing/_cascade.py`.

use super::buf::Buf;
use super::objects::RootHist;
use super::{WriteError, streamers};

/// ROOT 6.40.00, as written in the header.
const ROOT_VERSION: i32 = 64000;
/// Where the first record starts.
const BEGIN: usize = 100;
/// The end of the small-file format (`kStartBigFile`).
const START_BIG_FILE: usize = 2_000_000_000;
/// Version of a key with 4-byte seek pointers.
const KEY_VERSION: i16 = 4;
/// Version of a directory record with 4-byte seek pointers.
const DIR_VERSION: i16 = 5;

/// A key's header: what precedes each record's payload.
struct Key<'a> {
    class: &'a str,
    name: &'a str,
    title: &'a str,
    /// The payload's length.
    objlen: usize,
    /// Where the key starts.
    seek: usize,
    /// The directory's key (100), or 0 for the top directory's own key.
    pdir: usize,
}

impl Key<'_> {
    fn len(&self) -> usize {
        26 + Buf::string_len(self.class) + Buf::string_len(self.name) + Buf::string_len(self.title)
    }

    fn write(&self, b: &mut Buf, datime: u32) {
        let keylen = self.len();
        b.i32(small(keylen + self.objlen));
        b.i16(KEY_VERSION);
        b.i32(small(self.objlen));
        b.u32(datime);
        b.i16(i16::try_from(keylen).unwrap_or(i16::MAX));
        b.i16(1); // cycle
        b.i32(small(self.seek));
        b.i32(small(self.pdir));
        b.string(self.class);
        b.string(self.name);
        b.string(self.title);
    }
}

/// An offset or length of a small file (checked below 2 GB before writing).
fn small(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The bytes of a file named `file_name` (the name recorded in it) holding `hists`.
pub(crate) fn layout(
    file_name: &str,
    hists: &[RootHist],
    datime: u32,
    uuid: [u8; 16],
) -> Result<Vec<u8>, WriteError> {
    let payloads: Vec<Vec<u8>> = hists.iter().map(RootHist::serialize).collect();
    // Key headers are at most 32767 bytes (an Int_t16 length).
    for h in hists {
        if Buf::string_len(&h.name) + Buf::string_len(&h.title) > 30_000 {
            return Err(WriteError::BadName {
                name: h.name.chars().take(40).collect(),
                reason: "it is longer than a ROOT key can hold".to_string(),
            });
        }
    }
    let name_len = Buf::string_len(file_name) + Buf::string_len("");
    // The directory's payload: name and title, the TDirectory record, padding for big seeks.
    let dir_objlen = name_len + 2 + 7 * 4 + 18 + 12;
    let dir_key = Key {
        class: "TFile",
        name: file_name,
        title: "",
        objlen: dir_objlen,
        seek: BEGIN,
        pdir: 0,
    };
    let mut pos = BEGIN + dir_key.len() + dir_objlen;
    let mut keys = Vec::with_capacity(hists.len());
    for (h, p) in hists.iter().zip(&payloads) {
        let key = Key {
            class: h.class_name(),
            name: &h.name,
            title: &h.title,
            objlen: p.len(),
            seek: pos,
            pdir: BEGIN,
        };
        pos += key.len() + p.len();
        keys.push(key);
    }
    let mut key_headers = Buf::new();
    key_headers.i32(small(keys.len()));
    keys.iter().for_each(|k| k.write(&mut key_headers, datime));
    let keys_list = Key {
        class: "TFile",
        name: file_name,
        title: "",
        objlen: key_headers.len(),
        seek: pos,
        pdir: BEGIN,
    };
    pos += keys_list.len() + keys_list.objlen;
    let info = Key {
        class: streamers::CLASS,
        name: streamers::NAME,
        title: streamers::TITLE,
        objlen: streamers::STREAMER_INFO.len(),
        seek: pos,
        pdir: BEGIN,
    };
    debug_assert_eq!(info.len(), streamers::KEY_LEN);
    pos += info.len() + info.objlen;
    let free = Key {
        class: "TFile",
        name: file_name,
        title: "",
        objlen: 10,
        seek: pos,
        pdir: BEGIN,
    };
    let end = pos + free.len() + free.objlen;
    if end >= START_BIG_FILE {
        return Err(WriteError::TooLarge { bytes: end });
    }

    let mut b = Buf::new();
    // The header.
    b.raw(b"root");
    b.i32(ROOT_VERSION);
    b.i32(small(BEGIN));
    b.i32(small(end)); // fEND
    b.i32(small(free.seek)); // fSeekFree
    b.i32(small(free.len() + free.objlen)); // fNbytesFree
    b.i32(1); // nfree
    b.i32(small(dir_key.len() + name_len)); // fNbytesName
    b.u8(4); // fUnits: 4-byte pointers
    b.i32(0); // fCompress: none
    b.i32(small(info.seek)); // fSeekInfo
    b.i32(small(info.len() + info.objlen)); // fNbytesInfo
    b.i16(1); // UUID version
    b.raw(&uuid);
    b.raw(&vec![0; BEGIN - b.len()]);
    // The top directory.
    dir_key.write(&mut b, datime);
    b.string(file_name);
    b.string("");
    b.i16(DIR_VERSION);
    b.u32(datime); // fDatimeC
    b.u32(datime); // fDatimeM
    b.i32(small(keys_list.len() + keys_list.objlen)); // fNbytesKeys
    b.i32(small(dir_key.len() + name_len)); // fNbytesName
    b.i32(small(BEGIN)); // fSeekDir
    b.i32(0); // fSeekParent
    b.i32(small(keys_list.seek)); // fSeekKeys
    b.i16(1);
    b.raw(&uuid);
    b.raw(&[0; 12]);
    // The objects.
    for (k, p) in keys.iter().zip(&payloads) {
        debug_assert_eq!(b.len(), k.seek);
        k.write(&mut b, datime);
        b.raw(p);
    }
    keys_list.write(&mut b, datime);
    b.raw(&key_headers.bytes);
    info.write(&mut b, datime);
    b.raw(streamers::STREAMER_INFO);
    free.write(&mut b, datime);
    b.i16(1); // TFree version
    b.i32(small(end)); // fFirst
    b.i32(small(START_BIG_FILE)); // fLast
    debug_assert_eq!(b.len(), end);
    Ok(b.bytes)
}

/// `t` (seconds since 1970, UTC) as ROOT's `TDatime`: year since 1995, month, day, hour,
/// minute and second packed in 32 bits.
///
/// ```text
/// 2026-12-05 21:11:16 → (31 << 26) | (12 << 22) | (5 << 17) | (21 << 12) | (11 << 6) | 16
/// ```
pub(crate) fn datime(t: u64) -> u32 {
    let days = (t / 86_400) as i64;
    let secs = (t % 86_400) as u32;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)).clamp(1995, 1995 + 63) as u32;
    ((year - 1995) << 26)
        | (month << 22)
        | (day << 17)
        | ((secs / 3600) << 12)
        | ((secs / 60 % 60) << 6)
        | (secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datime_packs_the_civil_date() {
        // 2026-12-05T21:11:16Z = 1796505076 s (date -d @1796505076 -u).
        let want = (31 << 26) | (12 << 22) | (5 << 17) | (21 << 12) | (11 << 6) | 16;
        assert_eq!(datime(1_796_505_076), want);
        // 2000-03-01T00:00:00Z, after a leap day.
        assert_eq!(datime(951_868_800), (5 << 26) | (3 << 22) | (1 << 17));
    }
}
