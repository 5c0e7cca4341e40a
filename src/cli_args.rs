//! Value parsers of the command line's options (`--memory-limit`, `--threads`), with typed
//! errors that clap prints after the option's name.

/// A `--memory-limit` that is not a size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// A unit other than K, M, G (or B).
    #[error("unknown unit '{unit}' (use K, M or G, e.g. 512M)")]
    UnknownUnit { unit: String },
    /// No number before the unit.
    #[error("'{text}' is not a size (bytes, or e.g. 512M, 2G)")]
    NotASize { text: String },
    /// Zero bytes.
    #[error("the memory limit must be more than 0 bytes")]
    Zero,
    /// More bytes than the machine can count.
    #[error("'{text}' is too large")]
    TooLarge { text: String },
}

/// A `--threads` outside 1 ..= `Scheduler::max_threads()`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the number of threads must be between 1 and {max} (leave --threads out to use all cores)")]
pub struct ThreadsError {
    /// The most threads the scheduler takes.
    pub max: usize,
}

/// `--memory-limit`: bytes, or a number with a unit K, M, G (powers of 1024), e.g. `512M`.
pub fn parse_size(s: &str) -> Result<usize, SizeError> {
    let t = s.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, ""),
    };
    let scale: usize = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        other => {
            return Err(SizeError::UnknownUnit {
                unit: other.to_string(),
            });
        }
    };
    let n: usize = digits.parse().map_err(|_| SizeError::NotASize {
        text: s.to_string(),
    })?;
    match n.checked_mul(scale) {
        Some(0) => Err(SizeError::Zero),
        Some(bytes) => Ok(bytes),
        None => Err(SizeError::TooLarge {
            text: s.to_string(),
        }),
    }
}

/// `--threads`: a number from 1 to `Scheduler::max_threads()`.
pub fn parse_threads(s: &str) -> Result<usize, ThreadsError> {
    threads_within(s, crate::Scheduler::max_threads())
}

fn threads_within(s: &str, max: usize) -> Result<usize, ThreadsError> {
    match s.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(ThreadsError { max }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_units_of_1024() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64K"), Ok(65_536));
        assert_eq!(parse_size(" 512 mib "), Ok(536_870_912));
        assert_eq!(parse_size("2G"), Ok(2_147_483_648));
    }

    #[test]
    fn bad_sizes_are_typed_errors() {
        assert_eq!(
            parse_size("12Q"),
            Err(SizeError::UnknownUnit { unit: "Q".into() })
        );
        assert_eq!(
            parse_size("lots"),
            Err(SizeError::UnknownUnit {
                unit: "LOTS".into()
            })
        );
        assert_eq!(
            parse_size("M"),
            Err(SizeError::NotASize { text: "M".into() })
        );
        assert_eq!(parse_size("0K"), Err(SizeError::Zero));
        let huge = "99999999999999999999G";
        assert_eq!(
            parse_size(huge),
            Err(SizeError::NotASize { text: huge.into() })
        );
        assert_eq!(
            parse_size("18014398509481984G"),
            Err(SizeError::TooLarge {
                text: "18014398509481984G".into()
            })
        );
        assert_eq!(
            SizeError::Zero.to_string(),
            "the memory limit must be more than 0 bytes"
        );
    }

    #[test]
    fn threads_between_one_and_the_maximum() {
        assert_eq!(threads_within("1", 4), Ok(1));
        assert_eq!(threads_within("4", 4), Ok(4));
        for bad in ["0", "5", "many", "-1"] {
            assert_eq!(
                threads_within(bad, 4),
                Err(ThreadsError { max: 4 }),
                "{bad}"
            );
        }
        assert_eq!(
            ThreadsError { max: 4 }.to_string(),
            "the number of threads must be between 1 and 4 (leave --threads out to use all cores)"
        );
    }
}
