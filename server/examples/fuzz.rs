//! `make fuzz`: every parser that takes outside bytes (`server::fuzz::targets`) on 10⁷ inputs
//! (`--runs`), each target in child processes (two at a time, one per core, each half of the
//! inputs from its own seed), so that an abort or a runaway allocation is seen and reported
//! rather than ending the run. Prints per target: inputs run, panics, aborts, inputs per second
//! and the most memory a child held. Inputs that panicked are kept under
//! `server/fuzz/regressions/<target>/`, where the tests replay them.
//!
//! Usage: fuzz [--runs N] [--seed S] [--only NAME]; `--child NAME` is how it runs itself.

use sha2::Digest;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// The most memory (peak resident set) one child may have held: more is a finding.
const MEMORY_BOUND_KB: u64 = 1024 * 1024;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// This process's peak resident set in KB (`VmHWM`).
fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn child(name: &str, runs: u64, seed: u64) -> ExitCode {
    let target = server::fuzz::targets()
        .into_iter()
        .find(|t| t.name == name)
        .expect("a known target");
    let found = server::fuzz::run(&target, runs, seed);
    for (input, message) in &found.panics {
        let dir = server::fuzz::regressions_dir(name);
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join(hex::encode(&sha2::Sha256::digest(input)[..8]));
        let _ = std::fs::write(&file, input);
        eprintln!(
            "{name}: panic ({message}); input kept at {}",
            file.display()
        );
    }
    println!("{} {} {}", found.executions, found.panics.len(), peak_kb());
    ExitCode::SUCCESS
}

struct Outcome {
    executions: u64,
    panics: u64,
    aborts: u64,
    peak_kb: u64,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let runs: u64 = arg(&args, "--runs")
        .and_then(|r| r.parse().ok())
        .unwrap_or(10_000_000);
    let seed: u64 = arg(&args, "--seed")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::process::id() as u64 * 7919 + 1);
    if let Some(name) = arg(&args, "--child") {
        return child(&name, runs, seed);
    }
    let only = arg(&args, "--only");
    let exe = std::env::current_exe().expect("this program's path");
    println!("fuzz: {runs} inputs per target, seed {seed} (--seed {seed} repeats this run)");
    println!(
        "{:<18} {:>12} {:>7} {:>7} {:>12} {:>10}",
        "target", "inputs", "panics", "aborts", "inputs/s", "peak MB"
    );
    let mut failed = false;
    for target in server::fuzz::targets() {
        if only.as_deref().is_some_and(|o| o != target.name) {
            continue;
        }
        let started = Instant::now();
        // Two children, one per core, each half of the inputs from its own seed.
        let halves = [runs / 2 + runs % 2, runs / 2];
        let children: Vec<_> = halves
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| {
                let child_seed = seed.wrapping_mul(31).wrapping_add(i as u64 + 1);
                (
                    child_seed,
                    Command::new(&exe)
                        .args(["--child", target.name, "--runs", &n.to_string()])
                        .args(["--seed", &child_seed.to_string()])
                        .stdout(Stdio::piped())
                        .spawn()
                        .expect("start a child"),
                )
            })
            .collect();
        let mut outcome = Outcome {
            executions: 0,
            panics: 0,
            aborts: 0,
            peak_kb: 0,
        };
        for (child_seed, c) in children {
            let out = c.wait_with_output().expect("wait for a child");
            let line = String::from_utf8_lossy(&out.stdout);
            let numbers: Vec<u64> = line
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            match (out.status.success(), numbers.as_slice()) {
                (true, [executions, panics, peak]) => {
                    outcome.executions += executions;
                    outcome.panics += panics;
                    outcome.peak_kb = outcome.peak_kb.max(*peak);
                }
                _ => {
                    outcome.aborts += 1;
                    eprintln!(
                        "{}: a child ended without its report ({}); repeat it with --child {} \
                         --runs {} --seed {child_seed}",
                        target.name, out.status, target.name, runs
                    );
                }
            }
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{:<18} {:>12} {:>7} {:>7} {:>12.0} {:>10.1}",
            target.name,
            outcome.executions,
            outcome.panics,
            outcome.aborts,
            outcome.executions as f64 / secs,
            outcome.peak_kb as f64 / 1024.0
        );
        if outcome.panics > 0 || outcome.aborts > 0 || outcome.peak_kb > MEMORY_BOUND_KB {
            failed = true;
        }
    }
    if failed {
        println!(
            "fuzz: FAILED (a panic, an abort, or more than {} MB held)",
            MEMORY_BOUND_KB / 1024
        );
        ExitCode::FAILURE
    } else {
        println!("fuzz: no panic, no abort, memory bounded");
        ExitCode::SUCCESS
    }
}
