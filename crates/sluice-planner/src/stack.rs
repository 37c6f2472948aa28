//! The stack that planning and running a query need. Every pass over a query (binding,
//! rewrites, changelog derivation, EXPLAIN, evaluation, dropping the tree) recurses once
//! per level of the tree, and a left-deep chain (`a + b + ... `, a join of many tables)
//! is as deep as it is long. A thread's default 2 MiB (8 MiB for `main`) overflows, which
//! aborts the process, at a few thousand levels; so planning runs on, and job threads
//! are started with, a stack that holds the parser's limits (see
//! `sluice_sql`'s `MAX_TREE_DEPTH`). Only the pages used are ever committed.

/// Bytes of stack for a thread that plans or runs a query.
pub const QUERY_STACK_BYTES: usize = 1 << 30;

/// Runs `f` on a thread with `QUERY_STACK_BYTES` of stack and returns what it returns
/// (a panic in `f` is resumed here), or the error of starting that thread.
pub fn with_query_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> std::io::Result<T> {
    let handle = std::thread::Builder::new().name("sluice-plan".into()).stack_size(QUERY_STACK_BYTES).spawn(f)?;
    match handle.join() {
        Ok(value) => Ok(value),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}
