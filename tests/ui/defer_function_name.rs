use steadfast::defer;

fn cleanup() {
    println!("cleaned up");
}

fn main() {
    defer!(cleanup);
    cleanup();
}
