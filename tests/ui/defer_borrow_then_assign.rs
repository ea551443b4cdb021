// A borrowing `defer!` holds its borrows to the end of the scope, as a closure would, so a
// variable it reads cannot be assigned in between. `defer!(move { ... })` captures a copy
// now and is the way out (Go's "arguments are evaluated at defer").
use steadfast::defer;

fn main() {
    let mut x = 1;
    defer! { println!("{}", x); }
    x += 1;
    println!("{}", x);
}
