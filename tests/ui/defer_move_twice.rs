use steadfast::defer;

fn main() {
    let id = 7;
    defer!(move move {
        println!("finished {id}");
    });
}
