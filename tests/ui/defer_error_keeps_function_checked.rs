// On an error, `defer!` still emits its body in a closure that is never called, so the names
// in it resolve and the rest of the function type-checks: the only error below is the
// unknown mode, with nothing reported about `sum`, `count` or the code after the defer.
use steadfast::defer;

fn total(items: &[u32]) -> u32 {
    let mut sum = 0;
    let count = items.len();
    defer!(on_exit {
        println!("summed {count} items to {sum}");
    });
    for item in items {
        sum += item;
    }
    sum
}

fn main() {
    assert_eq!(total(&[1, 2, 3]), 6);
}
