// Every form of `defer!` the contract names, plus bodies that begin with a keyword taking a
// block (`unsafe`, `loop`, `if`, `for`, `while`, `match`), and bodies that call something
// named like a mode: all statements, not modes.
use std::cell::RefCell;

use steadfast::defer;

unsafe fn release() {}

fn main() {
    let log = RefCell::new(Vec::new());
    {
        let log = &log;
        let i = 1;
        defer! { log.borrow_mut().push("always"); }
        defer!({ log.borrow_mut().push("always, parenthesised"); });
        defer!(on_success { log.borrow_mut().push("on_success"); });
        defer!(on_unwind { log.borrow_mut().push("on_unwind"); });
        defer!(move { log.borrow_mut().push(if i == 1 { "move" } else { "?" }); });
        defer!(move on_success { log.borrow_mut().push("move on_success"); });
        defer!(move on_unwind { log.borrow_mut().push("move on_unwind"); });
        defer! { unsafe { release() } }
        defer! { loop { break } }
        let verbose = false;
        defer! { if verbose { log.borrow_mut().push("if"); } }
        defer! { for n in ["for"] { let _ = n; } }
        defer! { while verbose { } }
        defer! { match i { 1 => (), _ => log.borrow_mut().push("match") } }
        let on_success = || ();
        defer! { on_success(); }
        let on_unwind = std::cell::Cell::new(false);
        defer! { on_unwind.set(true); }
    }
    assert_eq!(
        *log.borrow(),
        [
            "move on_success",
            "move",
            "on_success",
            "always, parenthesised",
            "always",
        ]
    );
}
