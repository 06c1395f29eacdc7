//! `quotekit completions`: a shell's completion script, and the value
//! parser that lets it complete the values of flags typed by the libraries.

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;
use std::ffi::OsStr;
use std::io::Write;
use std::marker::PhantomData;
use std::process::ExitCode;

/// Writes `shell`'s completion script for `command` to standard output.
pub fn run(shell: clap_complete::Shell, command: &mut clap::Command) -> anyhow::Result<ExitCode> {
    // (Written whole, so that a full disk is an error, not a panic.)
    let mut script = Vec::new();
    clap_complete::generate(shell, command, "quotekit", &mut script);
    std::io::stdout()
        .write_all(&script)
        .and_then(|()| std::io::stdout().flush())
        .map_err(|e| anyhow::anyhow!("writing the completion script: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// Parses a flag's value with the `FromStr` of a library type (its
/// aliases and its messages), and names `values` to `--help` and to shell
/// completion.
#[derive(Clone)]
pub struct Named<T> {
    values: &'static [&'static str],
    parsed: PhantomData<fn() -> T>,
}

/// A [`Named`] parser offering `values`.
pub const fn named<T>(values: &'static [&'static str]) -> Named<T> {
    Named {
        values,
        parsed: PhantomData,
    }
}

impl<T> TypedValueParser for Named<T>
where
    T: std::str::FromStr + Clone + Send + Sync + 'static,
    T::Err: std::fmt::Display,
{
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let shown = value.to_string_lossy();
        let flag = arg.map_or_else(|| "the value".to_string(), ToString::to_string);
        value
            .to_str()
            .ok_or_else(|| "not UTF-8".to_string())
            .and_then(|text| text.parse::<T>().map_err(|e| e.to_string()))
            .map_err(|why| {
                clap::Error::raw(
                    ErrorKind::ValueValidation,
                    format!(
                        "invalid value '{shown}' for '{flag}': {why}\n\n\
                         For more information, try '--help'.\n"
                    ),
                )
                .with_cmd(cmd)
            })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            self.values.iter().copied().map(PossibleValue::new),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value a flag names to `--help` and to completion parses.
    #[test]
    fn the_values_named_parse() {
        fn all_parse<T>(parser: Named<T>)
        where
            T: std::str::FromStr + Clone + Send + Sync + 'static,
            T::Err: std::fmt::Display,
        {
            let cmd = clap::Command::new("q");
            let values: Vec<PossibleValue> = parser.possible_values().unwrap().collect();
            assert!(!values.is_empty());
            for value in values {
                let name = OsStr::new(value.get_name());
                assert!(parser.parse_ref(&cmd, None, name).is_ok(), "{name:?}");
            }
            assert!(parser
                .parse_ref(&cmd, None, OsStr::new("nonsense"))
                .is_err());
        }
        all_parse(super::super::FORMATS);
        all_parse(super::super::SCHEMES);
        all_parse(super::super::TOKENS);
    }
}
