//! Order-preserving parallel map over independent pieces of work (files to
//! parse, services to lower and emit), on the standard library's scoped
//! threads. The result is the same as a sequential map, in the same order,
//! whatever the number of threads, so output stays deterministic.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// Below this many items per thread, spawning costs more than it saves.
const MIN_PER_THREAD: usize = 16;

/// Worker stacks are as large as a main thread's usually is, not the 2 MiB
/// threads get by default: checking walks parsed PromQL recursively.
const STACK_SIZE: usize = 8 * 1024 * 1024;

/// `items.iter().map(f).collect()`, computed on up to as many threads as the
/// machine offers. Threads take one item at a time as they go (items are
/// files or services, each far more work than taking it), so a
/// thread that the system runs less does less of the work.
pub fn map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let threads = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(items.len() / MIN_PER_THREAD)
        .max(1);
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= items.len() {
                return done;
            }
            done.push((i, f(&items[i])));
        }
    };
    let mut results: Vec<(usize, R)> = thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| {
                // Without a thread (the system refused one), the others do its share.
                thread::Builder::new()
                    .stack_size(STACK_SIZE)
                    .spawn_scoped(scope, work)
                    .ok()
            })
            .collect();
        let mut all = work();
        for h in helpers {
            // A panic in a worker is a bug; re-raise it on the caller's thread.
            all.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        all
    });
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_whatever_the_size() {
        for n in [0, 1, 15, 16, 17, 100, 1001] {
            let items: Vec<usize> = (0..n).collect();
            let doubled = map(&items, |x| x * 2);
            assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        }
    }
}
