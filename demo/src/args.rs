//! Command-line arguments of the overload demo.

use core::fmt;

use crate::script::{MAX_LENGTH_MS, MIN_LENGTH_MS};

/// Run length when `--seconds` is not given.
pub const DEFAULT_SECONDS: u64 = 20;

/// Usage text printed by `--help`.
pub const USAGE: &str = "\
Usage: cargo run --release --example overload -- [--seconds N]

Starts three copies of an HTTP service on 127.0.0.1 ephemeral ports and
drives the same scripted surge through three clients: no protection, a
circuit breaker and a nozzle.

Options:
  --seconds N   run length in seconds, 5 to 120 (default 20); the story's
                phases scale with it
  -h, --help    print this help";

/// Action requested on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the demo for this many seconds.
    Run {
        /// Run length in seconds.
        seconds: u64,
    },
    /// Print the usage text.
    Help,
}

/// An invalid command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgError {
    /// An argument the demo does not know.
    Unknown(String),
    /// `--seconds` without a value.
    MissingSeconds,
    /// `--seconds` with a value that is not a whole number in range.
    InvalidSeconds(String),
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (min, max) = (MIN_LENGTH_MS / 1000, MAX_LENGTH_MS / 1000);
        match self {
            ArgError::Unknown(argument) => write!(f, "unknown argument {argument:?}"),
            ArgError::MissingSeconds => {
                write!(f, "missing value for --seconds: expected a whole number from {min} to {max}")
            }
            ArgError::InvalidSeconds(value) => write!(
                f,
                "invalid value for --seconds: {value:?}: expected a whole number from {min} to {max}"
            ),
        }
    }
}

impl std::error::Error for ArgError {}

/// Parses the arguments after the program name.
///
/// # Errors
///
/// [`ArgError`] for an unknown argument or an invalid `--seconds` value.
pub fn parse<I>(args: I) -> Result<Command, ArgError>
where
    I: IntoIterator,
    I::Item: Into<String>,
{
    let mut seconds = DEFAULT_SECONDS;
    let mut args = args.into_iter().map(Into::into);
    while let Some(argument) = args.next() {
        let value = match argument.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--seconds" => args.next().ok_or(ArgError::MissingSeconds)?,
            other => match other.strip_prefix("--seconds=") {
                Some(value) => value.to_owned(),
                None => return Err(ArgError::Unknown(argument)),
            },
        };
        seconds = parse_seconds(&value)?;
    }
    Ok(Command::Run { seconds })
}

fn parse_seconds(value: &str) -> Result<u64, ArgError> {
    let invalid = || ArgError::InvalidSeconds(value.to_owned());
    let seconds: u64 = value.parse().map_err(|_| invalid())?;
    let ms = seconds.checked_mul(1000).ok_or_else(invalid)?;
    if (MIN_LENGTH_MS..=MAX_LENGTH_MS).contains(&ms) {
        Ok(seconds)
    } else {
        Err(invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_arguments_run_the_default_length() {
        let none: [&str; 0] = [];
        assert_eq!(parse(none), Ok(Command::Run { seconds: 20 }));
    }

    #[test]
    fn seconds_accepts_both_spellings() {
        assert_eq!(parse(["--seconds", "6"]), Ok(Command::Run { seconds: 6 }));
        assert_eq!(parse(["--seconds=120"]), Ok(Command::Run { seconds: 120 }));
        assert_eq!(parse(["--seconds", "5"]), Ok(Command::Run { seconds: 5 }));
    }

    #[test]
    fn help_wins_over_other_arguments() {
        assert_eq!(parse(["--seconds", "6", "--help"]), Ok(Command::Help));
        assert_eq!(parse(["-h"]), Ok(Command::Help));
    }

    #[test]
    fn invalid_seconds_are_rejected_with_the_value() {
        for value in [
            "4",
            "121",
            "0",
            "-3",
            "ten",
            "1.5",
            "",
            "99999999999999999999",
        ] {
            let error = parse(["--seconds", value]).unwrap_err();
            assert_eq!(error, ArgError::InvalidSeconds(value.to_owned()));
            let message = error.to_string();
            assert!(message.contains(&format!("{value:?}")), "{message}");
            assert!(message.contains("5 to 120"), "{message}");
        }
        assert_eq!(parse(["--seconds"]), Err(ArgError::MissingSeconds));
    }

    #[test]
    fn unknown_argument_is_named() {
        let error = parse(["--secs", "6"]).unwrap_err();
        assert_eq!(error, ArgError::Unknown("--secs".to_owned()));
        assert!(error.to_string().contains("\"--secs\""));
    }
}
