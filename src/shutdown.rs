//! The stop signal `serve` gives its background loops on SIGTERM or Ctrl-C: a loop finishes the
//! work in hand, then checks [`Shutdown::is_stopping`] before claiming more.

use tokio::sync::watch;

/// Sends the stop signal once.
#[derive(Debug)]
pub struct ShutdownTrigger(watch::Sender<bool>);

/// A receiver of the stop signal; cheap to clone, one per loop.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

/// A new trigger and its first receiver.
pub fn channel() -> (ShutdownTrigger, Shutdown) {
    let (tx, rx) = watch::channel(false);
    (ShutdownTrigger(tx), Shutdown(rx))
}

impl ShutdownTrigger {
    /// Tells every receiver to stop.
    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

impl Shutdown {
    /// A receiver that never fires (tests and tools that run loops without `serve`).
    pub fn never() -> Shutdown {
        let (tx, rx) = watch::channel(false);
        // Keeping the sender alive forever means `stopped()` pends instead of ending early.
        std::mem::forget(tx);
        Shutdown(rx)
    }

    /// Whether the stop signal was sent.
    pub fn is_stopping(&self) -> bool {
        *self.0.borrow()
    }

    /// Completes once the stop signal is sent (never, if the trigger is gone unsent).
    pub async fn stopped(&mut self) {
        if self.0.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
