//! Counts the statements sent to the database (each repo statement, each `BEGIN` and
//! `COMMIT`): in total for `/metrics` and the benchmark's statements per request, and per task
//! for tests that pin what one request costs. Counting is a relaxed atomic add and a task-local
//! lookup; nothing is timed.

use std::{
    cell::Cell,
    future::Future,
    sync::atomic::{AtomicU64, Ordering},
};

static TOTAL: AtomicU64 = AtomicU64::new(0);

tokio::task_local! {
    static COUNTED: Cell<u64>;
}

/// Records one statement (called by the query macros and transaction boundaries).
pub fn note() {
    TOTAL.fetch_add(1, Ordering::Relaxed);
    let _ = COUNTED.try_with(|n| n.set(n.get() + 1));
}

/// Statements this process has sent since it started.
pub fn total() -> u64 {
    TOTAL.load(Ordering::Relaxed)
}

/// Runs `work` and counts the statements it sends from its own task (work it spawns onto other
/// tasks is not counted).
pub async fn counted<F: Future>(work: F) -> (F::Output, u64) {
    COUNTED
        .scope(Cell::new(0), async move {
            let output = work.await;
            (output, COUNTED.with(Cell::get))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_inside_the_scope_only() {
        note();
        let ((), n) = counted(async {
            note();
            note();
        })
        .await;
        assert_eq!(n, 2);
        let before = total();
        note();
        assert!(total() > before);
    }
}
