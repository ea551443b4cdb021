//! Re-running one test of the current test binary in a child process, to see from outside
//! what it printed on stderr and whether it aborted. Included by the tests that need it
//! (`#[path = "common/child.rs"] mod child;`).
//!
//! A test that uses it begins with `if is_child_for(NAME) { ...scenario...; return; }`, then,
//! in the parent, calls `run_child(NAME)` and checks what the child printed.
#![allow(dead_code)] // each test crate uses a part

use std::process::{Command, ExitStatus};

/// Names the test a child process was started to run; unset in the parent.
const SCENARIO_VAR: &str = "STEADFAST_TEST_SCENARIO";

/// Whether this process is the child that [`run_child`] started for the test `name`.
pub fn is_child_for(name: &str) -> bool {
    match std::env::var(SCENARIO_VAR) {
        Ok(wanted) if wanted == name => true,
        Ok(other) => panic!("child started for scenario {other:?}, but running {name:?}"),
        Err(_) => false,
    }
}

/// What a child process did.
pub struct Child {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Child {
    /// Everything the child did, for an assertion message.
    pub fn context(&self) -> String {
        format!(
            "status: {}\nstdout:\n{}\nstderr:\n{}",
            self.status, self.stdout, self.stderr
        )
    }

    /// The lines of stderr that start with `prefix`, in order.
    pub fn stderr_lines_starting_with(&self, prefix: &str) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|line| line.starts_with(prefix))
            .collect()
    }
}

/// Re-runs the test `test_name` of this binary, alone, in a child process.
pub fn run_child(test_name: &str) -> Child {
    let output = Command::new(std::env::current_exe().expect("current_exe"))
        .args(["--exact", test_name, "--nocapture", "--test-threads=1"])
        .env(SCENARIO_VAR, test_name)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("spawn the test binary as a child");
    Child {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
