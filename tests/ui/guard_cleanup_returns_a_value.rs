// A guard's cleanup returns `()` or `Result<(), E>`: a call whose `Ok` holds a value (the rows
// an `execute` changed) is an error at the closure, which says to write `.map(drop)`.
struct Conn;

impl Conn {
    fn execute(&self, _sql: &str) -> Result<usize, String> {
        Ok(0)
    }
}

fn main() {
    let _conn = steadfast::guard(Conn, |conn| conn.execute("ROLLBACK"));
}
