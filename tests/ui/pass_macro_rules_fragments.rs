// The macros inside a `macro_rules!`: rustc passes `$e:expr`, `$l:literal`, `$p:path`,
// `$vis`, `$t:ty` and `$body:block` in groups without delimiters, which the macros read as
// if written out.
use std::cell::{Cell, RefCell};

use steadfast::{defer, recover, retry};

#[derive(Debug)]
struct Error;

fn is_transient(_: &Error) -> bool {
    true
}

fn fallback(_: steadfast::Panic) -> u32 {
    7
}

macro_rules! retried {
    ($vis:vis fn $name:ident($a:ident: $t:ty, $b:ident: $u:ty) -> $r:ty $body:block,
     $attempts:expr, $delay:literal, $when:path) => {
        #[retry(attempts = $attempts, delay = $delay, backoff = "none", when = $when)]
        $vis fn $name($a: $t, $b: $u) -> $r $body
    };
}

// `out: $u` with `$u` = `&mut Vec<u32>` is re-borrowed by each attempt, not cloned.
retried!(
    pub fn flaky(calls: &Cell<u32>, out: &mut Vec<u32>) -> Result<u32, Error> {
        calls.set(calls.get() + 1);
        out.push(calls.get());
        if calls.get() < 3 {
            Err(Error)
        } else {
            Ok(calls.get())
        }
    },
    3,
    "1ms",
    is_transient
);

macro_rules! recovered {
    ($with:path, $body:block) => {
        #[recover(with = $with)]
        fn boom() -> u32 $body
    };
}

recovered!(fallback, { panic!("boom") });

macro_rules! deferred {
    ($log:expr, $body:block) => {{
        defer!(on_success $body);
        defer!(move $body);
        $log.borrow_mut().push(0);
    }};
}

fn main() {
    let calls = Cell::new(0);
    let mut out = Vec::new();
    assert_eq!(flaky(&calls, &mut out).unwrap(), 3);
    assert_eq!(out, [1, 2, 3]);
    assert_eq!(boom(), 7);
    let log = &RefCell::new(Vec::new());
    deferred!(log, {
        log.borrow_mut().push(1);
    });
    assert_eq!(*log.borrow(), [0, 1, 1]);
}
