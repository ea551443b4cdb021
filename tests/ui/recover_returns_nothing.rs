use steadfast::recover;

#[recover]
fn log(line: &str) {
    println!("{line}");
}

fn main() {
    log("hello");
}
