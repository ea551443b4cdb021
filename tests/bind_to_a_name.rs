//! What the docs and the `#[must_use]` messages say about binding a guard: `let _ = …`
//! drops it at the end of that statement, `let _name = …` at the end of the scope. Each
//! constructor that returns a guard, with the consequence its docs state.

use std::cell::RefCell;
use std::rc::Rc;

use steadfast::strategy::{Always, OnSuccess, OnUnwind};
use steadfast::{guard, guard_on_success, guard_on_unwind, Guard};

type Log = RefCell<Vec<&'static str>>;

fn rec(log: &Log, entry: &'static str) {
    log.borrow_mut().push(entry);
}

/// What happens, in order, in a scope that binds one guard made by `make` to `_` and one to
/// a name; `make(log, entry)` makes a guard whose closure records `entry`.
fn order_with<G>(make: impl Fn(Rc<Log>, &'static str) -> G) -> Vec<&'static str> {
    let log = Rc::new(Log::default());
    {
        let _ = make(log.clone(), "`_`: at once");
        rec(&log, "body");
        let _named = make(log.clone(), "`_named`: at scope end");
        rec(&log, "end of body");
    }
    log.take()
}

#[test]
fn a_guard_bound_to_underscore_runs_at_once_and_one_bound_to_a_name_at_scope_end() {
    let by_guard = order_with(|log, entry| guard((), move |()| rec(&log, entry)));
    let by_guard_on_success =
        order_with(|log, entry| guard_on_success((), move |()| rec(&log, entry)));
    let by_new_always =
        order_with(|log, entry| Guard::<_, _, Always>::new((), move |()| rec(&log, entry)));
    let by_new_on_success =
        order_with(|log, entry| Guard::<_, _, OnSuccess>::new((), move |()| rec(&log, entry)));
    for order in [
        by_guard,
        by_guard_on_success,
        by_new_always,
        by_new_on_success,
    ] {
        assert_eq!(
            order,
            [
                "`_`: at once",
                "body",
                "end of body",
                "`_named`: at scope end"
            ]
        );
    }
}

#[cfg(panic = "unwind")]
#[test]
fn an_on_unwind_guard_bound_to_underscore_misses_the_panic_that_follows() {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    let log = Log::default();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let _ = guard_on_unwind((), |()| rec(&log, "`_`"));
        let _ = Guard::<_, _, OnUnwind>::new((), |()| rec(&log, "`_` by new"));
        let _alarm = guard_on_unwind((), |()| rec(&log, "`_alarm`: on the panic"));
        rec(&log, "body");
        panic!("boom");
    }));
    assert!(result.is_err());
    assert_eq!(*log.borrow(), ["body", "`_alarm`: on the panic"]);
}

#[test]
fn pause_bound_to_underscore_is_over_at_once_and_to_a_name_at_scope_end() {
    let _ = steadfast::time::pause();
    assert!(!steadfast::time::is_paused(), "`let _ =` unpaused at once");
    {
        let _clock = steadfast::time::pause();
        assert!(steadfast::time::is_paused());
    }
    assert!(!steadfast::time::is_paused());
}

#[cfg(feature = "tokio")]
mod tasks {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use steadfast::task::spawn_guarded;
    use tokio::task::yield_now;

    fn alive() -> usize {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    }

    // The mistake itself, which clippy's let_underscore_future also catches (a TaskGuard is
    // a future); rustc alone says nothing.
    #[allow(clippy::let_underscore_future)]
    #[tokio::test(flavor = "current_thread")]
    async fn spawn_guarded_bound_to_underscore_is_aborted_before_it_runs() {
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        let _ = spawn_guarded(async move { flag.store(true, Ordering::SeqCst) });
        yield_now().await;
        assert_eq!(alive(), 0, "the task was aborted");
        assert!(!ran.load(Ordering::SeqCst), "and never ran");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn spawn_guarded_bound_to_a_name_runs_until_the_scope_ends() {
        {
            let _ticker = spawn_guarded(std::future::pending::<()>());
            yield_now().await;
            assert_eq!(alive(), 1, "the task runs while its guard is bound");
        }
        yield_now().await;
        assert_eq!(alive(), 0, "and is aborted at the end of the scope");
    }
}
