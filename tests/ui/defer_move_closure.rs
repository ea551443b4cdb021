use steadfast::defer;

fn main() {
    let name = String::from("conn");
    defer!(move || drop(name));
}
