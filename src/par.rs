//! Order-preserving parallel map over independent pieces of work (files to
//! parse, services to check, lower and emit) on a pool of worker threads.
//! The result is the same as a sequential map, in the same order, whatever
//! the number of threads, so output stays deterministic.
//!
//! The pool is `slo`'s own, not rayon's global one, so that its stack size
//! is ours to choose whatever else shares the process. It is started once
//! and kept: a run goes through three parallel phases (parse, check,
//! compile), and a freshly spawned thread often takes a few milliseconds to
//! get a core, where a waiting one is woken in tens of microseconds.

// Slicing a string inside a character panics; `get` says what to do instead.
#![deny(clippy::string_slice)]

use rayon::prelude::*;
use std::sync::OnceLock;

/// Below this many items, handing them to other threads costs more than it
/// saves; they are done on the caller's thread.
const MIN_ITEMS: usize = 32;

/// Worker stacks are as large as a main thread's usually is, not the 2 MiB
/// threads get by default: checking walks parsed PromQL recursively.
const STACK_SIZE: usize = 8 * 1024 * 1024;

/// The worker threads, started on first use. `None` when the system
/// refused to start them; the work is then done on the caller's thread.
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("slo-worker-{i}"))
            .stack_size(STACK_SIZE)
            .build()
            .ok()
    })
    .as_ref()
}

/// Starts the worker threads now rather than at the first parallel map, so
/// that they are running by the time there is work.
pub fn start() {
    pool();
}

/// `items.iter().map(f).collect()`, computed on the worker threads. Each
/// item is a file or a service, far more work than handing it out, so the
/// threads take them one at a time and a thread the system runs less does
/// less of the work.
pub fn map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    match pool() {
        Some(pool) if items.len() >= MIN_ITEMS => {
            let f = &f;
            pool.install(|| items.par_iter().with_max_len(1).map(f).collect())
        }
        _ => items.iter().map(f).collect(),
    }
}

/// Runs `a` and `b`, on two worker threads when there are two to spare.
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    match pool() {
        Some(pool) => pool.install(|| rayon::join(a, b)),
        None => (a(), b()),
    }
}

/// Drops `value` on a worker thread, so that the caller need not wait for
/// a large structure to be freed.
pub fn drop_later<T: Send + 'static>(value: T) {
    match pool() {
        Some(pool) => pool.spawn(move || drop(value)),
        None => drop(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_whatever_the_size() {
        for n in [0, 1, 31, 32, 33, 100, 1001] {
            let items: Vec<usize> = (0..n).collect();
            let doubled = map(&items, |x| x * 2);
            assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        }
    }

    #[test]
    fn join_returns_both_results() {
        assert_eq!(join(|| 1, || "two"), (1, "two"));
    }
}
