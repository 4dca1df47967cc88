//! CPU time and memory of the processes in a benchmark, from Linux `/proc`: the server child,
//! this process (the load generator), the PostgreSQL backends of the benchmark database and
//! the whole machine. Elsewhere the snapshots are `None` and nothing is printed.

use sqlx::PgPool;
use std::{collections::BTreeMap, time::Duration};

/// Clock ticks and memory of one process.
#[derive(Debug, Clone, Copy, Default)]
pub struct Process {
    /// User plus system time, in clock ticks.
    pub ticks: u64,
    /// Resident set size, in KiB.
    pub rss_kib: u64,
    /// Peak resident set size so far, in KiB.
    pub peak_kib: u64,
}

/// Counters at one moment.
#[derive(Debug, Clone)]
pub struct CpuSnapshot {
    /// Non-idle ticks of the whole machine.
    busy: u64,
    /// All ticks of the whole machine (all cores).
    total: u64,
    /// Cores.
    cores: usize,
    /// The server child.
    server: Process,
    /// This process: the load generator.
    client: Process,
    /// Ticks of every `postgres` process, by pid.
    postgres: BTreeMap<i32, u64>,
}

/// User plus system ticks from a `/proc/…/stat` line.
fn stat_ticks(stat: &str) -> Option<u64> {
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // After the command name: state is field 3, utime 14 and stime 15.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// A `kB` value of `/proc/…/status`, e.g. `VmRSS: 12345 kB` (a tab after the colon).
fn status_kib(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn read(path: impl AsRef<std::path::Path>) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// Ticks and memory of `/proc/<pid>` (`self` for this process).
fn process(pid: &str) -> Option<Process> {
    let ticks = stat_ticks(&read(format!("/proc/{pid}/stat"))?)?;
    let status = read(format!("/proc/{pid}/status")).unwrap_or_default();
    Some(Process {
        ticks,
        rss_kib: status_kib(&status, "VmRSS"),
        peak_kib: status_kib(&status, "VmHWM"),
    })
}

impl CpuSnapshot {
    /// Reads the counters now; `server_pid` is the server child.
    pub fn take(server_pid: u32) -> Option<CpuSnapshot> {
        let stat = read("/proc/stat")?;
        let counters: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .take(8)
            .filter_map(|v| v.parse().ok())
            .collect();
        let total: u64 = counters.iter().sum();
        let idle = counters.get(3)? + counters.get(4).copied().unwrap_or(0);
        let cores = stat
            .lines()
            .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
            .count();
        let mut postgres = BTreeMap::new();
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let dir = entry.path();
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            if read(dir.join("comm")).is_some_and(|c| c.trim() == "postgres")
                && let Some(ticks) = read(dir.join("stat")).and_then(|s| stat_ticks(&s))
            {
                postgres.insert(pid, ticks);
            }
        }
        Some(CpuSnapshot {
            busy: total.saturating_sub(idle),
            total,
            cores: cores.max(1),
            server: process(&server_pid.to_string())?,
            client: process("self")?,
            postgres,
        })
    }
}

/// Resets the peak RSS (`VmHWM`) of process `pid` (Linux `clear_refs` value 5), so the peak
/// after a load is that load's own rather than start-up's; false when the kernel refused.
pub fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// Process ids of the PostgreSQL backends connected to the benchmark database: only these
/// count as the benchmark's PostgreSQL time; other databases on the same server (and exited
/// backends) land in "other processes".
pub async fn backends(pool: &PgPool) -> Result<Vec<i32>, sqlx::Error> {
    sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        .fetch_all(pool)
        .await
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Where the CPU went during one measured load.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// Cores of the machine.
    pub cores: usize,
    /// Cores busy on the whole machine.
    pub busy_cores: f64,
    /// Cores the app server used.
    pub server_cores: f64,
    /// App server CPU milliseconds per request.
    pub server_ms_per_request: f64,
    /// Cores the benchmark database's PostgreSQL backends used.
    pub postgres_cores: f64,
    /// Their CPU milliseconds per request.
    pub postgres_ms_per_request: f64,
    /// Cores the load generator used.
    pub client_cores: f64,
    /// Its CPU milliseconds per request.
    pub client_ms_per_request: f64,
    /// Cores used by every other process.
    pub other_cores: f64,
    /// Server RSS before, in MiB.
    pub server_rss_before_mib: f64,
    /// Server RSS after, in MiB.
    pub server_rss_mib: f64,
    /// Server peak RSS so far, in MiB.
    pub server_peak_mib: f64,
    /// Load generator RSS before, after and peak, in MiB.
    pub client_rss_mib: (f64, f64, f64),
}

/// The CPU and memory between `before` and `after` while `requests` requests took `elapsed`;
/// `None` when no time passed or nothing was measured.
pub fn usage(
    before: &CpuSnapshot,
    after: &CpuSnapshot,
    backends: &[i32],
    requests: usize,
    elapsed: Duration,
) -> Option<Usage> {
    let wall = after.total.saturating_sub(before.total) as f64 / after.cores as f64;
    if wall <= 0.0 || requests == 0 {
        return None;
    }
    let cores = |ticks: u64| ticks as f64 / wall;
    let per_request = |c: f64| c * elapsed.as_secs_f64() * 1000.0 / requests as f64;
    let client = after.client.ticks.saturating_sub(before.client.ticks);
    let server = after.server.ticks.saturating_sub(before.server.ticks);
    let pg: u64 = backends
        .iter()
        .filter_map(|pid| {
            let now = after.postgres.get(pid)?;
            Some(now.saturating_sub(before.postgres.get(pid).copied().unwrap_or(0)))
        })
        .sum();
    let busy = after.busy.saturating_sub(before.busy);
    let others = busy.saturating_sub(server + pg + client);
    Some(Usage {
        cores: after.cores,
        busy_cores: cores(busy),
        server_cores: cores(server),
        server_ms_per_request: per_request(cores(server)),
        postgres_cores: cores(pg),
        postgres_ms_per_request: per_request(cores(pg)),
        client_cores: cores(client),
        client_ms_per_request: per_request(cores(client)),
        other_cores: cores(others),
        server_rss_before_mib: mib(before.server.rss_kib),
        server_rss_mib: mib(after.server.rss_kib),
        server_peak_mib: mib(after.server.peak_kib),
        client_rss_mib: (
            mib(before.client.rss_kib),
            mib(after.client.rss_kib),
            mib(after.client.peak_kib),
        ),
    })
}

/// Prints where the CPU went while `requests` requests took `elapsed`: cores used and CPU
/// milliseconds per request for each process, and each process's memory before and after.
pub fn print_cpu(
    before: &CpuSnapshot,
    after: &CpuSnapshot,
    backends: &[i32],
    requests: usize,
    elapsed: Duration,
) -> Option<Usage> {
    let u = usage(before, after, backends, requests, elapsed)?;
    println!(
        "  CPU: machine {:.2} of {} cores busy; app server {:.2} cores = {:.2} ms/request, \
         PostgreSQL backends {:.2} cores = {:.2} ms/request, load generator {:.2} cores = {:.2} ms/request, \
         other processes {:.2} cores{}",
        u.busy_cores,
        u.cores,
        u.server_cores,
        u.server_ms_per_request,
        u.postgres_cores,
        u.postgres_ms_per_request,
        u.client_cores,
        u.client_ms_per_request,
        u.other_cores,
        if u.other_cores > 0.1 {
            " (the machine was not quiet: figures are pessimistic)"
        } else {
            ""
        },
    );
    println!(
        "  memory (RSS): app server {:.1} -> {:.1} MiB (peak {:.1}), load generator {:.1} -> {:.1} MiB (peak {:.1})",
        u.server_rss_before_mib,
        u.server_rss_mib,
        u.server_peak_mib,
        u.client_rss_mib.0,
        u.client_rss_mib.1,
        u.client_rss_mib.2,
    );
    Some(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ticks_and_memory() {
        let stat = "42 (tenant pilot) S 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 3 0";
        assert_eq!(stat_ticks(stat), Some(12));
        let status = "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(status_kib(status, "VmRSS"), 1024);
        assert_eq!(status_kib(status, "VmHWM"), 2048);
        assert_eq!(status_kib(status, "VmSwap"), 0);
        let me = process("self").expect("this process is readable on Linux");
        assert!(me.rss_kib > 0);
    }
}
