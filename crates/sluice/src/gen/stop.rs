//! Ctrl-C for `sluice gen`: the first press asks the producer to stop (it flushes what
//! is queued and prints its summary), a second press exits at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A flag set by the first Ctrl-C. If the handler cannot be installed (another one is
/// already set), Ctrl-C keeps its default effect of ending the process.
pub fn ctrl_c_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let handler_flag = flag.clone();
    let _ = ctrlc::set_handler(move || {
        if handler_flag.swap(true, Ordering::SeqCst) {
            eprintln!("[gen] interrupted again: exiting now");
            std::process::exit(130);
        }
        eprintln!("[gen] stopping: delivering what is queued (press Ctrl-C again to exit at once)");
    });
    flag
}
