//! `block_on`: waits for one future on the current thread, using only the standard
//! library. rdkafka's admin calls return futures that librdkafka's own background
//! thread completes, so they need a waker but no runtime; the workspace has no
//! executor crate (no tokio, no `futures-executor`), and this is all `sluice gen` needs.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// Wakes the waiting thread by unparking it.
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` until it completes, parking the thread between wake-ups. A spurious
/// unpark only costs one more poll.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut context = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A future completed by another thread, as librdkafka's background thread does.
    struct FromThread {
        receiver: mpsc::Receiver<u32>,
        started: bool,
    }

    impl Future for FromThread {
        type Output = u32;

        fn poll(mut self: std::pin::Pin<&mut Self>, context: &mut Context<'_>) -> Poll<u32> {
            if let Ok(value) = self.receiver.try_recv() {
                return Poll::Ready(value);
            }
            if !self.started {
                self.started = true;
                let (sender, waker) = (self.take_sender(), context.waker().clone());
                thread::spawn(move || {
                    let _ = sender.send(7);
                    waker.wake();
                });
            }
            Poll::Pending
        }
    }

    impl FromThread {
        fn take_sender(&mut self) -> mpsc::Sender<u32> {
            let (sender, receiver) = mpsc::channel();
            self.receiver = receiver;
            sender
        }
    }

    #[test]
    fn waits_for_a_future_completed_by_another_thread() {
        let (_unused, receiver) = mpsc::channel();
        assert_eq!(block_on(FromThread { receiver, started: false }), 7);
        assert_eq!(block_on(async { 1 + 1 }), 2);
    }
}
