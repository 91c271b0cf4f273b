//! Running programs: directly with an argument vector (no shell), with optional standard
//! input, masking secrets in any error text; and shell quoting for the one place a shell
//! command string is configuration (`http_restart_cmd`).

use std::io::Write;
use std::process::{Command, Stdio};

use super::error::{Result, ServiceError};

/// Quotes `arg` for a POSIX shell: single quotes, with `'` written as `'\''`.
pub fn shell_quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// Runs `cmd`, feeding `stdin` if given, and returns its standard output. On failure the
/// error names the program only (arguments may hold secrets) and its stderr with every
/// string in `secrets` replaced by `***`.
pub fn run(cmd: &mut Command, stdin: Option<&[u8]>, secrets: &[&str]) -> Result<String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let fail = |status: String, stderr: String| ServiceError::Command {
        program: program.clone(),
        status,
        stderr: mask(&stderr, secrets),
    };
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| fail(e.to_string(), String::new()))?;
    let pipe = child.stdin.take();
    // Feed stdin while reading stdout, so neither side can block the other.
    let out = std::thread::scope(|scope| {
        if let (Some(bytes), Some(mut pipe)) = (stdin, pipe) {
            // A child that exits early closes the pipe; its status tells what went wrong.
            scope.spawn(move || {
                let _ = pipe.write_all(bytes);
            });
        }
        child.wait_with_output()
    })
    .map_err(|e| fail(e.to_string(), String::new()))?;
    if !out.status.success() {
        return Err(fail(
            out.status.to_string(),
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs a configured shell command line (such as `http_restart_cmd`) with `sh -c`.
pub fn run_shell(command_line: &str) -> Result<String> {
    run(Command::new("sh").arg("-c").arg(command_line), None, &[])
}

fn mask(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text.to_string(), |t, s| t.replace(s, "***"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_round_trip_through_sh() {
        let nasty = "a b'c\"d$e`f\\g;h";
        let out = run_shell(&format!("printf %s {}", shell_quote(nasty))).unwrap();
        assert_eq!(out, nasty);
    }

    #[test]
    fn errors_mask_secrets_and_hide_arguments() {
        let err = run(
            Command::new("sh").args(["-c", "echo 'bad pw hunter2' >&2; exit 3"]),
            None,
            &["hunter2"],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("bad pw ***"), "{err}");
        assert!(!err.contains("hunter2"));
    }

    #[test]
    fn feeds_stdin() {
        assert_eq!(
            run(&mut Command::new("cat"), Some(b"hi"), &[]).unwrap(),
            "hi"
        );
    }

    #[test]
    fn large_stdin_and_stdout_do_not_deadlock() {
        let big = vec![b'x'; 4 << 20];
        let out = run(&mut Command::new("cat"), Some(&big), &[]).unwrap();
        assert_eq!(out.len(), big.len());
    }
}
