//! The HTTP load every benchmark drives: N closed-loop clients (each sends its next request
//! as soon as the answer to its previous one was read completely), for a number of requests or
//! for a time, and the latency report of what they measured.

use crate::http::{ms, percentile_ms};
use anyhow::Context;
use rand::{SeedableRng, rngs::StdRng};
use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

/// Builds one client's next request: `(client, rng, client index, request number of this
/// client)` → a label for failure examples (the path) and the request.
pub type MakeRequest = Arc<
    dyn Fn(&reqwest::Client, &mut StdRng, usize, usize) -> (String, reqwest::RequestBuilder)
        + Send
        + Sync,
>;

/// How much load a scenario sends.
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    /// This many requests in all, shared by the clients.
    Requests(usize),
    /// Requests until this much time has passed (the requests then in flight still count).
    For(Duration),
}

/// Latency and throughput of one scenario (or of a `pgbench` baseline).
#[derive(Debug, Clone)]
pub struct ScenarioReport {
    /// Scenario name.
    pub name: String,
    /// Requests measured.
    pub requests: usize,
    /// Wall-clock time of the measured part.
    pub elapsed: Duration,
    /// Requests (or transactions) per second.
    pub per_second: f64,
    /// Median latency in milliseconds.
    pub p50_ms: f64,
    /// 90th percentile in milliseconds.
    pub p90_ms: f64,
    /// 99th percentile in milliseconds.
    pub p99_ms: f64,
    /// Slowest request in milliseconds.
    pub max_ms: f64,
    /// Mean response body size in bytes.
    pub mean_bytes: f64,
    /// Responses other than 200 (and transport errors), by status text.
    pub failures: BTreeMap<String, usize>,
    /// A few failing requests with their status, for diagnosis.
    pub failure_examples: Vec<String>,
}

impl ScenarioReport {
    /// The report of `latencies` (any order) measured over `elapsed`; `per_second` defaults to
    /// their count over `elapsed` when `None`.
    pub fn from_latencies(
        name: impl Into<String>,
        mut latencies: Vec<Duration>,
        elapsed: Duration,
        per_second: Option<f64>,
    ) -> ScenarioReport {
        latencies.sort_unstable();
        let n = latencies.len();
        ScenarioReport {
            name: name.into(),
            requests: n,
            elapsed,
            per_second: per_second
                .unwrap_or_else(|| n as f64 / elapsed.as_secs_f64().max(f64::EPSILON)),
            p50_ms: percentile_ms(&latencies, 50.0),
            p90_ms: percentile_ms(&latencies, 90.0),
            p99_ms: percentile_ms(&latencies, 99.0),
            max_ms: latencies.last().map_or(0.0, ms),
            mean_bytes: 0.0,
            failures: BTreeMap::new(),
            failure_examples: Vec::new(),
        }
    }

    /// Requests per second over the measured part.
    pub fn throughput(&self) -> f64 {
        self.per_second
    }

    /// Number of non-200 responses and transport errors.
    pub fn failed(&self) -> usize {
        self.failures.values().sum()
    }

    /// Prints the non-200 answers and a few examples, if any.
    pub fn print_failures(&self) {
        if self.failed() > 0 {
            println!("  non-200: {:?}", self.failures);
            for e in &self.failure_examples {
                println!("    {e}");
            }
        }
    }
}

/// What one client task measured.
#[derive(Default)]
struct Sample {
    latencies: Vec<Duration>,
    bytes: u64,
    failures: BTreeMap<String, usize>,
    examples: Vec<String>,
}

/// Drives `clients` concurrent closed-loop clients sending what `make` builds until `budget` is
/// spent, and summarises the latencies; any answer other than 200 counts as a failure.
pub async fn drive(
    client: &reqwest::Client,
    clients: usize,
    budget: Budget,
    seed: u64,
    name: &str,
    make: MakeRequest,
) -> anyhow::Result<ScenarioReport> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for i in 0..clients.max(1) {
        let client = client.clone();
        let next = next.clone();
        let make = make.clone();
        let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(1_000_003) + i as u64);
        tasks.spawn(async move {
            let mut s = Sample::default();
            let mut n = 0usize;
            let go_on = || match budget {
                Budget::Requests(total) => next.fetch_add(1, Ordering::Relaxed) < total,
                Budget::For(d) => started.elapsed() < d,
            };
            while go_on() {
                n += 1;
                let (label, req) = make(&client, &mut rng, i, n);
                let t0 = Instant::now();
                let outcome = match req.send().await {
                    Ok(resp) => {
                        let status = resp.status();
                        match resp.bytes().await {
                            Ok(body) => Ok((status, body.len())),
                            Err(e) => Err(format!("body error: {e}")),
                        }
                    }
                    Err(e) => Err(format!("transport error: {e}")),
                };
                s.latencies.push(t0.elapsed());
                let failure = match outcome {
                    Ok((status, len)) => {
                        s.bytes += len as u64;
                        (status != reqwest::StatusCode::OK).then(|| status.to_string())
                    }
                    Err(e) => Some(e),
                };
                if let Some(f) = failure {
                    if s.examples.len() < 5 {
                        s.examples.push(format!("{label}: {f}"));
                    }
                    *s.failures.entry(f).or_default() += 1;
                }
            }
            s
        });
    }
    let mut all = Sample::default();
    while let Some(joined) = tasks.join_next().await {
        let s = joined.context("a client task panicked")?;
        all.latencies.extend(s.latencies);
        all.bytes += s.bytes;
        for (k, v) in s.failures {
            *all.failures.entry(k).or_default() += v;
        }
        all.examples.extend(s.examples);
    }
    let elapsed = started.elapsed();
    all.examples.truncate(5);
    let n = all.latencies.len();
    let mut report = ScenarioReport::from_latencies(name, all.latencies, elapsed, None);
    report.mean_bytes = all.bytes as f64 / n.max(1) as f64;
    report.failures = all.failures;
    report.failure_examples = all.examples;
    Ok(report)
}
