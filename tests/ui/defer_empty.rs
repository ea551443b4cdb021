use steadfast::defer;

fn main() {
    defer!();
}
